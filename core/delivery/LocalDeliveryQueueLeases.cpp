// LocalDeliveryQueue on one of several nodes sharing a PostgreSQL database: the agents this node holds leases on.
#include "delivery/LocalDeliveryQueue.h"

#include "domain/Clock.h"
#include "domain/Logging.h"

namespace Alfe {

void LocalDeliveryQueue::acquired(Lane& lane)
{
    lane.owned = true;
    lane.releasing = false;
    // What the node that held it left in flight is due again (unless this node has some of it in flight itself).
    if (lane.inFlight == 0)
        m_store.recoverInterrupted(lane.agent.id);
    dropWindow(lane);
    const qint64 now = m_clock.nowMs();
    if (lane.agent.status == AgentStatus::Offline && lane.agent.nextProbeAtMs >= 0) {
        if (lane.agent.nextProbeAtMs <= now)
            lane.probeDue = true;
        else
            scheduleWake(lane, lane.agent.nextProbeAtMs);
    }
}

void LocalDeliveryQueue::lost(Lane& lane)
{
    // Taken by another node (its lease expired here, or the agent's stream opened there).
    lane.owned = false;
    lane.releasing = false;
    lane.probeDue = false;
    dropWindow(lane);
}

void LocalDeliveryQueue::rebalance(int share)
{
    int owned = 0;
    QList<Lane*> candidates;
    for (Lane& lane : m_lanes) {
        if (!lane.owned || lane.releasing)
            continue;
        ++owned;
        if (!lane.streaming())
            candidates << &lane;
    }
    // The ones with least in flight go first; the others when they are done.
    std::sort(candidates.begin(), candidates.end(), [](const Lane* a, const Lane* b) {
        return a->inFlight != b->inFlight ? a->inFlight < b->inFlight : a->agent.id < b->agent.id;
    });
    for (Lane* lane : std::as_const(candidates)) {
        if (owned <= share)
            break;
        lane->releasing = true;
        dropWindow(*lane);
        --owned;
    }
}

QSet<QString> LocalDeliveryQueue::idleReleasing() const
{
    // Nothing of it in flight, and every result of it in the store (`held` keeps a settled delivery until its
    // round is written): the node that takes it requeues what the store says is in flight, and would send again
    // a delivery whose result this node has not yet written.
    QSet<QString> idle;
    for (const Lane& lane : m_lanes) {
        if (lane.releasing && lane.inFlight == 0 && lane.held.isEmpty() && lane.roundsWritingState == 0 &&
            !m_touched.contains(lane.agent.id))
            idle.insert(lane.agent.id);
    }
    return idle;
}

bool LocalDeliveryQueue::leasesUnsettled() const
{
    if (!m_clustered)
        return false;
    int owned = 0;
    for (const Lane& lane : m_lanes) {
        if (lane.owned && !lane.releasing)
            ++owned;
    }
    return owned < m_leaseFewest || !idleReleasing().isEmpty();
}

void LocalDeliveryQueue::maintainLeases()
{
    if (!m_clustered)
        return;
    refresh(); // agents created since have a lane to take
    // Agents beyond this node's share with nothing in flight go back in the same call, not a lease's third later:
    // until they do, neither this node nor another delivers them.
    if (renewLeases() && !idleReleasing().isEmpty())
        renewLeases();
}

bool LocalDeliveryQueue::renewLeases()
{
    const qint64 now = m_clock.nowMs();
    auto held = m_leases.renew(m_options.nodeId, now, m_options.leaseMs, idleReleasing());
    if (!held) {
        qCWarning(lcDelivery) << "could not renew this node's leases:" << held.error().message;
        return false; // claims stop when the last renewal runs out
    }
    // Stop a little before the lease does, so that this node's last sends begin before another node may start.
    m_leaseValidUntil = held.value().untilMs - m_options.leaseMs / 6;
    m_leaseFewest = held.value().fewest;
    bool changed = false;
    for (Lane& lane : m_lanes) {
        const bool holds = held.value().agents.contains(lane.agent.id);
        if (holds && !lane.owned) {
            acquired(lane);
            changed = true;
        } else if (!holds && lane.owned) {
            lost(lane);
            changed = true;
        }
    }
    rebalance(held.value().share);
    if (changed)
        refresh(); // the rows of agents just taken, as the store has them now
    return true;
}

void LocalDeliveryQueue::releaseLeases()
{
    if (m_clustered)
        m_leases.releaseAll(m_options.nodeId);
}

} // namespace Alfe
