#include "store/DeliveryWriter.h"

#include "domain/Clock.h"
#include "domain/Delivery.h"
#include "domain/HeaderRedaction.h"
#include "domain/Logging.h"
#include "store/Database.h"

#include <QSqlQuery>
#include <QTimer>
#include <QVariant>

namespace Alfe {

namespace {
constexpr qsizetype RefusedBodyHeadBytes = 64 * 1024;
}

struct DeliveryWriter::Job
{
    IncomingDelivery delivery;
    Done done;
    Result<StoredDelivery> result = Errors::storage(QStringLiteral("not written"));
};

struct DeliveryWriter::Batch
{
    std::vector<Job> jobs;
    QList<RefusedRequest> refused;
    QList<qint64> refusedAtMs;
};

// Lives in the writer thread with its own connection.
class DeliveryWriter::Worker final : public QObject
{
public:
    explicit Worker(const Clock& clock)
        : m_clock(clock)
        , m_store(m_db, clock)
        , m_recordsTimer(new QTimer(this))
    {
        // Records wait a moment for the ingress's next batch, to share its transaction (and its fsync).
        m_recordsTimer->setSingleShot(true);
        m_recordsTimer->setInterval(RecordsWaitMs);
        connect(m_recordsTimer, &QTimer::timeout, this, &Worker::writeRecordsAlone);
    }

    Result<void> open(const QString& path) { return m_db.open(path); }
    Database& database() { return m_db; }

    void flushRecords() { writeRecordsAlone(); }

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
        for (Job& job : batch.jobs) {
            m_db.execPrepared(QStringLiteral("SAVEPOINT row"));
            job.result = m_store.insert(job.delivery);
            if (!job.result)
                m_db.execPrepared(QStringLiteral("ROLLBACK TO row"));
            m_db.execPrepared(QStringLiteral("RELEASE row"));
        }
        writeRefused(batch);
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

    void writeRefused(const Batch& batch)
    {
        if (batch.refused.isEmpty())
            return;
        QSqlQuery q(m_db.connection());
        q.prepare(QStringLiteral("INSERT INTO refused_requests (received_at, webhook_id, status, reason, method, path,"
                                 " remote, headers, body_head, body_size) VALUES (?,?,?,?,?,?,?,?,?,?)"));
        for (qsizetype i = 0; i < batch.refused.size(); ++i) {
            const RefusedRequest& r = batch.refused.at(i);
            const QByteArray hookId =
                r.path.startsWith("/v1/hooks/") ? r.path.mid(10).split('?').first() : QByteArray();
            q.addBindValue(batch.refusedAtMs.at(i));
            q.addBindValue(hookId.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                            : QVariant(QString::fromUtf8(hookId)));
            q.addBindValue(r.status);
            q.addBindValue(QString::fromUtf8(r.code));
            q.addBindValue(QString::fromLatin1(r.method));
            q.addBindValue(QString::fromUtf8(r.path.left(2048)));
            q.addBindValue(Database::text(r.remoteAddress));
            q.addBindValue(DeliveryStore::encodeHeaders(HeaderRedaction::forDisplay(r.headers)));
            q.addBindValue(r.bodyHead.left(RefusedBodyHeadBytes));
            q.addBindValue(r.declaredBodySize >= 0 ? QVariant(r.declaredBodySize)
                                                   : QVariant(qint64(r.bodyHead.size())));
            m_db.exec(q);
        }
        QSqlQuery trim(m_db.connection());
        trim.prepare(
            QStringLiteral("DELETE FROM refused_requests WHERE id <= (SELECT max(id) FROM refused_requests) - ?"
                           " OR received_at < ?"));
        trim.addBindValue(RefusedLogMaxRows);
        trim.addBindValue(m_clock.nowMs() - RefusedLogMaxAgeMs);
        m_db.exec(trim);
    }

    const Clock& m_clock;
    Database m_db;
    DeliveryStore m_store;
    QTimer* m_recordsTimer;
    std::vector<Records> m_records;
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
    if (!m_pending)
        m_pending = std::make_shared<Batch>();
    m_pending->refused << request;
    m_pending->refusedAtMs << m_clock.nowMs();
    flush();
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
