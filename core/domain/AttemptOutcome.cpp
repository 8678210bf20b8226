#include "domain/AttemptOutcome.h"

#include <QDateTime>
#include <QLocale>

namespace Alfe {

namespace {
constexpr qint64 MaxRetryAfterMs = 24 * 3600 * 1000;

qint64 parseRetryAfter(const QByteArray& value, qint64 nowMs)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return -1;
    bool ok = false;
    const qint64 seconds = trimmed.toLongLong(&ok);
    if (ok)
        // Compared before multiplying: "Retry-After: 9223372036854775807" must not overflow.
        return seconds < 0 ? -1 : (seconds > MaxRetryAfterMs / 1000 ? MaxRetryAfterMs : seconds * 1000);
    // An HTTP date (IMF-fixdate), e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
    const QDateTime when = QLocale::c().toDateTime(QString::fromLatin1(trimmed.left(64)),
                                                   QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!when.isValid())
        return -1;
    QDateTime utc = when;
    utc.setTimeSpec(Qt::UTC);
    return std::clamp<qint64>(utc.toMSecsSinceEpoch() - nowMs, 0, MaxRetryAfterMs);
}
} // namespace

AttemptOutcome AttemptOutcome::classify(int statusCode, const QString& networkError, const QByteArray& retryAfter,
                                        qint64 nowMs)
{
    AttemptOutcome outcome;
    outcome.statusCode = statusCode;
    if (statusCode <= 0) {
        outcome.kind = Kind::ConnectionFailure;
        outcome.error = networkError.isEmpty() ? QStringLiteral("no HTTP answer") : networkError;
        return outcome;
    }
    if (statusCode >= 200 && statusCode < 300) {
        outcome.kind = Kind::Delivered;
    } else if (statusCode == 410) {
        outcome.kind = Kind::Gone;
    } else {
        outcome.kind = Kind::Failed;
        if (statusCode == 429 || statusCode == 503)
            outcome.retryAfterMs = parseRetryAfter(retryAfter, nowMs);
    }
    return outcome;
}

} // namespace Alfe
