#include "delivery/BulkRetry.h"

#include <QTimer>

namespace Alfe {

BulkRetry::BulkRetry(DeliveryStore& store, DeliveryFilter filter, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_filter(std::move(filter))
{}

void BulkRetry::start()
{
    // Collect first, then queue: queuing changes the status the pages are filtered on.
    DeliveryFilter page = m_filter;
    page.limit = DeliveryStore::MaxPageSize;
    for (;;) {
        auto found = m_store.list(page);
        if (!found) {
            emit finished(0, false, found.error().message);
            return;
        }
        for (const Delivery& d : found->items)
            m_ids << d.id;
        if (found->nextCursor.isEmpty())
            break;
        page.cursor = found->nextCursor;
    }
    emit progress(0, total());
    QTimer::singleShot(0, this, &BulkRetry::step);
}

void BulkRetry::step()
{
    if (m_cancelled) {
        emit finished(m_done, true, {});
        return;
    }
    const int end = std::min(total(), m_done + m_chunk);
    for (; m_done < end; ++m_done) {
        if (auto queued = m_store.requeue(m_ids.at(m_done)); !queued && queued.error().code != u"not_found") {
            emit finished(m_done, false, queued.error().message);
            return;
        }
    }
    emit progress(m_done, total());
    if (m_done >= total()) {
        emit finished(m_done, false, {});
        return;
    }
    QTimer::singleShot(0, this, &BulkRetry::step);
}

} // namespace Alfe
