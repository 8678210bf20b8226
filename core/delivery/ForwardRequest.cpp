#include "delivery/ForwardRequest.h"

#include "crypto/Schemes.h"
#include "crypto/Signature.h"

namespace Alfe::ForwardRequest {

namespace {
// Not forwarded: hop-by-hop (RFC 9110 §7.6.1), the sender's host and credentials, framing that the
// forwarding request sets itself, and the headers Alfe sets.
bool dropped(const QByteArray& name)
{
    static const QList<QByteArray> names{"connection",
                                         "keep-alive",
                                         "proxy-authenticate",
                                         "proxy-authorization",
                                         "te",
                                         "trailer",
                                         "transfer-encoding",
                                         "upgrade",
                                         "host",
                                         "authorization",
                                         "cookie",
                                         "content-length",
                                         "expect",
                                         "webhook-id",
                                         "webhook-timestamp",
                                         "webhook-signature"};
    const QByteArray lower = name.toLower();
    return names.contains(lower) || lower.startsWith("x-alfe-");
}
} // namespace

HeaderList headers(const Delivery& d, const QByteArray& secret, int attempt, qint64 nowMs)
{
    HeaderList out;
    for (const auto& header : d.headers) {
        if (!dropped(header.first))
            out << header;
    }
    const QByteArray id = d.id.toLatin1();
    const qint64 timestamp = nowMs / 1000;
    out << qMakePair(QByteArray("X-Alfe-Webhook-Id"), d.webhookId.toLatin1())
        << qMakePair(QByteArray("X-Alfe-Delivery-Id"), id)
        << qMakePair(QByteArray("X-Alfe-Provider"), providerName(d.provider).toLatin1())
        << qMakePair(QByteArray("X-Alfe-Event"), d.eventType.toUtf8())
        << qMakePair(QByteArray("X-Alfe-Attempt"), QByteArray::number(attempt))
        << qMakePair(QByteArray(Signature::HeaderName), Signature::sign(secret, d.body))
        << qMakePair(QByteArray("webhook-id"), id)
        << qMakePair(QByteArray("webhook-timestamp"), QByteArray::number(timestamp))
        << qMakePair(QByteArray("webhook-signature"),
                     Schemes::standardWebhooksSignature(secret, id, timestamp, d.body));
    return out;
}

} // namespace Alfe::ForwardRequest
