#include "store/ForwardingStore.h"

#include "domain/Clock.h"
#include "store/Database.h"
#include "store/DeliveryColumns.h"
#include "store/DeliveryStore.h"

#include <QSqlQuery>
#include <QVariant>

namespace Alfe {

ForwardingStore::ForwardingStore(Database& db, const Clock& clock)
    : m_db(db)
    , m_clock(clock)
    , m_agentChanges(db, QStringLiteral("SELECT generation FROM agent_changes WHERE id = 1"))
{}

int ForwardingStore::recoverInterrupted(const QString& agentId)
{
    // Everything in flight when the process died, or one agent's (a node taking over a dead node's agent).
    const QString scope = agentId.isEmpty() ? QString() : QStringLiteral(" AND agent_id = ?");
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("SELECT count(*) FROM deliveries WHERE status = 'delivering'") + scope);
    if (!agentId.isEmpty())
        q.addBindValue(agentId);
    if (!q.exec() || !q.next())
        return 0;
    const int count = q.value(0).toInt();
    q.finish();
    if (count == 0)
        return 0;
    m_db.transaction([&]() -> Result<void> {
        QSqlQuery attempts(m_db.connection());
        m_db.prepare(attempts,
                     QStringLiteral("UPDATE attempts SET error = 'interrupted'"
                                    " WHERE duration_ms IS NULL AND error IS NULL") +
                         (agentId.isEmpty() ? QString()
                                            : QStringLiteral(" AND delivery_id IN (SELECT id FROM deliveries"
                                                             " WHERE status = 'delivering' AND agent_id = ?)")));
        if (!agentId.isEmpty())
            attempts.addBindValue(agentId);
        if (auto ok = m_db.exec(attempts); !ok)
            return ok;
        // Due now, in arrival order among the others: the oldest events do not wait behind newer ones.
        QSqlQuery requeue(m_db.connection());
        m_db.prepare(requeue,
                     QStringLiteral("UPDATE deliveries SET status = 'queued', next_attempt_at = min(received_at, ?)"
                                    " WHERE status = 'delivering'") +
                         scope);
        requeue.addBindValue(m_clock.nowMs());
        if (!agentId.isEmpty())
            requeue.addBindValue(agentId);
        return m_db.exec(requeue);
    });
    return count;
}

QList<ForwardingStore::AgentRow> ForwardingStore::agents()
{
    QSqlQuery& q = m_db.prepared(QStringLiteral("SELECT id, status, forward_url, connection_failures, probe_failures,"
                                                " next_probe_at FROM agents"));
    QList<AgentRow> out;
    if (q.exec()) {
        while (q.next()) {
            AgentRow row;
            row.id = q.value(0).toString();
            row.status = agentStatusFromName(q.value(1).toString()).value_or(AgentStatus::Offline);
            row.forwardUrl = q.value(2).toString();
            row.connectionFailures = q.value(3).toInt();
            row.probeFailures = q.value(4).toInt();
            row.nextProbeAtMs = q.value(5).isNull() ? -1 : q.value(5).toLongLong();
            out << row;
        }
    }
    q.finish();
    return out;
}

qint64 ForwardingStore::agentsGeneration()
{
    return m_agentChanges.value();
}

QStringList ForwardingStore::waiting(const QString& agentId, qint64 nowMs, int limit)
{
    // One range of deliveries_agent_due (agent_id, next_attempt_at, id), whatever the backlog of others.
    QSqlQuery& q = m_db.prepared(QStringLiteral("SELECT id FROM deliveries INDEXED BY deliveries_agent_due"
                                                " WHERE agent_id = ? AND status IN ('queued','retrying')"
                                                " AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"));
    q.bindValue(0, agentId);
    q.bindValue(1, nowMs < 0 ? std::numeric_limits<qint64>::max() : nowMs);
    q.bindValue(2, limit);
    QStringList ids;
    if (q.exec()) {
        while (q.next())
            ids << q.value(0).toString();
    }
    q.finish();
    return ids;
}

qint64 ForwardingStore::nextWaitingAfter(const QString& agentId, qint64 nowMs)
{
    QSqlQuery& q = m_db.prepared(QStringLiteral("SELECT min(next_attempt_at) FROM deliveries INDEXED BY"
                                                " deliveries_agent_due WHERE agent_id = ?"
                                                " AND status IN ('queued','retrying') AND next_attempt_at > ?"));
    q.bindValue(0, agentId);
    q.bindValue(1, nowMs);
    qint64 next = -1;
    if (q.exec() && q.next() && !q.value(0).isNull())
        next = q.value(0).toLongLong();
    q.finish();
    return next;
}

std::optional<ForwardingStore::Outgoing> ForwardingStore::load(const QString& deliveryId)
{
    static const QString Sql =
        QStringLiteral("SELECT %1, d.headers, d.body, d.failures FROM deliveries d WHERE d.id = ?"
                       " AND d.status IN ('queued','retrying')")
            .arg(DeliveryColumns::Summary);
    QSqlQuery& q = m_db.prepared(Sql);
    q.bindValue(0, deliveryId);
    if (!q.exec() || !q.next()) {
        q.finish();
        return std::nullopt;
    }
    Outgoing out;
    out.delivery = DeliveryColumns::summaryFrom(q);
    out.delivery.headers = DeliveryStore::decodeHeaders(q.value(DeliveryColumns::SummaryCount).toByteArray());
    out.delivery.body = q.value(DeliveryColumns::SummaryCount + 1).toByteArray();
    out.failures = q.value(DeliveryColumns::SummaryCount + 2).toInt();
    q.finish();
    return out;
}

int ForwardingStore::purgeBatch(qint64 cutoffMs, int batch)
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q,
                 QStringLiteral("DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE received_at < ?"
                                " AND status NOT IN ('queued','retrying','delivering') ORDER BY received_at LIMIT ?)"));
    q.addBindValue(cutoffMs);
    q.addBindValue(batch);
    if (!m_db.exec(q))
        return 0;
    return q.numRowsAffected();
}

} // namespace Alfe
