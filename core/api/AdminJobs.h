#pragma once

#include "domain/DeliveryRow.h"
#include "domain/DeliveryViewFilter.h"
#include "domain/Result.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

namespace Alfe {

class Clock;
class Database;
class DeliveryQuery;
class DeliveryStore;

// The admin API's bulk retries (POST /v1/admin/deliveries/retry): each job queues again a list of deliveries,
// or every delivery that matched a filter when it started, a chunk per turn of the writer thread's event loop,
// so that ingest and attempt records keep flowing between chunks. A filter is first read page by page (keyset,
// newest first, from the newest row at the start: what arrives later is not part of the job), then queued.
// Cancelling stops before the next chunk; what was queued stays queued. When a job ends, delivery is woken
// (`requeued`) if it queued anything. Ended jobs are kept for KeepMs, at most MaxKept of them, so their result can
// be read. Lives on the writer's thread and uses its connection.
class AdminJobs final : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultChunk = 100;
    static constexpr int MaxChunk = 1000;
    static constexpr int MaxRunning = 4;
    static constexpr int MaxKept = 100;
    static constexpr qint64 KeepMs = 3600 * 1000;
    static constexpr int CollectPage = 500;

    AdminJobs(Database& db, DeliveryStore& deliveries, const Clock& clock, std::function<void()> requeued);
    ~AdminJobs() override;
    Q_DISABLE_COPY_MOVE(AdminJobs)

    // A new job over these ids (duplicates and unknown ids are skipped, not queued). Returns its id; a conflict
    // error while MaxRunning jobs run.
    Result<QString> startIds(const QStringList& ids, int chunk);
    // A new job over every delivery that matches `filter` now.
    Result<QString> startFilter(const DeliveryViewFilter& filter, int chunk);
    // {id, state, done, total, queued, collecting, startedAt, finishedAt, error?}; not_found for an unknown (or
    // forgotten) job.
    Result<QJsonObject> status(const QString& id);
    // Stops a running job after the chunk in hand (at once: chunks run on this thread); a conflict error for a
    // job that has ended.
    Result<QJsonObject> cancel(const QString& id);

private:
    struct Job;

    Result<QString> start(std::unique_ptr<Job> job);
    void step(const QString& id);
    void collect(Job& job);
    void queueChunk(Job& job);
    void end(Job& job, const char* state, const QString& error = {});
    void forgetOld();
    QJsonObject json(const Job& job) const;

    Database& m_db;
    DeliveryStore& m_deliveries;
    const Clock& m_clock;
    std::function<void()> m_requeued;
    QHash<QString, std::shared_ptr<Job>> m_jobs;
};

} // namespace Alfe
