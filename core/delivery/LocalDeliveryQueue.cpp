#include "delivery/LocalDeliveryQueue.h"

#include "delivery/AttemptVerdict.h"
#include "domain/Clock.h"
#include "domain/Logging.h"

namespace Alfe {

LocalDeliveryQueue::LocalDeliveryQueue(Database& readConnection, const Clock& clock, const DeliveryOptions& options)
    : m_clock(clock)
    , m_db(readConnection)
    , m_options(options)
    , m_clustered(!options.nodeId.isEmpty())
    , m_leases(readConnection)
    , m_store(readConnection, clock)
{
    m_monotonic.start();
    m_deliveryNoticesSeen = m_db.deliveryNotices();
}

int LocalDeliveryQueue::recover()
{
    // A node of several recovers an agent's interrupted deliveries when it takes the agent (acquired()): the
    // others' deliveries in flight are theirs.
    const int recovered = m_clustered ? 0 : m_store.recoverInterrupted();
    m_lanes.clear();
    m_carried.clear();
    m_carriedBytes = 0;
    refresh();
    return recovered;
}

LocalDeliveryQueue::Lane& LocalDeliveryQueue::addLane(const ForwardingStore::AgentRow& row)
{
    Lane& lane = m_lanes[row.id];
    lane.agent = row;
    lane.owned = !m_clustered; // a node of several waits for its lease
    if (lane.owned && row.status == AgentStatus::Offline && row.nextProbeAtMs >= 0)
        scheduleWake(lane, row.nextProbeAtMs);
    return lane;
}

void LocalDeliveryQueue::rebuildOrder()
{
    m_order = m_lanes.keys();
    std::sort(m_order.begin(), m_order.end());
    m_nextStart = 0;
}

void LocalDeliveryQueue::refresh()
{
    m_agentsGeneration = m_store.agentsGeneration();
    const qint64 now = m_clock.nowMs();
    m_deliveryNoticesSeen = m_db.deliveryNotices(); // agentsChanged() asks for a refresh when it moves
    QSet<QString> seen;
    bool changed = false;
    for (const ForwardingStore::AgentRow& row : m_store.agents()) {
        seen.insert(row.id);
        auto it = m_lanes.find(row.id);
        if (it == m_lanes.end()) {
            addLane(row);
            changed = true;
            continue;
        }
        Lane& lane = *it;
        if (!lane.owned) {
            lane.agent = row; // another node's to deliver: its row is all this one follows
            continue;
        }
        // Another node may have stored some (told by alfe_deliveries, or missed while reconnecting): the agents this
        // node delivers look in the store when their window runs dry.
        if (m_clustered)
            lane.storeAhead = true;
        // An agent whose new state is still on its way to the store: memory is ahead of what was read.
        const bool writing = lane.roundsWritingState > 0 || m_touched.contains(row.id);
        if (!writing && (row.status != lane.agent.status || row.forwardUrl != lane.agent.forwardUrl)) {
            // Changed by a person or another process (resume, pause, a new forward URL).
            const bool returned = row.status == AgentStatus::Online && lane.agent.status != AgentStatus::Online;
            lane.agent = row;
            if (row.status != AgentStatus::Online)
                dropWindow(lane);
            if (returned) {
                requeueRetrying(lane);
                m_returned.insert(row.id);
            }
            if (row.status == AgentStatus::Offline && row.nextProbeAtMs >= 0)
                scheduleWake(lane, row.nextProbeAtMs);
        }
        // Work another process queued (a retry from the CLI) is found on the next claim.
        if (lane.online() && lane.ready.empty())
            lane.storeAhead = true;
        if (lane.agent.status == AgentStatus::Offline && !lane.probing && lane.agent.nextProbeAtMs <= now)
            lane.probeDue = true;
    }
    for (auto it = m_lanes.begin(); it != m_lanes.end();) {
        if (!seen.contains(it.key()) && it->inFlight == 0) {
            dropWindow(*it);
            it = m_lanes.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    if (changed)
        rebuildOrder();
}

bool LocalDeliveryQueue::agentsChanged()
{
    if (m_clustered && m_db.deliveryNotices() != m_deliveryNoticesSeen)
        return true;
    return m_store.agentsGeneration() != m_agentsGeneration;
}

void LocalDeliveryQueue::enqueue(const QList<CommittedDelivery>& committed)
{
    const qint64 now = m_clock.nowMs();
    for (const CommittedDelivery& c : committed) {
        auto it = m_lanes.find(c.agentId);
        if (it == m_lanes.end()) {
            // An agent created since the last refresh.
            refresh();
            it = m_lanes.find(c.agentId);
            if (it == m_lanes.end())
                continue;
        }
        Lane& lane = *it;
        if (!lane.online()) {
            if (lane.agent.status == AgentStatus::Offline && !lane.probing && lane.agent.nextProbeAtMs <= now)
                lane.probeDue = true;
            continue; // it waits in the store
        }
        if (lane.held.contains(c.deliveryId) || m_recentlySettled.contains(c.deliveryId))
            continue; // already on its way, or done: this notice came late
        if (!lane.storeAhead && lane.ready.size() < size_t(Window)) {
            lane.ready.push_back(c.deliveryId);
            lane.held.insert(c.deliveryId);
            if (c.delivery && m_carriedBytes + c.delivery->body.size() <= CarriedBytesMax) {
                m_carriedBytes += c.delivery->body.size();
                m_carried.insert(c.deliveryId, c.delivery);
            }
        } else {
            lane.storeAhead = true; // the window is full: it comes from the store, in order, when there is room
        }
    }
}

void LocalDeliveryQueue::scheduleWake(Lane& lane, qint64 atMs)
{
    if (lane.wakeAtMs >= 0 && lane.wakeAtMs <= atMs)
        return; // an earlier wake looks again then
    lane.wakeAtMs = atMs;
    m_wakes.push({atMs, lane.agent.id});
}

void LocalDeliveryQueue::popDueWakes(qint64 now)
{
    while (!m_wakes.empty() && m_wakes.top().first <= now) {
        const Wake wake = m_wakes.top();
        m_wakes.pop();
        auto it = m_lanes.find(wake.second);
        if (it == m_lanes.end() || it->wakeAtMs != wake.first)
            continue; // superseded
        it->wakeAtMs = -1;
        if (it->online())
            it->storeAhead = true; // a retry fell due
        else if (it->agent.status == AgentStatus::Offline && !it->agent.forwardUrl.isEmpty())
            it->probeDue = true;
    }
}

qint64 LocalDeliveryQueue::nextWakeMs()
{
    while (!m_wakes.empty()) {
        const Wake& wake = m_wakes.top();
        auto it = m_lanes.find(wake.second);
        if (it != m_lanes.end() && it->wakeAtMs == wake.first)
            return wake.first;
        m_wakes.pop();
    }
    return -1;
}

void LocalDeliveryQueue::refill(Lane& lane, qint64 now)
{
    const int asked = Window + int(lane.held.size());
    const QStringList ids = m_store.waiting(lane.agent.id, now, asked);
    for (const QString& id : ids) {
        if (lane.ready.size() >= size_t(Window))
            break;
        if (!lane.held.contains(id)) {
            lane.ready.push_back(id);
            lane.held.insert(id);
        }
    }
    lane.storeAhead = ids.size() >= asked;
    if (!lane.storeAhead) {
        // Everything due is in memory; wake when the next retry of this agent falls due.
        const qint64 next = m_store.nextWaitingAfter(lane.agent.id, now);
        if (next >= 0)
            scheduleWake(lane, next);
    }
}

QString LocalDeliveryQueue::nextReady(Lane& lane, qint64 now)
{
    if (lane.ready.empty() && lane.storeAhead)
        refill(lane, now);
    if (lane.ready.empty())
        return {};
    QString id = std::move(lane.ready.front());
    lane.ready.pop_front();
    return id;
}

std::shared_ptr<const Delivery> LocalDeliveryQueue::takeCarried(const QString& id)
{
    auto it = m_carried.find(id);
    if (it == m_carried.end())
        return nullptr;
    std::shared_ptr<const Delivery> d = std::move(*it);
    m_carried.erase(it);
    m_carriedBytes -= d->body.size();
    return d;
}

void LocalDeliveryQueue::dropWindow(Lane& lane)
{
    for (const QString& id : lane.ready) {
        lane.held.remove(id);
        takeCarried(id);
    }
    lane.ready.clear();
    lane.storeAhead = true;
}

std::optional<DeliveryQueue::Claim> LocalDeliveryQueue::take(Lane& lane, const QString& id, bool probe, qint64 now)
{
    std::optional<ForwardingStore::Outgoing> outgoing;
    if (auto carried = takeCarried(id)) {
        // Just committed and never tried: what the writer handed over is what the store holds.
        outgoing = ForwardingStore::Outgoing{*carried, 0};
    } else {
        outgoing = m_store.load(id);
    }
    if (!outgoing) {
        lane.held.remove(id); // no longer waiting: delivered elsewhere, deleted, or purged
        return std::nullopt;
    }
    Claim claim;
    claim.attempt = outgoing->delivery.attemptCount + 1;
    claim.outgoing = std::move(*outgoing);
    claim.agentId = lane.agent.id;
    claim.forwardUrl = lane.agent.forwardUrl;
    claim.probe = probe;
    claim.stream = lane.streaming() && !probe;
    lane.held.insert(id);
    ++lane.inFlight;
    lane.probing = lane.probing || probe;
    // The start is recorded only if the attempt is still out after StartRecordedAfterMs (recordLongAttempts());
    // a quick answer records the whole attempt at once. Either way a crash leaves the delivery waiting.
    m_unrecordedStarts.insert(id, UnrecordedStart{claim.attempt, claim.stream, now, m_monotonic.elapsed()});
    m_events << Event{Event::Kind::Started, id, claim.attempt, DeliveryStatus::Delivering, {}};
    return claim;
}

QList<DeliveryQueue::Claim> LocalDeliveryQueue::claim(int limit)
{
    // An agent changed by someone else (new forward URL, paused, resumed): the next delivery follows it.
    if (agentsChanged())
        refresh();
    QList<Claim> out;
    const qint64 now = m_clock.nowMs();
    popDueWakes(now);
    if (m_order.isEmpty() || limit <= 0)
        return out;
    if (m_clustered && now > m_leaseValidUntil)
        return out; // leases not renewed in time: another node may be taking these agents

    // Probes: one try per offline agent whose backoff has passed, with its oldest waiting delivery.
    for (const QString& agentId : std::as_const(m_order)) {
        Lane& lane = m_lanes[agentId];
        if (!lane.probeDue || lane.probing || lane.inFlight > 0 || lane.streaming() || !lane.owned || lane.releasing ||
            out.size() >= limit)
            continue;
        lane.probeDue = false;
        if (lane.agent.status != AgentStatus::Offline || lane.agent.forwardUrl.isEmpty())
            continue;
        const QStringList oldest = m_store.waiting(agentId, -1, 1);
        if (oldest.isEmpty())
            continue; // nothing to probe with; a new delivery makes the probe due again
        if (auto c = take(lane, oldest.first(), true, now))
            out << std::move(*c);
    }

    // Online agents in turns, one delivery each per turn, so one agent's backlog never stands before
    // another agent's head; each agent's own deliveries leave in order.
    const qsizetype agents = m_order.size();
    bool progress = true;
    while (out.size() < limit && progress) {
        progress = false;
        for (qsizetype k = 0; k < agents && out.size() < limit; ++k) {
            Lane& lane = m_lanes[m_order.at((m_nextStart + k) % agents)];
            const int concurrency = lane.streaming() ? lane.streamWindow : m_options.perAgentConcurrency;
            if (!lane.online() || lane.resumeAfterWrite || lane.inFlight >= concurrency)
                continue;
            const QString id = nextReady(lane, now);
            if (id.isEmpty())
                continue;
            progress = true;
            if (auto c = take(lane, id, false, now))
                out << std::move(*c);
        }
        m_nextStart = (m_nextStart + 1) % agents;
    }
    return out;
}

void LocalDeliveryQueue::setAgent(Lane& lane, AgentStatus status, int connectionFailures, int probeFailures,
                                  qint64 nextProbeAtMs)
{
    const bool statusChanged = lane.agent.status != status;
    lane.agent.status = status;
    lane.agent.connectionFailures = connectionFailures;
    lane.agent.probeFailures = probeFailures;
    lane.agent.nextProbeAtMs = nextProbeAtMs;
    m_touched.insert(lane.agent.id);
    m_journal.agent({lane.agent.id, status, connectionFailures, probeFailures,
                     nextProbeAtMs >= 0 ? std::optional<qint64>(nextProbeAtMs) : std::nullopt});
    if (statusChanged)
        m_events << Event{Event::Kind::AgentStatus, lane.agent.id, 0, {}, status};
}

void LocalDeliveryQueue::cameOnline(Lane& lane)
{
    // Its whole backlog, retrying ones included, oldest first: their failures were the agent being away.
    setAgent(lane, AgentStatus::Online, 0, 0, -1);
    requeueRetrying(lane);
    m_returned.insert(lane.agent.id);
    lane.storeAhead = true;
}

void LocalDeliveryQueue::settle(const Claim& claim, const Report& report)
{
    const qint64 now = m_clock.nowMs();
    const QString& id = claim.outgoing.delivery.id;
    auto it = m_lanes.find(claim.agentId);
    Lane* lane = it == m_lanes.end() ? nullptr : &*it;
    if (lane) {
        --lane->inFlight;
        if (claim.probe)
            lane->probing = false;
    }
    m_settled.append({claim.agentId, id});

    AttemptVerdict::Input in;
    in.outcome = report.outcome;
    in.probe = claim.probe;
    in.agentStatus = lane ? lane->agent.status : AgentStatus::Online;
    in.failures = claim.outgoing.failures;
    in.receivedAtMs = claim.outgoing.delivery.receivedAtMs;
    in.connectionFailures = lane ? lane->agent.connectionFailures : 0;
    in.offlineAfter = m_options.offlineAfterConnectionFailures;
    in.nowMs = now;
    const AttemptVerdict v = AttemptVerdict::of(in, m_options.schedule);

    AttemptJournal::Finished f;
    f.deliveryId = id;
    f.attempt = claim.attempt;
    f.durationMs = report.durationMs;
    f.statusCode = report.outcome.statusCode;
    f.error = report.outcome.error;
    f.responseHeaders = report.responseHeaders;
    f.responseBody = report.responseBody;
    f.status = v.status;
    f.failures = v.failures;
    f.nextAttemptAtMs = v.nextAttemptAtMs;
    f.via = claim.stream ? QStringLiteral("stream") : QStringLiteral("http");
    if (auto start = m_unrecordedStarts.find(id); start != m_unrecordedStarts.end()) {
        const qint64 startedAt = start->atMs;
        m_unrecordedStarts.erase(start);
        m_journal.startedAndFinished(std::move(f), startedAt);
    } else {
        m_journal.finished(std::move(f));
    }
    m_events << Event{Event::Kind::Finished, id, claim.attempt, v.status, {}};
    if (v.status == DeliveryStatus::Failed)
        m_events << Event{Event::Kind::Failed, id, claim.attempt, v.status, {}};

    if (!lane || !lane->owned || (lane->streaming() && !claim.stream))
        return; // (an HTTP attempt from before its stream opened, or after another node took the agent, says
                // nothing of the agent now)
    const ForwardingStore::AgentRow& a = lane->agent;
    switch (v.agent) {
    case AttemptVerdict::Agent::Unchanged:
        break;
    case AttemptVerdict::Agent::Answered:
        if (a.connectionFailures != 0)
            setAgent(*lane, a.status, 0, a.probeFailures, a.nextProbeAtMs);
        break;
    case AttemptVerdict::Agent::ConnectionFailure:
        setAgent(*lane, a.status, a.connectionFailures + 1, a.probeFailures, a.nextProbeAtMs);
        break;
    case AttemptVerdict::Agent::WentOffline: {
        // Its waiting deliveries keep their budget and their arrival order; a probe will tell when it is back.
        const qint64 probeAt = now + std::max<qint64>(1000, m_options.schedule.delayAfter(1));
        setAgent(*lane, AgentStatus::Offline, a.connectionFailures + 1, 0, probeAt);
        requeueRetrying(*lane);
        dropWindow(*lane);
        scheduleWake(*lane, probeAt);
        break;
    }
    case AttemptVerdict::Agent::CameOnline:
        cameOnline(*lane);
        break;
    case AttemptVerdict::Agent::ProbeFailed: {
        const int probes = a.probeFailures + 1;
        const qint64 wait =
            m_options.schedule.delayAfter(std::min(probes + 1, std::max(1, m_options.schedule.maxAttempts() - 1)));
        const qint64 probeAt = now + std::max<qint64>(1000, wait);
        setAgent(*lane, AgentStatus::Offline, a.connectionFailures, probes, probeAt);
        scheduleWake(*lane, probeAt);
        break;
    }
    case AttemptVerdict::Agent::Paused:
        setAgent(*lane, AgentStatus::Paused, 0, 0, -1);
        dropWindow(*lane);
        break;
    }
    if (v.status == DeliveryStatus::Retrying && v.nextAttemptAtMs && lane->online())
        scheduleWake(*lane, *v.nextAttemptAtMs);
}

void LocalDeliveryQueue::unsendable(const Claim& claim, const QString& why)
{
    const QString& id = claim.outgoing.delivery.id;
    if (auto it = m_lanes.find(claim.agentId); it != m_lanes.end()) {
        --it->inFlight;
        if (claim.probe)
            it->probing = false;
    }
    m_settled.append({claim.agentId, id});
    m_unrecordedStarts.remove(id);
    m_journal.unsendable(id, claim.attempt, m_clock.nowMs(), why);
    m_events << Event{Event::Kind::Failed, id, claim.attempt, DeliveryStatus::Failed, {}};
}

void LocalDeliveryQueue::requeueRetrying(Lane& lane)
{
    m_touched.insert(lane.agent.id);
    m_journal.requeueRetrying(lane.agent.id);
}

DeliveryQueue::Round LocalDeliveryQueue::takeRound()
{
    Round round;
    round.writes = m_journal.take();
    round.settled.swap(m_settled);
    round.agents.swap(m_touched);
    round.returned.swap(m_returned);
    round.events.swap(m_events);
    for (const QString& agentId : std::as_const(round.agents)) {
        if (auto it = m_lanes.find(agentId); it != m_lanes.end())
            ++it->roundsWritingState;
    }
    return round;
}

QList<DeliveryQueue::Event> LocalDeliveryQueue::roundWritten(Round round, bool written)
{
    for (const QString& agentId : std::as_const(round.agents)) {
        if (auto it = m_lanes.find(agentId); it != m_lanes.end())
            --it->roundsWritingState;
    }
    if (!written) {
        // Memory is ahead of the store: read each agent's window again from the record. Deliveries whose
        // records were lost are still waiting there and are sent again (at least once).
        for (Lane& lane : m_lanes)
            dropWindow(lane);
    }
    for (const auto& [agentId, deliveryId] : std::as_const(round.settled)) {
        if (auto it = m_lanes.find(agentId); it != m_lanes.end())
            it->held.remove(deliveryId);
        if (!m_recentlySettled.contains(deliveryId)) {
            m_recentlySettled.insert(deliveryId);
            m_recentlySettledOrder.push_back(deliveryId);
        }
    }
    while (m_recentlySettledOrder.size() > size_t(RecentlySettledKept)) {
        m_recentlySettled.remove(m_recentlySettledOrder.front());
        m_recentlySettledOrder.pop_front();
    }
    // An agent whose stream opened or closed: what this round said of its earlier deliveries is in the store now
    // (unless a later round also writes its state), so its next one is its oldest waiting.
    for (const QString& agentId : std::as_const(round.agents)) {
        auto it = m_lanes.find(agentId);
        if (it != m_lanes.end() && it->resumeAfterWrite && it->roundsWritingState == 0 &&
            !m_touched.contains(agentId)) {
            it->resumeAfterWrite = false;
            it->storeAhead = true;
        }
    }
    // Released retries are in the store only now.
    for (const QString& agentId : std::as_const(round.returned)) {
        if (auto it = m_lanes.find(agentId); it != m_lanes.end())
            it->storeAhead = true;
    }
    if (!written)
        return {}; // only what the store holds is said
    return round.events;
}

void LocalDeliveryQueue::recordLongAttempts()
{
    const qint64 cutoff = m_monotonic.elapsed() - StartRecordedAfterMs;
    for (auto it = m_unrecordedStarts.begin(); it != m_unrecordedStarts.end();) {
        if (it->sinceMs <= cutoff) {
            m_journal.started(it.key(), it->attempt, it->atMs,
                              it->stream ? QStringLiteral("stream") : QStringLiteral("http"));
            it = m_unrecordedStarts.erase(it);
        } else {
            ++it;
        }
    }
}

bool LocalDeliveryQueue::streamOpened(const QString& agentId, int window, const QString& peer, qint64 sinceMs)
{
    auto it = m_lanes.find(agentId);
    if (it == m_lanes.end()) {
        refresh(); // an agent created since the last refresh
        it = m_lanes.find(agentId);
        if (it == m_lanes.end())
            return false;
    }
    Lane& lane = *it;
    if (m_clustered) {
        // Its stream is here: so are its deliveries, whichever node held them.
        if (!m_leases.take(m_options.nodeId, agentId, m_clock.nowMs(), m_options.leaseMs))
            qCWarning(lcDelivery) << "could not take the lease of agent" << agentId << "for its stream";
        else if (!lane.owned || lane.releasing)
            acquired(lane);
    }
    lane.streamWindow = std::max(1, window);
    if (lane.agent.status == AgentStatus::Offline)
        cameOnline(lane); // its backlog, retrying ones included: their failures were its forward URL being away
    m_journal.stream(agentId, peer, sinceMs);
    streamChanged(lane);
    return true;
}

void LocalDeliveryQueue::streamClosed(const QString& agentId)
{
    auto it = m_lanes.find(agentId);
    if (it == m_lanes.end() || !it->streaming())
        return;
    it->streamWindow = 0;
    m_journal.stream(agentId, {}, std::nullopt);
    streamChanged(*it);
}

void LocalDeliveryQueue::streamChanged(Lane& lane)
{
    // Deliveries interrupted by the change wait again in the store (in this round); the window, which may hold
    // later ones, is read again once the round is written, so they still leave in order.
    dropWindow(lane);
    lane.resumeAfterWrite = true;
    lane.probeDue = false;
    m_touched.insert(lane.agent.id);
    m_events << Event{Event::Kind::Stream, lane.agent.id, 0, {}, lane.agent.status};
}

void LocalDeliveryQueue::noStreams()
{
    if (!m_clustered) // other nodes' streams are open
        m_journal.noStreams();
}

int LocalDeliveryQueue::heldInMemory() const
{
    int total = 0;
    for (const Lane& lane : m_lanes)
        total += int(lane.held.size());
    return total;
}

} // namespace Alfe
