#include "store/DeliveryWriter.h"

#include "domain/Clock.h"
#include "domain/Delivery.h"
#include "domain/HeaderRedaction.h"
#include "domain/Logging.h"
#include "store/Database.h"
#include "store/RefusedLog.h"

#include <QSqlQuery>
#include <QTimer>
#include <QVariant>

namespace Alfe {

struct DeliveryWriter::Job
{
    IncomingDelivery delivery;
    Done done;
    Result<StoredDelivery> result = Errors::storage(QStringLiteral("not written"));
};

struct DeliveryWriter::Batch
{
    std::vector<Job> jobs;
};

// Lives in the writer thread with its own connection.
class DeliveryWriter::Worker final : public QObject
{
public:
    explicit Worker(const Clock& clock)
        : m_clock(clock)
        , m_store(m_db, clock)
        , m_recordsTimer(new QTimer(this))
        , m_refusedTimer(new QTimer(this))
    {
        // Refusals are written apart from accepted deliveries, a few times a second at most.
        m_refusedTimer->setSingleShot(true);
        m_refusedTimer->setInterval(RefusedWaitMs);
        connect(m_refusedTimer, &QTimer::timeout, this, &Worker::writeRefused);
        // Records wait a moment for the ingress's next batch, to share its transaction (and its fsync).
        m_recordsTimer->setSingleShot(true);
        m_recordsTimer->setInterval(RecordsWaitMs);
        connect(m_recordsTimer, &QTimer::timeout, this, &Worker::writeRecordsAlone);
    }

    ~Worker() override { writeRefused(); }
    Q_DISABLE_COPY_MOVE(Worker)

    Result<void> open(const QString& path) { return m_db.open(path); }
    Database& database() { return m_db; }

    void flushRecords()
    {
        writeRecordsAlone();
        writeRefused();
    }

    void addRefused(const RefusedRequest& request)
    {
        if (!m_refused.add(request, m_clock.nowMs())) {
            if (m_droppedRefusals++ % 1000 == 0)
                qCWarning(lcStore) << "refused requests come faster than they can be logged; not logging some";
            return;
        }
        if (!m_refusedTimer->isActive())
            m_refusedTimer->start();
    }

    void setRefusedLogBytes(qint64 bytes) { m_refused.setMaxBytes(bytes); }

    void addRecords(Records records)
    {
        m_records.push_back(std::move(records));
        if (!m_recordsTimer->isActive())
            m_recordsTimer->start();
    }

    void write(Batch& batch)
    {
        // Constant statements, parsed once (Database::prepared): a batch costs its inserts, not their SQL text.
        if (auto begun = m_db.execPrepared(QStringLiteral("BEGIN IMMEDIATE")); !begun) {
            for (Job& job : batch.jobs)
                job.result = begun.error();
            return;
        }
        if (!insertAll(batch)) {
            // One row failed (a webhook deleted meanwhile, a full disk...): PostgreSQL has aborted the whole
            // transaction by now, so the batch starts again with a savepoint around each row, and only the
            // failing ones are refused.
            m_db.execPrepared(QStringLiteral("ROLLBACK"));
            if (auto begun = m_db.execPrepared(QStringLiteral("BEGIN IMMEDIATE")); !begun) {
                for (Job& job : batch.jobs)
                    job.result = begun.error();
                return;
            }
            insertEachAlone(batch);
        }
        auto records = std::exchange(m_records, {});
        m_recordsTimer->stop();
        for (const Records& r : records)
            r.write(m_db);
        const auto committed = m_db.execPrepared(QStringLiteral("COMMIT"));
        if (!committed) {
            m_db.execPrepared(QStringLiteral("ROLLBACK"));
            for (Job& job : batch.jobs)
                job.result = committed.error();
        }
        for (const Records& r : records)
            r.done(committed.ok());
    }

private:
    static constexpr int RecordsWaitMs = 2;

    // Every row in one go: a statement per row, which on PostgreSQL is one round trip. False when one failed.
    bool insertAll(Batch& batch)
    {
        for (Job& job : batch.jobs) {
            job.result = m_store.insert(job.delivery);
            if (!job.result)
                return false;
        }
        return true;
    }

    void insertEachAlone(Batch& batch)
    {
        for (Job& job : batch.jobs) {
            m_db.execPrepared(QStringLiteral("SAVEPOINT row"));
            job.result = m_store.insert(job.delivery);
            if (!job.result)
                m_db.execPrepared(QStringLiteral("ROLLBACK TO row"));
            m_db.execPrepared(QStringLiteral("RELEASE row"));
        }
    }
    static constexpr int RefusedWaitMs = 200;

    void writeRefused()
    {
        m_refusedTimer->stop();
        if (auto written = m_refused.write(m_db, m_clock.nowMs()); !written)
            qCWarning(lcStore) << "refused requests could not be logged:" << written.error().message;
    }

