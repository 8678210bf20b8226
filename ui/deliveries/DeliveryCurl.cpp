#include "deliveries/DeliveryCurl.h"

#include "deliveries/DeliveryPayloadText.h"

#include <QStringList>

namespace Alfe::DeliveryCurl {

namespace {
// Headers curl writes itself, or that describe the hop from the sender rather than the request.
bool leftToCurl(const QByteArray& name)
{
    static const QList<QByteArray> names{"host",       "content-length",    "connection",
                                         "keep-alive", "transfer-encoding", "expect",
                                         "te",         "upgrade",           "proxy-connection"};
    return names.contains(name.toLower());
}
} // namespace

QString shellQuote(const QString& text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString command(const Delivery& delivery, const QString& url)
{
    const bool text = DeliveryPayloadText::isText(delivery.body);
    QStringList lines;
    QString first = QStringLiteral("curl -X POST %1").arg(shellQuote(url));
    if (!text) {
        first = QStringLiteral("printf '%s' %1 | base64 -d | ")
                    .arg(shellQuote(QString::fromLatin1(delivery.body.toBase64()))) +
                first;
    }
    lines << first;
    for (const auto& [name, value] : delivery.headers) {
        if (leftToCurl(name))
            continue;
        lines << QStringLiteral("  -H %1").arg(
            shellQuote(QString::fromLatin1(name) + QStringLiteral(": ") + QString::fromUtf8(value)));
    }
    lines << (text ? QStringLiteral("  --data-binary %1").arg(shellQuote(QString::fromUtf8(delivery.body)))
                   : QStringLiteral("  --data-binary @-"));
    return lines.join(QStringLiteral(" \\\n"));
}

} // namespace Alfe::DeliveryCurl
