#pragma once

#include "store/DeliveryStore.h"

#include <QObject>
#include <QStringList>

namespace Alfe {

// Queues again every delivery that matches a filter ("retry all failed"), a chunk per event-loop turn so
// the thread stays responsive, reporting progress; cancel() stops after the chunk in hand. What was
// queued stays queued.
class BulkRetry final : public QObject
{
    Q_OBJECT

public:
    BulkRetry(DeliveryStore& store, DeliveryFilter filter, QObject* parent = nullptr);
    Q_DISABLE_COPY_MOVE(BulkRetry)

    void setChunkSize(int size) { m_chunk = std::max(1, size); }
    void start();
    void cancel() { m_cancelled = true; }

    int total() const { return int(m_ids.size()); }
    int done() const { return m_done; }

signals:
    void progress(int done, int total);
    void finished(int queued, bool cancelled, const QString& error);

private:
    void step();

    DeliveryStore& m_store;
    DeliveryFilter m_filter;
    QStringList m_ids;
    int m_done = 0;
    int m_chunk = 100;
    bool m_cancelled = false;
};

} // namespace Alfe
