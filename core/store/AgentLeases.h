#pragma once

#include "domain/Result.h"

#include <QSet>
#include <QString>

namespace Alfe {

class Database;

// Which node delivers which agent's deliveries when several nodes share one PostgreSQL database (SPEC §14).
// Ownership is per agent, not per delivery, so that one node sends an agent's deliveries in order: a lease row
// per agent (agent_leases: node, until when), renewed by its node every third of the lease, taken over by
// another node once it has expired (FOR UPDATE SKIP LOCKED: two nodes never take the same row). Each node
// says it is alive in cluster_nodes, and takes at most its share (agents / live nodes, rounded up) of free
// agents; one holding more than its share gives the excess back once it has nothing of theirs in flight.
class AgentLeases final
{
public:
    explicit AgentLeases(Database& db);

    struct Held
    {
        QSet<QString> agents; // held by this node until `untilMs`
        qint64 untilMs = 0;
        int share = 0;  // how many agents this node should hold, live nodes counted (agents / nodes, rounded up)
        int fewest = 0; // agents / nodes rounded down: a node holding fewer is short of its part
    };

    // Says this node is alive, gives back `release`, renews what it holds, and takes expired or free agents
    // up to its share. One transaction.
    Result<Held> renew(const QString& node, qint64 nowMs, qint64 leaseMs, const QSet<QString>& release);
    // Takes one agent whatever holds it (its live stream came to this node). False on a storage error.
    bool take(const QString& node, const QString& agentId, qint64 nowMs, qint64 leaseMs);
    // A node stopping cleanly: everything it holds is free at once, and it no longer counts as alive.
    void releaseAll(const QString& node);

private:
    Database& m_db;
};

} // namespace Alfe
