#include "api/AdminJobs.h"

#include "api/ApiJson.h"
#include "domain/Clock.h"
#include "domain/Logging.h"
#include "domain/Ulid.h"
#include "store/Database.h"
#include "store/DeliveryQuery.h"
#include "store/DeliveryStore.h"

#include <QTimer>

#include <algorithm>

namespace Alfe {

struct AdminJobs::Job
{
    QString id;
    QString state = QStringLiteral("running"); // running | finished | cancelled | failed
    QString error;
    QStringList ids;                      // what to queue, in order
    std::unique_ptr<DeliveryQuery> query; // while a filter is being read
    std::optional<DeliveryRow> lastRead;  // where the next page of the filter starts
    int chunk = DefaultChunk;
    int done = 0;
    int queued = 0;
    qint64 startedAtMs = 0;
    qint64 finishedAtMs = 0;

    bool running() const { return state == u"running"; }
    bool collecting() const { return query != nullptr; }
};

AdminJobs::AdminJobs(Database& db, DeliveryStore& deliveries, const Clock& clock, std::function<void()> requeued)
    : m_db(db)
    , m_deliveries(deliveries)
    , m_clock(clock)
    , m_requeued(std::move(requeued))
{}

AdminJobs::~AdminJobs() = default;

Result<QString> AdminJobs::startIds(const QStringList& ids, int chunk)
{
    auto job = std::make_unique<Job>();
    job->ids = ids;
    job->chunk = chunk;
    return start(std::move(job));
}

Result<QString> AdminJobs::startFilter(const DeliveryViewFilter& filter, int chunk)
{
    auto job = std::make_unique<Job>();
    job->query = std::make_unique<DeliveryQuery>(m_db);
    if (auto planned = job->query->setFilter(filter); !planned)
        return planned.error();
    job->chunk = chunk;
    return start(std::move(job));
}

Result<QString> AdminJobs::start(std::unique_ptr<Job> job)
{
    forgetOld();
    const auto running = std::count_if(m_jobs.cbegin(), m_jobs.cend(), [](const auto& j) { return j->running(); });
    if (running >= MaxRunning) {
        return Error{QStringLiteral("conflict"),
                     QStringLiteral("%1 bulk retries are running; wait for one to end or cancel one.").arg(MaxRunning)};
    }
    job->startedAtMs = m_clock.nowMs();
    job->id = QStringLiteral("job_") + Ulid::generate(job->startedAtMs);
    const QString id = job->id;
    m_jobs.insert(id, std::shared_ptr<Job>(std::move(job)));
    QTimer::singleShot(0, this, [this, id] { step(id); });
    return id;
}

void AdminJobs::step(const QString& id)
{
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job || !job->running()) // cancelled (or forgotten) since
        return;
    if (job->collecting())
        collect(*job);
    else
        queueChunk(*job);
    if (job->running())
        QTimer::singleShot(0, this, [this, id] { step(id); });
}

void AdminJobs::collect(Job& job)
{
    bool more = false;
    auto page = job.query->older(job.lastRead ? &*job.lastRead : nullptr, CollectPage, &more);
    if (!page)
        return end(job, "failed", page.error().message);
    for (const DeliveryRow& row : page.value())
        job.ids << row.id;
    if (!page->isEmpty())
        job.lastRead = page->last();
    if (!more)
        job.query.reset(); // read: queue from the next turn on
}

void AdminJobs::queueChunk(Job& job)
{
    const int end = std::min(int(job.ids.size()), job.done + job.chunk);
    int queued = 0;
    // One transaction a chunk: one commit for many rows.
    auto written = m_db.transaction([&]() -> Result<void> {
        for (int i = job.done; i < end; ++i) {
            auto requeued = m_deliveries.requeue(job.ids.at(i));
            if (requeued)
                ++queued;
            else if (requeued.error().code != u"not_found" && requeued.error().code != u"conflict")
                return requeued.error(); // a duplicate or a purged row is skipped; a storage failure stops
        }
        return {};
    });
    if (!written)
        return this->end(job, "failed", written.error().message);
    job.done = end;
    job.queued += queued;
    if (job.done >= job.ids.size())
        this->end(job, "finished");
}

void AdminJobs::end(Job& job, const char* state, const QString& error)
{
    job.state = QString::fromLatin1(state);
    job.error = error;
    job.finishedAtMs = m_clock.nowMs();
    job.query.reset();
    if (!error.isEmpty())
        qCWarning(lcStore) << "bulk retry" << job.id << "failed:" << error;
    if (job.queued > 0)
        m_requeued();
}

void AdminJobs::forgetOld()
{
    const qint64 now = m_clock.nowMs();
    QList<std::shared_ptr<Job>> ended;
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        if (!(*it)->running() && now - (*it)->finishedAtMs > KeepMs) {
            it = m_jobs.erase(it);
            continue;
        }
        if (!(*it)->running())
            ended << *it;
        ++it;
    }
    if (ended.size() <= MaxKept)
        return;
    std::sort(ended.begin(), ended.end(),
              [](const auto& a, const auto& b) { return a->finishedAtMs < b->finishedAtMs; });
    for (qsizetype i = 0; i < ended.size() - MaxKept; ++i)
        m_jobs.remove(ended.at(i)->id);
}

QJsonObject AdminJobs::json(const Job& job) const
{
    QJsonObject out{
        {QStringLiteral("id"), job.id},
        {QStringLiteral("state"), job.state},
        {QStringLiteral("done"), job.done},
        {QStringLiteral("total"), int(job.ids.size())},
        {QStringLiteral("queued"), job.queued},
        {QStringLiteral("collecting"), job.collecting()},
        {QStringLiteral("startedAt"), ApiJson::timestamp(job.startedAtMs)},
        {QStringLiteral("finishedAt"), job.running() ? QJsonValue() : QJsonValue(ApiJson::timestamp(job.finishedAtMs))},
    };
    if (!job.error.isEmpty())
        out.insert(QStringLiteral("error"), job.error);
    return out;
}

Result<QJsonObject> AdminJobs::status(const QString& id)
{
    forgetOld();
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job)
        return Errors::notFound(QStringLiteral("No job with id %1 (ended jobs are kept for an hour).").arg(id));
    return json(*job);
}

Result<QJsonObject> AdminJobs::cancel(const QString& id)
{
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job)
        return Errors::notFound(QStringLiteral("No job with id %1 (ended jobs are kept for an hour).").arg(id));
    if (!job->running())
        return Error{QStringLiteral("conflict"),
                     QStringLiteral("Job %1 has ended (%2); there is nothing to cancel.").arg(id, job->state)};
    end(*job, "cancelled");
    return json(*job);
}

} // namespace Alfe
