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

void AttemptJournal::started(const QString& deliveryId, int attempt, qint64 atMs)
{
    m_ops.emplace_back([deliveryId, attempt, atMs](Database& db) -> Result<void> {
        if (auto ok = run(db, QStringLiteral("INSERT INTO attempts (delivery_id, n, started_at) VALUES (?,?,?)"),
                          {deliveryId, attempt, atMs});
            !ok)
            return ok;
        return run(db, QStringLiteral("UPDATE deliveries SET status = 'delivering', attempt_count = ? WHERE id = ?"),
                   {attempt, deliveryId});
    });
}

void AttemptJournal::finished(Finished r)
{
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

void AttemptJournal::unsendable(const QString& deliveryId, int attempt, qint64 atMs, const QString& why)
{
    m_ops.emplace_back([deliveryId, attempt, atMs, why](Database& db) -> Result<void> {
        if (auto ok = run(db,
                          QStringLiteral("INSERT INTO attempts (delivery_id, n, started_at, duration_ms, error)"
                                         " VALUES (?,?,?,0,?)"),
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
    return batch;
}

Result<void> AttemptJournal::write(Database& db, const Batch& batch, int* skipped)
{
    if (skipped)
        *skipped = 0;
    if (batch.empty())
        return {};
    return db.transaction([&]() -> Result<void> {
        for (const auto& op : batch) {
            db.execPrepared(QStringLiteral("SAVEPOINT op"));
            if (!op(db)) {
                db.execPrepared(QStringLiteral("ROLLBACK TO op"));
                if (skipped)
                    ++*skipped;
            }
            db.execPrepared(QStringLiteral("RELEASE op"));
        }
        return {};
    });
}

} // namespace Alfe
