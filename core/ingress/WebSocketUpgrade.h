#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>

class QTcpSocket;

namespace Alfe {

class HttpHead;

// A refusal of an upgrade request, or (status 0) leave to go on.
struct UpgradeVerdict
{
    int status = 0;
    QByteArray code;
    QString message;
    QList<QPair<QByteArray, QByteArray>> headers;
};

// A path on which the connection guard lets WebSocket upgrades through (SPEC §12). `check` decides before the
// upgrade: status 0 lets it go on, anything else is the refusal to answer. `take` then receives the connection,
// with no parent and no slot of the guard's or QHttpServer's connected, and its request head put back in front
// of whatever followed it.
struct UpgradeRoute
{
    QByteArray path;
    std::function<UpgradeVerdict(const HttpHead& head, QTcpSocket* socket)> check;
    std::function<void(QTcpSocket* socket)> take;
};

namespace WebSocketUpgrade {
// Whether a complete head is a WebSocket upgrade this server speaks (RFC 6455, version 13, no body): a
// refusal that says what is wrong (400 or 426), or status 0.
UpgradeVerdict checkShape(const HttpHead& head);
} // namespace WebSocketUpgrade

} // namespace Alfe
