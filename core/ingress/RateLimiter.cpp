#include "ingress/RateLimiter.h"

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
    if (it == m_buckets.end())
        it = m_buckets.insert(key, Bucket{double(m_rate), nowMs});
    Bucket& b = *it;
    b.tokens = std::min(double(m_rate), b.tokens + double(nowMs - b.updatedMs) * m_rate / 1000.0);
    b.updatedMs = nowMs;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return true;
    }
    if (retryAfterSeconds)
        *retryAfterSeconds = std::max(1, int(std::ceil((1.0 - b.tokens) / m_rate)));
    return false;
}

} // namespace Alfe
