#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>

namespace Alfe {

// The Idempotency-Key headers of admin requests that change something, remembered for a day (at most
// Capacity of them, the oldest forgotten first). An HTTP client may send a request again when its connection
// drops before the answer (Qt's QNetworkAccessManager does, even a POST): the second copy of a key is refused
// (409 duplicate_request) instead of rotating a secret or creating a webhook twice, and the client can say
// that the first one was carried out though its answer was lost.
class RequestKeys final
{
public:
    static constexpr int Capacity = 10'000;
    static constexpr qint64 KeepMs = 24 * 3600 * 1000;
    static constexpr int MaxKeyLength = 128;

    // True the first time `key` is seen (recorded now); false for a repeat. An empty key is always new.
    bool admit(const QByteArray& key, qint64 nowMs);
    // Forgets `key` (its request was refused: a copy may be carried out).
    void forget(const QByteArray& key);

private:
    QHash<QByteArray, qint64> m_seen; // key -> when
    QList<QByteArray> m_order;        // oldest first
};

} // namespace Alfe
