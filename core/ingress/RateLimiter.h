#pragma once

#include <QHash>
#include <QString>

namespace Alfe {

// A token bucket per key: `ratePerSecond` requests a second on average, bursts up to the same number.
// 0 turns it off. Times are from a monotonic clock (a wall clock stepping back must not refuse anyone); at most
// MaxKeys buckets are kept, full ones (keys idle for a second or more) being forgotten first.
class RateLimiter final
{
public:
    explicit RateLimiter(int ratePerSecond = 100)
        : m_rate(ratePerSecond)
    {}

    void setRate(int ratePerSecond);
    int rate() const { return m_rate; }

    static constexpr int MaxKeys = 65'536;

    // True when a request for `key` at `nowMs` may pass; otherwise `retryAfterSeconds` says when one will.
    bool tryAcquire(const QString& key, qint64 nowMs, int* retryAfterSeconds = nullptr);
    int keyCount() const { return int(m_buckets.size()); }

private:
    struct Bucket
    {
        double tokens = 0;
        qint64 updatedMs = 0;
    };
    void forgetFullBuckets(qint64 nowMs);

    int m_rate;
    QHash<QString, Bucket> m_buckets;
};

} // namespace Alfe
