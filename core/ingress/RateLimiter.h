#pragma once

#include <QHash>
#include <QString>

namespace Alfe {

// A token bucket per key: `ratePerSecond` requests a second on average, bursts up to the same number.
// 0 turns it off.
class RateLimiter final
{
public:
    explicit RateLimiter(int ratePerSecond = 100)
        : m_rate(ratePerSecond)
    {}

    void setRate(int ratePerSecond);
    int rate() const { return m_rate; }

    // True when a request for `key` at `nowMs` may pass; otherwise `retryAfterSeconds` says when one will.
    bool tryAcquire(const QString& key, qint64 nowMs, int* retryAfterSeconds = nullptr);

private:
    struct Bucket
    {
        double tokens = 0;
        qint64 updatedMs = 0;
    };
    int m_rate;
    QHash<QString, Bucket> m_buckets;
};

} // namespace Alfe
