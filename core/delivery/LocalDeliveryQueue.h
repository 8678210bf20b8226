#pragma once

#include "delivery/DeliveryOptions.h"
#include "delivery/DeliveryQueue.h"
#include "store/AgentLeases.h"
#include "store/AttemptJournal.h"
#include "store/ForwardingStore.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>

#include <deque>
#include <queue>
#include <vector>

namespace Alfe {

class Clock;
class Database;

// The embedded DeliveryQueue: per-agent FIFO windows in memory over SQLite, one wake heap for retries
// and probes, the bookkeeping of each round in one AttemptJournal transaction.
//
// The store is the record; memory holds at most Window ids per agent. New deliveries arrive from the
// writer (enqueue) and go straight to their agent's window while the window holds everything due;
// otherwise the window refills from the store (a keyset range of deliveries_agent_due) when it runs dry.
// Offline and paused agents cost nothing until a probe falls due, however large their backlog.
//
// With a node id (several nodes on one PostgreSQL database) it delivers only the agents this node holds a lease
// on (AgentLeases); the others' lanes only follow their rows. Deliveries stored by other nodes are looked for
// when the database says some were stored (alfe_deliveries), and at each poll.
class LocalDeliveryQueue final : public DeliveryQueue
{
public:
    static constexpr int Window = 1024;
    // An attempt still out after this long has its start recorded ('delivering' in the log); one answered
    // sooner is recorded whole, in one INSERT, when its answer lands.
    static constexpr qint64 StartRecordedAfterMs = 200;
    // Deliveries handed over whole by the writer are kept as they are, up to this many body bytes in all,
    // so that a first attempt reads nothing from the store; past it, only their ids.
    static constexpr qint64 CarriedBytesMax = 32 * 1024 * 1024;

    LocalDeliveryQueue(Database& readConnection, const Clock& clock, const DeliveryOptions& options);
    Q_DISABLE_COPY_MOVE(LocalDeliveryQueue)

    int recover() override;
    void refresh() override;
    bool agentsChanged() override;
    void enqueue(const QList<CommittedDelivery>& committed) override;
    QList<Claim> claim(int limit) override;
    void settle(const Claim& claim, const Report& report) override;
    void unsendable(const Claim& claim, const QString& why) override;
    Round takeRound() override;
    QList<Event> roundWritten(Round round, bool written) override;
    qint64 nextWakeMs() override;
    void recordLongAttempts() override;
    bool streamOpened(const QString& agentId, int window, const QString& peer, qint64 sinceMs) override;
    void streamClosed(const QString& agentId) override;
    bool knowsAgent(const QString& agentId) const override { return m_lanes.contains(agentId); }
    void noStreams() override;
    void maintainLeases() override;
    bool leasesUnsettled() const override;
    void releaseLeases() override;

    // For tests and the bench: ids held in memory across all agents (windows and in flight).
    int heldInMemory() const;

private:
    struct Lane
    {
        ForwardingStore::AgentRow agent;
        std::deque<QString> ready; // due now, in order
        QSet<QString> held;        // ready, in flight, or settled but not yet committed
        bool storeAhead = true;    // the store may hold due deliveries that are not in `ready`
        bool probeDue = false;
        bool probing = false;
        int inFlight = 0;
        int roundsWritingState = 0; // rounds taken but not yet written that change this agent's row
        qint64 wakeAtMs = -1;
        bool owned = true;             // this node delivers this agent's deliveries (always, for a single node)
        bool releasing = false;        // held beyond this node's share: given back once nothing is in flight
        int streamWindow = 0;          // > 0: a live stream is open and takes the deliveries
        bool resumeAfterWrite = false; // its stream changed: nothing goes until that round is written
        bool streaming() const { return streamWindow > 0; }
        bool online() const
        {
            if (!owned || releasing)
                return false;
            if (streaming())
                return agent.status != AgentStatus::Paused;
            return agent.status == AgentStatus::Online && !agent.forwardUrl.isEmpty();
        }
    };
    using Wake = std::pair<qint64, QString>;

    Lane& addLane(const ForwardingStore::AgentRow& row);
    void rebuildOrder();
    void popDueWakes(qint64 now);
    void scheduleWake(Lane& lane, qint64 atMs);
    QString nextReady(Lane& lane, qint64 now);
    void refill(Lane& lane, qint64 now);
    void dropWindow(Lane& lane);
    std::shared_ptr<const Delivery> takeCarried(const QString& id);
    std::optional<Claim> take(Lane& lane, const QString& id, bool probe, qint64 now);
    void setAgent(Lane& lane, AgentStatus status, int connectionFailures, int probeFailures, qint64 nextProbeAtMs);
    void cameOnline(Lane& lane);
    void requeueRetrying(Lane& lane);
    void streamChanged(Lane& lane);
    void acquired(Lane& lane);
    void lost(Lane& lane);
    void rebalance(int share);
    bool renewLeases(); // one renewal: false when the database did not answer
    QSet<QString> idleReleasing() const;

    const Clock& m_clock;
    Database& m_db;
    DeliveryOptions m_options;
    const bool m_clustered;
    AgentLeases m_leases;
    qint64 m_leaseValidUntil = 0; // claims stop then unless renewed (a node cut off from the database stops)
    int m_leaseFewest = 0;        // this node's part, rounded down, as of the last renewal
    qint64 m_deliveryNoticesSeen = -1;
    ForwardingStore m_store;
    AttemptJournal m_journal;
    QSet<QString> m_touched; // agents whose state this round writes
    QHash<QString, Lane> m_lanes;
    QStringList m_order; // agents in a fixed order; claim() starts one further each round (fairness)
    qsizetype m_nextStart = 0;
    qint64 m_agentsGeneration = -1;
    std::priority_queue<Wake, std::vector<Wake>, std::greater<Wake>> m_wakes;
    QList<std::pair<QString, QString>> m_settled; // (agent, delivery) leaving memory at the next commit
    QSet<QString> m_returned;                     // agents that came back this round
    QList<Event> m_events;
    struct UnrecordedStart
    {
        int attempt = 0;
        bool stream = false;
        qint64 atMs = 0;    // on the clock, for the record
        qint64 sinceMs = 0; // on m_monotonic, for its age (real time, whatever the clock)
    };
    QElapsedTimer m_monotonic;
    QHash<QString, UnrecordedStart> m_unrecordedStarts;        // attempts in flight whose start is not written yet
    QHash<QString, std::shared_ptr<const Delivery>> m_carried; // by delivery id, for ids in a window
    // Deliveries settled and written lately. Under load the writer's notice of a commit can arrive after the
    // delivery was already found in the store, sent and settled; such a late notice must not send it again.
    static constexpr int RecentlySettledKept = 16 * 1024;
    QSet<QString> m_recentlySettled;
    std::deque<QString> m_recentlySettledOrder;
    qint64 m_carriedBytes = 0;
};

} // namespace Alfe
