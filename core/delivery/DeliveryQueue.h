#pragma once

#include "domain/AttemptOutcome.h"
#include "domain/Delivery.h"
#include "domain/Domain.h"
#include "store/AttemptJournal.h"
#include "store/ForwardingStore.h"

#include <QList>
#include <QSet>

namespace Alfe {

// The queue between the store and the network (SPEC §11): committed deliveries go in, the scheduler
// claims batches to send (fairly between agents, in order per agent), reports how each attempt ended,
// and commits the round's bookkeeping at once. The embedded implementation keeps the queues in memory
// over SQLite (LocalDeliveryQueue); a clustered store can implement the same with leases.
class DeliveryQueue
{
public:
    struct Claim
    {
        ForwardingStore::Outgoing outgoing;
        QString agentId;
        QString forwardUrl;
        int attempt = 0;
        bool probe = false;  // the one try that tells whether an offline agent is back
        bool stream = false; // goes over the agent's live stream, not to its forward URL
    };

    struct Report
    {
        AttemptOutcome outcome;
        qint64 durationMs = 0;
        QByteArray responseHeaders;
        QByteArray responseBody;
    };

    // What a committed round did, for the scheduler's signals (said only once it is true in the store).
    struct Event
    {
        enum class Kind
        {
            Started,
            Finished,
            Failed,
            AgentStatus,
            Stream, // the agent's stream opened or closed
        };
        Kind kind = Kind::Started;
        QString id; // delivery or agent
        int attempt = 0;
        DeliveryStatus status = DeliveryStatus::Queued;
        AgentStatus agentStatus = AgentStatus::Online;
    };

    // The bookkeeping of one round (attempts started and finished, agents' state), to be written in one
    // transaction, and what it will have done once written.
    struct Round
    {
        AttemptJournal::Batch writes;
        QList<std::pair<QString, QString>> settled; // (agent, delivery) leaving memory once written
        QSet<QString> agents;                       // agents whose state it writes
        QSet<QString> returned;                     // agents that came back
        QList<Event> events;
        bool isEmpty() const { return writes.empty(); }
    };

    virtual ~DeliveryQueue() = default;

    // At startup: what was in flight when the process died is due again; returns how many.
    virtual int recover() = 0;
    // Re-reads what others may have changed: agents (forward URL, pause, resume), retries queued by another
    // process. Called on a timer and when the engine says deliveries were requeued.
    virtual void refresh() = 0;
    // Whether an agent changed elsewhere since the last refresh (cheap: asked ten times a second).
    virtual bool agentsChanged() = 0;
    virtual void enqueue(const QList<CommittedDelivery>& committed) = 0;
    // Up to `limit` deliveries to send now, their attempt starts recorded.
    virtual QList<Claim> claim(int limit) = 0;
    virtual void settle(const Claim& claim, const Report& report) = 0;
    // A claimed delivery that cannot be sent (its webhook and secret were deleted).
    virtual void unsendable(const Claim& claim, const QString& why) = 0;
    // The round so far; the next one starts empty. Write it, then hand it back to roundWritten(), which
    // returns what it did (nothing when it was not written: memory then reads the store again).
    virtual Round takeRound() = 0;
    virtual QList<Event> roundWritten(Round round, bool written) = 0;
    // Records the start of attempts that have been out for a while (a slow agent shows as 'delivering').
    virtual void recordLongAttempts() = 0;
    // When something falls due next (a retry, a probe), ms since epoch, or -1.
    virtual qint64 nextWakeMs() = 0;
    // An agent's live stream opened (its deliveries go to it, up to `window` in flight) or closed (they wait,
    // or go to its forward URL). Either way its next delivery is its oldest waiting one, once what this round
    // says of the earlier ones is written. An agent the queue does not know returns false.
    virtual bool streamOpened(const QString& agentId, int window, const QString& peer, qint64 sinceMs) = 0;
    virtual void streamClosed(const QString& agentId) = 0;
    // Whether an agent exists (as of the last refresh).
    virtual bool knowsAgent(const QString& agentId) const = 0;
    // No stream is open: what the store says of earlier ones is over (at start).
    virtual void noStreams() = 0;
    // Several nodes on one database: renews this node's leases on agents, takes its share of free ones, gives
    // back what it holds beyond it (called every third of the lease). Nothing to do for a single node.
    virtual void maintainLeases() {}
    // Several nodes: a hand-over is under way (this node holds fewer agents than its part, or has one to give back
    // that is now idle), so maintainLeases() should run at the next poll rather than wait for the lease's third.
    virtual bool leasesUnsettled() const { return false; }
    // A node stopping: its agents are free for the others at once.
    virtual void releaseLeases() {}

protected:
    DeliveryQueue() = default;
};

} // namespace Alfe
