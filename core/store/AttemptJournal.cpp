#include "store/AttemptJournal.h"

#include "store/Database.h"

#include <QSqlQuery>
#include <QVariant>

namespace Alfe {

namespace {
QVariant nullableInt(std::optional<qint64> value)
{
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<qint64>());
}

QVariant nullableText(const QString& value)
{
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}
} // namespace

Result<void> AttemptJournal::run(Database& db, const QString& sql, const QVariantList& binds)
{
    // Constant statements, prepared once per connection.
    QSqlQuery& q = db.prepared(sql);
    for (int i = 0; i < binds.size(); ++i)
        q.bindValue(i, binds.at(i));
    auto done = db.exec(q);
    q.finish();
    return done;
}

void AttemptJournal::started(const QString& deliveryId, int attempt, qint64 atMs, const QString& via)
{
    m_starts.insert(deliveryId, Start{m_ops.size(), attempt, atMs});
    m_ops.emplace_back([deliveryId, attempt, atMs, via](Database& db) -> Result<void> {
        if (auto ok = run(db, QStringLiteral("INSERT INTO attempts (delivery_id, n, started_at, via) VALUES (?,?,?,?)"),
                          {deliveryId, attempt, atMs, via});
            !ok)
            return ok;
        return run(db, QStringLiteral("UPDATE deliveries SET status = 'delivering', attempt_count = ? WHERE id = ?"),
                   {attempt, deliveryId});
    });
}

void AttemptJournal::finished(Finished r)
{
    if (auto start = m_starts.find(r.deliveryId); start != m_starts.end() && start->attempt == r.attempt) {
        // Started and answered within one round: the start's record is replaced by the whole attempt, at the
        // finish's place, so that what was recorded in between still comes first.
        const qint64 startedAt = start->atMs;
        m_ops[start->index] = [](Database&) -> Result<void> {
            return {};
        };
        m_starts.erase(start);
        startedAndFinished(std::move(r), startedAt);
        return;
    }
    m_ops.emplace_back([r = std::move(r)](Database& db) -> Result<void> {
        const QVariant code = r.statusCode > 0 ? QVariant(r.statusCode) : QVariant(QMetaType::fromType<int>());
        if (auto ok = run(db,
                          QStringLiteral("UPDATE attempts SET duration_ms = ?, status_code = ?, response_headers = ?,"
                                         " response_body = ?, error = ? WHERE delivery_id = ? AND n = ?"),
                          {r.durationMs, code, QString::fromUtf8(r.responseHeaders), r.responseBody,
                           nullableText(r.error), r.deliveryId, r.attempt});
            !ok)
            return ok;
        return run(db,
                   QStringLiteral("UPDATE deliveries SET status = ?, failures = ?, next_attempt_at = ?,"
                                  " last_status_code = ?, last_latency_ms = ? WHERE id = ?"),
                   {deliveryStatusName(r.status), r.failures, nullableInt(r.nextAttemptAtMs), code, r.durationMs,
                    r.deliveryId});
    });
}

void AttemptJournal::startedAndFinished(Finished r, qint64 startedAt)
{
    // One INSERT of the whole attempt and one UPDATE, instead of four statements.
    m_ops.emplace_back([r = std::move(r), startedAt](Database& db) -> Result<void> {
        const QVariant code = r.statusCode > 0 ? QVariant(r.statusCode) : QVariant(QMetaType::fromType<int>());
        if (auto ok = run(db,
                          QStringLiteral("INSERT INTO attempts (delivery_id, n, started_at, duration_ms, status_code,"
                                         " response_headers, response_body, error, via) VALUES (?,?,?,?,?,?,?,?,?)"),
                          {r.deliveryId, r.attempt, startedAt, r.durationMs, code, QString::fromUtf8(r.responseHeaders),
                           r.responseBody, nullableText(r.error), r.via});
            !ok)
            return ok;
        return run(db,
                   QStringLiteral("UPDATE deliveries SET status = ?, attempt_count = ?, failures = ?,"
                                  " next_attempt_at = ?, last_status_code = ?, last_latency_ms = ? WHERE id = ?"),
                   {deliveryStatusName(r.status), r.attempt, r.failures, nullableInt(r.nextAttemptAtMs), code,
                    r.durationMs, r.deliveryId});
    });
}

