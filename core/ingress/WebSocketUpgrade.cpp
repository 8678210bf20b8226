#include "ingress/WebSocketUpgrade.h"

#include "ingress/HttpHead.h"

namespace Alfe::WebSocketUpgrade {

namespace {
// Whether a comma-separated field holds `token` (case-insensitive), as "Connection: keep-alive, Upgrade" does.
bool hasToken(const HttpHead& head, QByteArrayView field, QByteArrayView token)
{
    for (const QByteArray& value : head.values(field)) {
        for (const QByteArray& part : value.split(',')) {
            if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}
} // namespace

UpgradeVerdict checkShape(const HttpHead& head)
{
    if (head.hasBody())
        return {400, "bad_request", QStringLiteral("A stream request has no body."), {}};
    if (!hasToken(head, "Upgrade", "websocket") || !hasToken(head, "Connection", "upgrade")) {
        return {426,
                "upgrade_required",
                QStringLiteral("This is a WebSocket endpoint: send GET with \"Connection: Upgrade\" and "
                               "\"Upgrade: websocket\" (RFC 6455)."),
                {{"Upgrade", "websocket"}}};
    }
    if (head.value("Sec-WebSocket-Version").trimmed() != "13") {
        return {426,
                "upgrade_required",
                QStringLiteral("Only WebSocket version 13 (RFC 6455) is spoken here."),
                {{"Sec-WebSocket-Version", "13"}}};
    }
    if (head.value("Sec-WebSocket-Key").trimmed().isEmpty())
        return {400, "bad_request", QStringLiteral("The upgrade has no Sec-WebSocket-Key."), {}};
    return {};
}

} // namespace Alfe::WebSocketUpgrade
