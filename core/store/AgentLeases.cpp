#include "store/AgentLeases.h"

#include "store/Database.h"

#include <QSqlQuery>

namespace Alfe {

AgentLeases::AgentLeases(Database& db)
    : m_db(db)
{}

Result<AgentLeases::Held> AgentLeases::renew(const QString& node, qint64 nowMs, qint64 leaseMs,
                                             const QSet<QString>& release)
{
    Held held;
    held.untilMs = nowMs + leaseMs;
    const auto done = m_db.transaction([&]() -> Result<void> {
        QSqlQuery q(m_db.connection());
        m_db.prepare(q, QStringLiteral("INSERT INTO cluster_nodes (node_id, seen_until) VALUES (?, ?)"
                                       " ON CONFLICT (node_id) DO UPDATE SET seen_until = excluded.seen_until"));
        q.addBindValue(node);
        q.addBindValue(held.untilMs);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        // Nodes gone for ten leases are forgotten (their agents were taken long ago).
        m_db.prepare(q, QStringLiteral("DELETE FROM cluster_nodes WHERE seen_until < ?"));
        q.addBindValue(nowMs - 10 * leaseMs);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        // Agents created since: a free lease row each (agents deleted take theirs with them).
        if (auto ok = m_db.exec(QStringLiteral("INSERT INTO agent_leases (agent_id) SELECT id FROM agents"
                                               " ON CONFLICT (agent_id) DO NOTHING"));
            !ok)
            return ok;
        for (const QString& agent : release) {
            m_db.prepare(q, QStringLiteral("UPDATE agent_leases SET node_id = '', lease_until = 0"
                                           " WHERE agent_id = ? AND node_id = ?"));
            q.addBindValue(agent);
            q.addBindValue(node);
            if (auto ok = m_db.exec(q); !ok)
                return ok;
        }
        m_db.prepare(q, QStringLiteral("UPDATE agent_leases SET lease_until = ? WHERE node_id = ? RETURNING agent_id"));
        q.addBindValue(held.untilMs);
        q.addBindValue(node);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        while (q.next())
            held.agents.insert(q.value(0).toString());

        m_db.prepare(q, QStringLiteral("SELECT (SELECT count(*) FROM agent_leases),"
                                       " (SELECT count(*) FROM cluster_nodes WHERE seen_until > ?)"));
        q.addBindValue(nowMs);
        if (auto ok = m_db.exec(q); !ok || !q.next())
            return ok ? Result<void>(Error{QStringLiteral("storage_error"), QStringLiteral("no lease counts")}) : ok;
        const qint64 agents = q.value(0).toLongLong();
        const qint64 nodes = std::max<qint64>(1, q.value(1).toLongLong());
        held.share = int((agents + nodes - 1) / nodes);
        held.fewest = int(agents / nodes);
        const int wanted = held.share - int(held.agents.size());
        if (wanted <= 0)
            return {};
        // Expired or free agents, skipping rows another node is taking right now.
        m_db.prepare(q, QStringLiteral("UPDATE agent_leases SET node_id = ?, lease_until = ? WHERE agent_id IN"
                                       " (SELECT agent_id FROM agent_leases WHERE lease_until < ?"
                                       " ORDER BY lease_until, agent_id LIMIT ? FOR UPDATE SKIP LOCKED)"
                                       " RETURNING agent_id"));
        q.addBindValue(node);
        q.addBindValue(held.untilMs);
        q.addBindValue(nowMs);
        q.addBindValue(wanted);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        while (q.next())
            held.agents.insert(q.value(0).toString());
        return {};
    });
    if (!done)
        return done.error();
    return held;
}

bool AgentLeases::take(const QString& node, const QString& agentId, qint64 nowMs, qint64 leaseMs)
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("INSERT INTO agent_leases (agent_id, node_id, lease_until) VALUES (?, ?, ?)"
                                   " ON CONFLICT (agent_id) DO UPDATE SET node_id = excluded.node_id,"
                                   " lease_until = excluded.lease_until"));
    q.addBindValue(agentId);
    q.addBindValue(node);
    q.addBindValue(nowMs + leaseMs);
    return bool(m_db.exec(q));
}

void AgentLeases::releaseAll(const QString& node)
{
    m_db.transaction([&]() -> Result<void> {
        QSqlQuery q(m_db.connection());
        m_db.prepare(q, QStringLiteral("UPDATE agent_leases SET node_id = '', lease_until = 0 WHERE node_id = ?"));
        q.addBindValue(node);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        m_db.prepare(q, QStringLiteral("DELETE FROM cluster_nodes WHERE node_id = ?"));
        q.addBindValue(node);
        return m_db.exec(q);
    });
}

} // namespace Alfe
