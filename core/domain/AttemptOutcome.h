#pragma once

#include <QByteArray>
#include <QString>

namespace Alfe {

// What one attempt to hand a delivery to its agent came to.
struct AttemptOutcome
{
    enum class Kind
    {
        Delivered,         // a 2xx
        Failed,            // any other HTTP answer, 3xx included (redirects are not followed)
        Gone,              // 410: the agent's forwarding is paused
        ConnectionFailure, // refused, DNS, TLS, timeout: counts toward "offline"
        Interrupted,       // the agent's stream closed before it answered: waits again, nothing spent
    };

    Kind kind = Kind::Failed;
    int statusCode = 0;       // 0 without an HTTP answer
    qint64 retryAfterMs = -1; // from Retry-After on 429/503, else -1
    QString error;            // the network error, for the attempt record

    // `retryAfter` is the raw header (delta-seconds or an HTTP date), `nowMs` the time to measure from.
    static AttemptOutcome classify(int statusCode, const QString& networkError, const QByteArray& retryAfter,
                                   qint64 nowMs);
};

} // namespace Alfe
