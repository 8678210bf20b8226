#include "store/ForwardingStore.h"

#include "domain/Clock.h"
#include "domain/RetrySchedule.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"

#include <QSqlQuery>
#include <QVariant>

namespace Alfe {

namespace {
QVariant nullInt()
{
    return QVariant(QMetaType::fromType<qint64>());
}
} // namespace

ForwardingStore::ForwardingStore(Database& db, const Clock& clock)
    : m_db(db)
    , m_clock(clock)
{}

Result<void> ForwardingStore::exec(const QString& sql, const QVariantList& binds)
{
    // Every statement here is constant text: prepared once per connection (the delivery thread runs several
    // per attempt).
    QSqlQuery& q = m_db.prepared(sql);
    for (int i = 0; i < binds.size(); ++i)
        q.bindValue(i, binds.at(i));
    auto done = m_db.exec(q);
    q.finish();
    return done;
}

int ForwardingStore::recoverInterrupted()
{
    QSqlQuery q(m_db.connection());
    if (!q.exec(QStringLiteral("SELECT count(*) FROM deliveries WHERE status = 'delivering'")) || !q.next())
        return 0;
    const int count = q.value(0).toInt();
    if (count == 0)
        return 0;
    m_db.transaction([&]() -> Result<void> {
        if (auto ok = exec(QStringLiteral("UPDATE attempts SET error = 'interrupted'"
                                          " WHERE duration_ms IS NULL AND error IS NULL"),
                           {});
            !ok)
            return ok;
        // Due now, in arrival order among the others: the oldest events do not wait behind newer ones.
        return exec(QStringLiteral("UPDATE deliveries SET status = 'queued', next_attempt_at = min(received_at, ?)"
                                   " WHERE status = 'delivering'"),
                    {m_clock.nowMs()});
    });
    return count;
}

QList<ForwardingStore::Due> ForwardingStore::due(int perAgent, int limit)
{
    // Only the agents that can receive, and only the head of each one's queue (deliveries_agent_due):
    // the cost follows the online agents and `perAgent`, not the size of anyone's backlog.
    QSqlQuery& agents = m_db.prepared(
        QStringLiteral("SELECT id, forward_url FROM agents WHERE status = 'online' AND forward_url <> '' ORDER BY id"));
    if (!agents.exec())
        return {};
    QList<QPair<QString, QString>> online;
    while (agents.next())
        online.append({agents.value(0).toString(), agents.value(1).toString()});
    agents.finish();
    QSqlQuery& q = m_db.prepared(QStringLiteral("SELECT id FROM deliveries INDEXED BY deliveries_agent_due"
                                                " WHERE agent_id = ? AND status IN ('queued','retrying')"
                                                " AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"));
    const qint64 now = m_clock.nowMs();
    QList<QList<Due>> queues;
    for (const auto& [agentId, forwardUrl] : std::as_const(online)) {
        q.bindValue(0, agentId);
        q.bindValue(1, now);
        q.bindValue(2, perAgent);
        if (!q.exec())
            continue;
        QList<Due> queue;
        while (q.next())
            queue << Due{q.value(0).toString(), agentId, forwardUrl, false};
        q.finish();
        if (!queue.isEmpty())
            queues << queue;
    }
    // Interleaved, so that one agent's backlog never stands before another agent's head.
    QList<Due> out;
    for (qsizetype i = 0; out.size() < limit; ++i) {
        bool any = false;
        for (const QList<Due>& queue : std::as_const(queues)) {
            if (i < queue.size() && out.size() < limit) {
                out << queue.at(i);
                any = true;
            }
        }
        if (!any)
            break;
    }
    return out;
}

QList<ForwardingStore::Due> ForwardingStore::probes()
{
    // The head of each offline agent's queue whose probe time has come.
    QSqlQuery& q = m_db.prepared(QStringLiteral(
        "SELECT a.id, a.forward_url, (SELECT d.id FROM deliveries d INDEXED BY deliveries_agent_due"
        "  WHERE d.agent_id = a.id AND d.status IN ('queued','retrying') ORDER BY d.next_attempt_at, d.id LIMIT 1)"
        " FROM agents a WHERE a.status = 'offline' AND a.forward_url <> '' AND a.next_probe_at <= ?"));
    q.bindValue(0, m_clock.nowMs());
    QList<Due> out;
    if (q.exec()) {
        while (q.next()) {
            if (!q.value(2).isNull())
                out << Due{q.value(2).toString(), q.value(0).toString(), q.value(1).toString(), true};
        }
    }
    q.finish();
    return out;
}

qint64 ForwardingStore::nextDueMs()
{
    QSqlQuery& q = m_db.prepared(QStringLiteral(
        "SELECT min(t) FROM ("
        " SELECT (SELECT min(d.next_attempt_at) FROM deliveries d INDEXED BY deliveries_agent_due"
        "  WHERE d.agent_id = a.id AND d.status IN ('queued','retrying')) AS t"
        "  FROM agents a WHERE a.status = 'online' AND a.forward_url <> ''"
        " UNION ALL SELECT min(next_probe_at) FROM agents WHERE status = 'offline' AND forward_url <> '')"));
    qint64 next = -1;
    if (q.exec() && q.next() && !q.value(0).isNull())
        next = q.value(0).toLongLong();
    q.finish();
    return next;
}

Result<QPair<Delivery, int>> ForwardingStore::beginAttempt(const QString& deliveryId)
{
    DeliveryStore deliveries(m_db, m_clock);
    auto delivery = deliveries.get(deliveryId);
    if (!delivery)
        return delivery.error();
    const int n = delivery->attemptCount + 1;
    auto begun = m_db.transaction([&]() -> Result<void> {
        if (auto ok = exec(QStringLiteral("INSERT INTO attempts (delivery_id, n, started_at) VALUES (?,?,?)"),
                           {deliveryId, n, m_clock.nowMs()});
            !ok)
            return ok;
        return exec(QStringLiteral("UPDATE deliveries SET status = 'delivering', attempt_count = ? WHERE id = ?"),
                    {n, deliveryId});
    });
    if (!begun)
        return begun.error();
    delivery->attemptCount = n;
    return qMakePair(delivery.value(), n);
}

Result<ForwardingStore::Finished> ForwardingStore::finishAttempt(const Due& due, int n, const AttemptOutcome& outcome,
                                                                 qint64 durationMs, const QByteArray& responseHeaders,
                                                                 const QByteArray& responseBody,
                                                                 const RetrySchedule& schedule, int offlineAfter)
{
    const qint64 now = m_clock.nowMs();
    Finished finished;
    auto done = m_db.transaction([&]() -> Result<void> {
        QSqlQuery& current =
            m_db.prepared(QStringLiteral("SELECT d.failures, d.received_at, a.connection_failures, a.probe_failures"
                                         " FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id"
                                         " JOIN agents a ON a.id = w.agent_id WHERE d.id = ?"));
        current.bindValue(0, due.deliveryId);
        if (!current.exec() || !current.next()) {
            current.finish();
            return Errors::notFound(QStringLiteral("Delivery %1 is gone.").arg(due.deliveryId));
        }
        int failures = current.value(0).toInt();
        const qint64 receivedAt = current.value(1).toLongLong();
        const int connectionFailures = current.value(2).toInt();
        const int probeFailures = current.value(3).toInt();
        current.finish();

        if (auto ok = exec(QStringLiteral("UPDATE attempts SET duration_ms = ?, status_code = ?, response_headers = ?,"
                                          " response_body = ?, error = ? WHERE delivery_id = ? AND n = ?"),
                           {durationMs, outcome.statusCode > 0 ? QVariant(outcome.statusCode) : nullInt(),
                            QString::fromUtf8(responseHeaders), responseBody,
                            outcome.error.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : outcome.error,
                            due.deliveryId, n});
            !ok)
            return ok;

        QString status;
        QVariant nextAttempt = nullInt();
        switch (outcome.kind) {
        case AttemptOutcome::Kind::Delivered:
            status = QStringLiteral("delivered");
            if (due.probe)
                finished.agentCameOnline = true;
            break;
        case AttemptOutcome::Kind::Gone:
            // The agent said its endpoint is gone: its forwarding pauses; this delivery waits with it.
            status = QStringLiteral("queued");
            nextAttempt = receivedAt;
            finished.agentPaused = true;
            break;
        case AttemptOutcome::Kind::Failed:
        case AttemptOutcome::Kind::ConnectionFailure: {
            const bool connection = outcome.kind == AttemptOutcome::Kind::ConnectionFailure;
            if (due.probe && connection) {
                status = QStringLiteral("queued"); // a probe does not spend the delivery's budget
                nextAttempt = receivedAt;
                break;
            }
            if (due.probe)
                finished.agentCameOnline = true; // it answered: it is back, though unhappy with this one
            ++failures;
            if (connection && connectionFailures + 1 >= offlineAfter) {
                finished.agentWentOffline = true;
                status = QStringLiteral("queued");
                nextAttempt = receivedAt;
                break;
            }
            qint64 delay = schedule.delayAfter(failures);
            if (delay >= 0 && outcome.retryAfterMs >= 0)
                delay = outcome.retryAfterMs;
            if (delay < 0) {
                status = QStringLiteral("failed");
            } else {
                status = QStringLiteral("retrying");
                nextAttempt = now + delay;
            }
            break;
        }
        }
        if (auto ok =
                exec(QStringLiteral("UPDATE deliveries SET status = ?, failures = ?, next_attempt_at = ?,"
                                    " last_status_code = ?, last_latency_ms = ? WHERE id = ?"),
                     {status, failures, nextAttempt, outcome.statusCode > 0 ? QVariant(outcome.statusCode) : nullInt(),
                      durationMs, due.deliveryId});
            !ok)
            return ok;
        finished.status = deliveryStatusFromName(status).value_or(DeliveryStatus::Queued);

        // The agent's side.
        if (finished.agentPaused) {
            return exec(QStringLiteral("UPDATE agents SET status = 'paused', connection_failures = 0,"
                                       " next_probe_at = NULL WHERE id = ?"),
                        {due.agentId});
        }
        if (finished.agentWentOffline) {
            // Its waiting deliveries keep their budget and their arrival order.
            if (auto ok = exec(QStringLiteral("UPDATE deliveries SET status = 'queued', next_attempt_at = received_at"
                                              " WHERE status = 'retrying' AND webhook_id IN"
                                              " (SELECT id FROM webhooks WHERE agent_id = ?)"),
                               {due.agentId});
                !ok)
                return ok;
            return exec(QStringLiteral("UPDATE agents SET status = 'offline', connection_failures = ?,"
                                       " probe_failures = 0, next_probe_at = ? WHERE id = ?"),
                        {connectionFailures + 1, now + std::max<qint64>(1000, schedule.delayAfter(1)), due.agentId});
        }
        if (due.probe && !finished.agentCameOnline) {
            const int probes = probeFailures + 1;
            const qint64 wait = schedule.delayAfter(std::min(probes + 1, schedule.maxAttempts() - 1));
            return exec(QStringLiteral("UPDATE agents SET probe_failures = ?, next_probe_at = ? WHERE id = ?"),
                        {probes, now + std::max<qint64>(1000, wait), due.agentId});
        }
        if (finished.agentCameOnline) {
            return exec(QStringLiteral("UPDATE agents SET status = 'online', connection_failures = 0,"
                                       " probe_failures = 0, next_probe_at = NULL WHERE id = ?"),
                        {due.agentId});
        }
        const int newCount = outcome.kind == AttemptOutcome::Kind::ConnectionFailure ? connectionFailures + 1 : 0;
        if (newCount == connectionFailures)
            return {};
        return exec(QStringLiteral("UPDATE agents SET connection_failures = ? WHERE id = ?"), {newCount, due.agentId});
    });
    if (!done)
        return done.error();
    return finished;
}

Result<void> ForwardingStore::failWithoutAttempt(const QString& deliveryId, const QString& why)
{
    return m_db.transaction([&]() -> Result<void> {
        if (auto ok = exec(QStringLiteral("INSERT INTO attempts (delivery_id, n, started_at, duration_ms, error)"
                                          " SELECT id, attempt_count + 1, ?, 0, ? FROM deliveries WHERE id = ?"),
                           {m_clock.nowMs(), why, deliveryId});
            !ok)
            return ok;
        return exec(QStringLiteral("UPDATE deliveries SET status = 'failed', next_attempt_at = NULL,"
                                   " attempt_count = attempt_count + 1 WHERE id = ?"),
                    {deliveryId});
    });
}

int ForwardingStore::purgeBatch(qint64 cutoffMs, int batch)
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE received_at < ?"
                             " AND status NOT IN ('queued','retrying','delivering') ORDER BY received_at LIMIT ?)"));
    q.addBindValue(cutoffMs);
    q.addBindValue(batch);
    if (!m_db.exec(q))
        return 0;
    return q.numRowsAffected();
}

} // namespace Alfe