void AttemptJournal::unsendable(const QString& deliveryId, int attempt, qint64 atMs, const QString& why)
{
    // The attempt's start, if recorded, is replaced by what became of it.
    if (auto start = m_starts.find(deliveryId); start != m_starts.end() && start->attempt == attempt) {
        m_ops[start->index] = [](Database&) -> Result<void> {
            return {};
        };
        m_starts.erase(start);
    }
    m_ops.emplace_back([deliveryId, attempt, atMs, why](Database& db) -> Result<void> {
        if (auto ok =
                run(db,
                    QStringLiteral(
                        "INSERT INTO attempts (delivery_id, n, started_at, duration_ms, error) VALUES (?,?,?,0,?)"
                        " ON CONFLICT (delivery_id, n) DO UPDATE SET started_at = excluded.started_at, duration_ms = 0,"
                        " status_code = NULL, response_headers = NULL, response_body = NULL, error = excluded.error,"
                        " via = 'http'"),
                    {deliveryId, attempt, atMs, why});
            !ok)
            return ok;
        return run(db,
                   QStringLiteral("UPDATE deliveries SET status = 'failed', next_attempt_at = NULL,"
                                  " attempt_count = ? WHERE id = ?"),
                   {attempt, deliveryId});
    });
}

void AttemptJournal::agent(AgentState s)
{
    m_ops.emplace_back([s = std::move(s)](Database& db) -> Result<void> {
        return run(db,
                   QStringLiteral("UPDATE agents SET status = ?, connection_failures = ?, probe_failures = ?,"
                                  " next_probe_at = ? WHERE id = ?"),
                   {agentStatusName(s.status), s.connectionFailures, s.probeFailures, nullableInt(s.nextProbeAtMs),
                    s.agentId});
    });
}

void AttemptJournal::stream(const QString& agentId, const QString& peer, std::optional<qint64> sinceMs)
{
    m_ops.emplace_back([agentId, peer, sinceMs](Database& db) -> Result<void> {
        return run(
            db, QStringLiteral("UPDATE agents SET stream_peer = ?, stream_since = ? WHERE id = ?"),
            {sinceMs ? QVariant(peer) : QVariant(QMetaType::fromType<QString>()), nullableInt(sinceMs), agentId});
    });
}

void AttemptJournal::noStreams()
{
    m_ops.emplace_back([](Database& db) -> Result<void> {
        return run(db,
                   QStringLiteral("UPDATE agents SET stream_peer = NULL, stream_since = NULL"
                                  " WHERE stream_since IS NOT NULL"),
                   {});
    });
}

void AttemptJournal::requeueRetrying(const QString& agentId)
{
    m_ops.emplace_back([agentId](Database& db) -> Result<void> {
        // deliveries_status (status, received_at, id): only the retrying rows are read, not the agent's backlog.
        return run(db,
                   QStringLiteral("UPDATE deliveries SET status = 'queued', next_attempt_at = received_at"
                                  " WHERE status = 'retrying' AND agent_id = ?"),
                   {agentId});
    });
}

AttemptJournal::Batch AttemptJournal::take()
{
    Batch batch;
    batch.swap(m_ops);
    m_starts.clear();
    return batch;
}

Result<void> AttemptJournal::write(Database& db, const Batch& batch, int* skipped)
{
    if (skipped)
        *skipped = 0;
    if (batch.empty())
        return {};
    // A statement that fails (a record for a delivery deleted meanwhile) is undone by SQLite alone, the rest
    // of the transaction stands; an I/O error that ends the transaction makes the COMMIT fail.
    return db.transaction([&]() -> Result<void> {
        const int failed = apply(db, batch);
        if (skipped)
            *skipped = failed;
        return {};
    });
}

int AttemptJournal::apply(Database& db, const Batch& batch)
{
    int failed = 0;
    for (const auto& op : batch) {
        if (!op(db))
            ++failed;
    }
    return failed;
}

} // namespace Alfe
