#include "ingress/RateLimiter.h"

#include <algorithm>
#include <cmath>

namespace Alfe {

void RateLimiter::setRate(int ratePerSecond)
{
    m_rate = ratePerSecond;
    m_buckets.clear();
}

bool RateLimiter::tryAcquire(const QString& key, qint64 nowMs, int* retryAfterSeconds)
{
    if (m_rate <= 0)
        return true;
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= MaxKeys)
            forgetFullBuckets(nowMs);
        it = m_buckets.insert(key, Bucket{double(m_rate), nowMs});
    }
    Bucket& b = *it;
    const qint64 elapsedMs = std::max<qint64>(0, nowMs - b.updatedMs);
    b.tokens = std::min(double(m_rate), b.tokens + double(elapsedMs) * m_rate / 1000.0);
    b.updatedMs = nowMs;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return true;
    }
    if (retryAfterSeconds)
        *retryAfterSeconds = std::max(1, int(std::ceil((1.0 - b.tokens) / m_rate)));
    return false;
}

void RateLimiter::forgetFullBuckets(qint64 nowMs)
{
    // A bucket refills completely within a second: forgetting one that has is the same as keeping it.
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (nowMs - it->updatedMs >= 1000)
            it = m_buckets.erase(it);
        else
            ++it;
    }
    // Still full of keys seen within the last second (addresses sprayed at us): start afresh rather than grow.
    if (m_buckets.size() >= MaxKeys)
        m_buckets.clear();
}

} // namespace Alfe
