#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"
#include "store/ChangeCounter.h"

#include <optional>

namespace Alfe {

class Clock;
class Database;

// The database side of forwarding, on the delivery thread's own connection. The scheduler keeps its
// queues in memory; it reads here only at startup, when an agent's in-memory window runs dry, and when
// an agent returns: the agents' rows, the head of one agent's waiting deliveries (a keyset range of
// deliveries_agent_due), and the delivery it is about to send. What attempts did is written by
// AttemptJournal.
class ForwardingStore final
{
public:
    struct AgentRow
    {
        QString id;
        AgentStatus status = AgentStatus::Offline;
        QString forwardUrl;
        int connectionFailures = 0;
        int probeFailures = 0;
        qint64 nextProbeAtMs = -1;
    };

    // One waiting delivery, with what sending it needs.
    struct Outgoing
    {
        Delivery delivery;
        int failures = 0; // failed attempts so far that spent its retry budget
    };

    ForwardingStore(Database& db, const Clock& clock);
    Q_DISABLE_COPY_MOVE(ForwardingStore)

    // After a crash: attempts that never finished are recorded as interrupted, and their deliveries are
    // due again (without spending a retry). Returns how many.
    int recoverInterrupted(const QString& agentId = {});

    QList<AgentRow> agents();
    // Counts up with every new, deleted, paused, resumed or re-pointed agent, by any connection or process
    // (a trigger keeps it); read again only when PRAGMA data_version says another connection committed.
    qint64 agentsGeneration();
    // The ids of up to `limit` of the agent's waiting deliveries due at `nowMs`, oldest due first; with
    // `nowMs` < 0 whether due or not (a probe takes the oldest).
    QStringList waiting(const QString& agentId, qint64 nowMs, int limit);
    // When the agent's next waiting delivery falls due after `nowMs`, or -1.
    qint64 nextWaitingAfter(const QString& agentId, qint64 nowMs);
    // The delivery, if it is still waiting (queued or retrying).
    std::optional<Outgoing> load(const QString& deliveryId);

    // Deletes deliveries (and their attempts) received before `cutoffMs`, at most `batch` at a time.
    int purgeBatch(qint64 cutoffMs, int batch);

private:
    Database& m_db;
    const Clock& m_clock;
    ChangeCounter m_agentChanges;
};

} // namespace Alfe
