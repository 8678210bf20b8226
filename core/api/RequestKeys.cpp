#include "api/RequestKeys.h"

namespace Alfe {

bool RequestKeys::admit(const QByteArray& key, qint64 nowMs)
{
    if (key.isEmpty())
        return true;
    while (!m_order.isEmpty() && (m_order.size() >= Capacity || m_seen.value(m_order.first()) < nowMs - KeepMs)) {
        m_seen.remove(m_order.takeFirst());
    }
    const QByteArray bounded = key.left(MaxKeyLength);
    if (m_seen.contains(bounded))
        return false;
    m_seen.insert(bounded, nowMs);
    m_order.append(bounded);
    return true;
}

void RequestKeys::forget(const QByteArray& key)
{
    const QByteArray bounded = key.left(MaxKeyLength);
    if (m_seen.remove(bounded))
        m_order.removeOne(bounded);
}

} // namespace Alfe
