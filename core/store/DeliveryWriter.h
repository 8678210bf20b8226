#pragma once

#include "domain/Result.h"
#include "store/DeliveryStore.h"

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>

namespace Alfe {

class Clock;
class Database;
struct RefusedRequest;

// Stores accepted deliveries durably off the ingress thread, with group commit: requests that arrive
// while a batch is being committed wait and go together in the next transaction (one fsync for many).
// Every request gets its own result; a row whose insert failed is never reported as stored.
// Refused requests go to their capped log (RefusedLog) in transactions of their own.
class DeliveryWriter final : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(Result<StoredDelivery>)>;

    static constexpr int MaxBatch = 512;
    // Committed deliveries up to this size are handed on whole (committed()), not only by id.
    static constexpr qsizetype CarriedBodyMaxBytes = 64 * 1024;

    DeliveryWriter(const QString& databasePath, const Clock& clock, QObject* parent = nullptr);
    ~DeliveryWriter() override;
    Q_DISABLE_COPY_MOVE(DeliveryWriter)

    // Starts the writer thread and opens its connection.
    Result<void> start();
    // Call from the thread that owns this object; `done` runs there after the commit.
    void submit(IncomingDelivery delivery, Done done);
    // Thread-safe. Logged within 200 ms, apart from accepted deliveries (see RefusedLog).
    void submitRefused(const RefusedRequest& request);
    void setRefusedLogBytes(qint64 bytes);

    // Thread-safe: runs `work` on the writer's thread and connection, after what was handed to it before.
    // Other writers (the delivery scheduler's attempt records) go through here, so that nothing contends for
    // SQLite's write lock with the ingress (a second writing connection would be starved under load).
    void submitWork(std::function<void(Database&)> work);
    // Thread-safe: records (the delivery scheduler's attempt rounds) written inside the ingress's next batch
    // transaction, or alone if no batch comes within 2 ms; `done(written)` runs on the writer's thread after
    // the commit.
    struct Records
    {
        std::function<void(Database&)> write; // inside an open transaction
        std::function<void(bool written)> done;
    };
    void submitRecords(Records records);
    // The same, waiting until it has run (and with it everything handed over before).
    void runWork(const std::function<void(Database&)>& work);

signals:
    // New (non-duplicate) deliveries, right after their commit.
    void committed(const QList<Alfe::CommittedDelivery>& deliveries);

private:
    struct Job;
    struct Batch;
    class Worker;

    void flush();
    void onWritten(const std::shared_ptr<Batch>& batch);

    QString m_path;
    const Clock& m_clock;
    QThread m_thread;
    Worker* m_worker = nullptr;
    std::shared_ptr<Batch> m_pending;
    bool m_inFlight = false;
};

} // namespace Alfe