    void writeRecordsAlone()
    {
        if (m_records.empty())
            return;
        auto records = std::exchange(m_records, {});
        const auto written = m_db.transaction([&]() -> Result<void> {
            for (const Records& r : records)
                r.write(m_db);
            return {};
        });
        for (const Records& r : records)
            r.done(written.ok());
    }

    const Clock& m_clock;
    Database m_db;
    DeliveryStore m_store;
    QTimer* m_recordsTimer;
    std::vector<Records> m_records;
    QTimer* m_refusedTimer;
    RefusedLog m_refused;
    quint64 m_droppedRefusals = 0;
};

DeliveryWriter::DeliveryWriter(const QString& databasePath, const Clock& clock, QObject* parent)
    : QObject(parent)
    , m_path(databasePath)
    , m_clock(clock)
{
    m_thread.setObjectName(QStringLiteral("alfe-writer"));
    qRegisterMetaType<QList<CommittedDelivery>>(); // crosses threads in committed()
}

DeliveryWriter::~DeliveryWriter()
{
    if (m_worker) {
        // Whatever was not committed yet was never acknowledged; the worker finishes its batch first.
        QMetaObject::invokeMethod(
            m_worker, [worker = m_worker] { delete worker; }, Qt::BlockingQueuedConnection);
        m_worker = nullptr;
    }
    m_thread.quit();
    m_thread.wait();
}

Result<void> DeliveryWriter::start()
{
    m_thread.start();
    m_worker = new Worker(m_clock);
    m_worker->moveToThread(&m_thread);
    Result<void> opened;
    QMetaObject::invokeMethod(
        m_worker, [&] { opened = m_worker->open(m_path); }, Qt::BlockingQueuedConnection);
    return opened;
}

void DeliveryWriter::submit(IncomingDelivery delivery, Done done)
{
    if (!m_pending)
        m_pending = std::make_shared<Batch>();
    m_pending->jobs.push_back(Job{std::move(delivery), std::move(done)});
    flush();
}

void DeliveryWriter::submitRefused(const RefusedRequest& request)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, request] { worker->addRefused(request); });
}

void DeliveryWriter::setRefusedLogBytes(qint64 bytes)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, bytes] { worker->setRefusedLogBytes(bytes); });
}

void DeliveryWriter::submitWork(std::function<void(Database&)> work)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, work = std::move(work)] { work(worker->database()); });
}

void DeliveryWriter::submitRecords(Records records)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, records = std::move(records)]() mutable {
        worker->addRecords(std::move(records));
    });
}

void DeliveryWriter::runWork(const std::function<void(Database&)>& work)
{
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, &work] {
            worker->flushRecords(); // what was handed over before goes first
            work(worker->database());
        },
        Qt::BlockingQueuedConnection);
}

void DeliveryWriter::flush()
{
    if (m_inFlight || !m_pending || !m_worker)
        return;
    std::shared_ptr<Batch> batch = std::move(m_pending);
    m_pending.reset();
    if (batch->jobs.size() > size_t(MaxBatch)) {
        // Keep batches bounded; the rest goes next.
        m_pending = std::make_shared<Batch>();
        auto split = batch->jobs.begin() + MaxBatch;
        std::move(split, batch->jobs.end(), std::back_inserter(m_pending->jobs));
        batch->jobs.erase(split, batch->jobs.end());
    }
    m_inFlight = true;
    QMetaObject::invokeMethod(m_worker, [this, batch, worker = m_worker] {
        worker->write(*batch);
        QMetaObject::invokeMethod(
            this, [this, batch] { onWritten(batch); }, Qt::QueuedConnection);
    });
}

void DeliveryWriter::onWritten(const std::shared_ptr<Batch>& batch)
{
    m_inFlight = false;
    flush(); // the next batch goes to disk while this one is answered
    QList<CommittedDelivery> fresh;
    for (Job& job : batch->jobs) {
        if (job.result && !job.result->duplicate()) {
            CommittedDelivery c{job.result->deliveryId, job.result->agentId, nullptr};
            if (job.delivery.body.size() <= CarriedBodyMaxBytes) {
                auto d = std::make_shared<Delivery>();
                d->id = job.result->deliveryId;
                d->webhookId = job.delivery.webhookId;
                d->receivedAtMs = job.result->receivedAtMs;
                d->provider = job.delivery.provider;
                d->eventType = job.delivery.eventType;
                d->dedupKey = job.delivery.dedupKey;
                d->contentType = job.delivery.contentType;
                d->headers = job.delivery.headers;
                d->body = job.delivery.body;
                c.delivery = std::move(d);
            }
            fresh << std::move(c);
        }
        if (!job.result)
            qCWarning(lcStore) << "a delivery could not be stored:" << job.result.error().message;
        job.done(std::move(job.result));
    }
    if (!fresh.isEmpty())
        emit committed(fresh);
}

} // namespace Alfe
