#include "delivery/DeliveryScheduler.h"

#include "crypto/Secrets.h"
#include "delivery/ForwardClient.h"
#include "delivery/ForwardRequest.h"
#include "delivery/LocalDeliveryQueue.h"
#include "delivery/StreamFrame.h"
#include "domain/AttemptOutcome.h"
#include "domain/Clock.h"
#include "domain/Logging.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/DeliveryWriter.h"
#include "store/ForwardingStore.h"
#include "store/WebhookStore.h"

#include <QTcpSocket>
#include <QTimer>

namespace Alfe {

namespace {
QByteArray header(const HeaderList& headers, const char* name)
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}
} // namespace

DeliveryScheduler::DeliveryScheduler(const QString& databasePath, const SecretBox& box, const Clock& clock,
                                     DeliveryOptions options)
    : m_databasePath(databasePath)
    , m_box(box)
    , m_clock(clock)
    , m_options(std::move(options))
{}

DeliveryScheduler::~DeliveryScheduler()
{
    // Answers that landed are recorded (after whatever round is still on its way through the writer); replies
    // still in flight are aborted unanswered. Their attempts stay open and are recorded as interrupted on the
    // next start, and their deliveries are tried again.
    if (m_queue) {
        if (m_streams) {
            for (const AgentStream* stream : m_streams->open())
                m_queue->streamClosed(stream->agentId()); // the store stops saying they stream
        }
        const DeliveryQueue::Round round = m_queue->takeRound();
        const auto write = [&round](Database& db) {
            AttemptJournal::write(db, round.writes);
        };
        if (m_writer)
            m_writer->runWork(write);
        else
            write(*m_db);
        m_queue->releaseLeases(); // another node takes this one's agents now, not a lease later
    }
    m_inFlight.clear();
    delete m_client; // closes its connections; nothing lands any more
    m_client = nullptr;
    forgetSecrets();
}

Result<void> DeliveryScheduler::start()
{
    m_db = std::make_unique<Database>();
    if (auto opened = m_db->open(m_databasePath); !opened)
        return opened;
    m_store = std::make_unique<ForwardingStore>(*m_db, m_clock);
    m_webhooks = std::make_unique<WebhookStore>(*m_db, m_box, m_clock);
    m_queue = std::make_unique<LocalDeliveryQueue>(*m_db, m_clock, m_options);
    if (const int recovered = m_queue->recover())
        qCInfo(lcDelivery) << recovered << "deliveries were in flight when the process stopped; trying them again";
    m_queue->noStreams(); // what the store says of streams is from a process that is gone
    if (!m_options.nodeId.isEmpty()) {
        // One of several nodes: it delivers the agents it holds leases on, renewed every third of the lease.
        m_queue->maintainLeases();
        auto* leases = new QTimer(this);
        leases->setInterval(std::max(500, m_options.leaseMs / 3));
        connect(leases, &QTimer::timeout, this, [this] {
            m_queue->maintainLeases();
            pump();
        });
        leases->start();
    }

    StreamTerms terms;
    terms.window = m_options.streamDefaultWindow;
    terms.ackTimeoutMs = m_options.streamAckTimeoutMs;
    terms.pingIntervalMs = m_options.streamPingIntervalMs;
    terms.deadAfterMs = m_options.streamDeadAfterMs;
    m_streams = new AgentStreams(terms, this);
    connect(m_streams, &AgentStreams::opened, this, &DeliveryScheduler::onStreamOpened);
    connect(m_streams, &AgentStreams::answered, this, &DeliveryScheduler::onStreamAnswer);
    connect(m_streams, &AgentStreams::ended, this, &DeliveryScheduler::onStreamEnded);

    m_client = new ForwardClient(this);

    m_monotonic.start();
    m_deadlineTimer = new QTimer(this);
    m_deadlineTimer->setInterval(std::clamp(m_options.timeoutMs / 20, 5, 100));
    connect(m_deadlineTimer, &QTimer::timeout, this, &DeliveryScheduler::sweepDeadlines);

    m_wakeTimer = new QTimer(this);
    m_wakeTimer->setSingleShot(true);
    connect(m_wakeTimer, &QTimer::timeout, this, &DeliveryScheduler::pump);
    // Also picks up what other processes changed (a retry from the CLI, an agent resumed).
    m_pollTimer = new QTimer(this);
    m_pollTimer->setInterval(m_options.pollIntervalMs);
    connect(m_pollTimer, &QTimer::timeout, this, [this] {
        if (m_queue->leasesUnsettled())
            m_queue->maintainLeases(); // agents changing nodes: within a poll, not a lease's third
        m_queue->refresh();
        QSet<QString> known;
        for (const AgentStream* stream : m_streams->open()) {
            if (m_queue->knowsAgent(stream->agentId()))
                known.insert(stream->agentId());
        }
        m_streams->closeExcept(known); // removed agents lose their streams
        pump();
    });
    m_pollTimer->start();
    // A new forward URL, a pause or a resume from another process (the CLI) holds within 100 ms, idle or not.
    auto* changes = new QTimer(this);
    changes->setInterval(100);
    connect(changes, &QTimer::timeout, this, [this] {
        if (m_queue->agentsChanged()) {
            m_queue->refresh();
            pump();
        }
    });
    changes->start();
    if (m_options.retentionDays > 0) {
        m_purgeTimer = new QTimer(this);
        m_purgeTimer->setInterval(int(std::min<qint64>(m_options.purgeIntervalMs, INT_MAX)));
        connect(m_purgeTimer, &QTimer::timeout, this, &DeliveryScheduler::purge);
        m_purgeTimer->start();
    }
    pump();
    return {};
}

void DeliveryScheduler::enqueueCommitted(const QList<CommittedDelivery>& committed)
{
    QMetaObject::invokeMethod(
        this,
        [this, committed] {
            if (!m_queue)
                return;
            m_queue->enqueue(committed);
            schedulePump();
        },
        Qt::QueuedConnection);
}

void DeliveryScheduler::wake()
{
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (!m_queue)
                return;
            m_queue->refresh();
            pump();
        },
        Qt::QueuedConnection);
}

void DeliveryScheduler::purgeNow()
{
    QMetaObject::invokeMethod(this, &DeliveryScheduler::purge, Qt::QueuedConnection);
}

void DeliveryScheduler::setJournalWriter(DeliveryWriter* writer)
{
    QMetaObject::invokeMethod(
        this,
        [this, writer] {
            if (m_writer && m_writer != writer)
                m_writer->runWork([](Database&) {}); // what went through the old one is written first
            m_writer = writer;
        },
        Qt::BlockingQueuedConnection);
}

void DeliveryScheduler::writeRound()
{
    if (m_roundInFlight || !m_queue)
        return;
    auto round = std::make_shared<DeliveryQueue::Round>(m_queue->takeRound());
    if (round->isEmpty() && round->events.isEmpty() && round->settled.isEmpty())
        return;
    if (!m_writer) {
        int skipped = 0;
        const auto written = AttemptJournal::write(*m_db, round->writes, &skipped);
        if (!written)
            qCWarning(lcDelivery) << "cannot record delivery attempts:" << written.error().message;
        onRoundWritten(round, written.ok());
        return;
    }
    m_roundInFlight = true;
    // Written inside the ingress's next batch (one fsync for both). This object outlives the call: its
    // destructor and setJournalWriter() wait for the writer.
    m_writer->submitRecords({[round](Database& db) { AttemptJournal::apply(db, round->writes); },
                             [this, round](bool written) {
                                 if (!written)
                                     qCWarning(lcDelivery) << "cannot record delivery attempts";
                                 QMetaObject::invokeMethod(this, [this, round, written] {
                                     m_roundInFlight = false;
                                     onRoundWritten(round, written);
                                     writeRound(); // what gathered meanwhile goes next
                                 });
                             }});
}

void DeliveryScheduler::onRoundWritten(const std::shared_ptr<DeliveryQueue::Round>& round, bool written)
{
    // Agents that came back, and agents whose stream opened or closed, may send again now.
    const bool returned = !round->returned.isEmpty() ||
                          std::any_of(round->events.cbegin(), round->events.cend(), [](const DeliveryQueue::Event& e) {
                              return e.kind == DeliveryQueue::Event::Kind::Stream;
                          });
    emitEvents(m_queue->roundWritten(std::move(*round), written));
    if (returned || !written)
        schedulePump(); // their backlog, retrying ones included, is in the store now
}

void DeliveryScheduler::schedulePump()
{
    // Everything that lands in one pass of the event loop is recorded together, in one transaction.
    if (m_pumpQueued)
        return;
    m_pumpQueued = true;
    QMetaObject::invokeMethod(this, &DeliveryScheduler::pump, Qt::QueuedConnection);
}

void DeliveryScheduler::pump()
{
    m_pumpQueued = false;
    if (!m_queue)
        return;
    if (const qint64 generation = m_webhooks->changeGeneration(); generation != m_secretsGeneration) {
        forgetSecrets();
        m_secretsGeneration = generation;
    }
    const int room = m_options.maxInFlight - int(m_inFlight.size());
    for (DeliveryQueue::Claim& claim : m_queue->claim(room))
        launch(std::move(claim));
    // The round's records go to disk together (with the ingress's next batch, through its writer).
    writeRound();
    armTimer();
}

void DeliveryScheduler::emitEvents(const QList<DeliveryQueue::Event>& events)
{
    for (const DeliveryQueue::Event& e : events) {
        switch (e.kind) {
        case DeliveryQueue::Event::Kind::Started:
            emit attemptStarted(e.id, e.attempt);
            break;
        case DeliveryQueue::Event::Kind::Finished:
            emit attemptFinished(e.id, e.attempt, e.status);
            break;
        case DeliveryQueue::Event::Kind::Failed:
            emit deliveryFailed(e.id);
            break;
        case DeliveryQueue::Event::Kind::AgentStatus:
            emit agentStatusChanged(e.id, e.agentStatus);
            break;
        case DeliveryQueue::Event::Kind::Stream:
            emit agentStreamChanged(e.id);
            break;
        }
    }
}

void DeliveryScheduler::armTimer()
{
    const qint64 next = m_queue->nextWakeMs();
    if (next < 0) {
        m_wakeTimer->stop();
        return;
    }
    const qint64 wait = std::clamp<qint64>(next - m_clock.nowMs(), 0, m_options.pollIntervalMs);
    m_wakeTimer->start(int(wait));
}

const QByteArray* DeliveryScheduler::secretFor(const QString& webhookId, Error* error)
{
    auto it = m_secrets.find(webhookId);
    if (it == m_secrets.end()) {
        auto current = m_webhooks->currentSecret(webhookId);
        if (!current) {
            *error = current.error();
            return nullptr;
        }
        it = m_secrets.insert(webhookId, std::move(current.value()));
    }
    return &*it;
}

void DeliveryScheduler::forgetSecrets()
{
    for (QByteArray& secret : m_secrets)
        Secrets::cleanse(secret);
    m_secrets.clear();
}

void DeliveryScheduler::secretUnreadable(const DeliveryQueue::Claim& claim, const Error& error)
{
    // The store's messages name the webhook and the secret's version, never what it holds.
    qCWarning(lcDelivery) << "delivery" << claim.outgoing.delivery.id << "not sent: the secret of webhook"
                          << claim.outgoing.delivery.webhookId << "could not be read:" << error.code << error.message;
    // Settled like an attempt the agent refused (not a connection failure: the agent was never asked, and
    // must not be counted offline for it): it spends one retry and waits on the schedule. A lock or a
    // keychain that answers late passes within it; a secret that stays unreadable (a wrong master key, a
    // damaged row) ends as failed once the retries are spent, with these records saying why, and is sent
    // again by a manual retry once repaired. Retrying without spending would write a record every few
    // seconds for ever. A probe spends nothing either way: the agent is probed again later.
    const QString reason = error.code == u"crypto_error" ? QStringLiteral("it does not open with this master key")
                           : error.code == u"storage_unavailable" ? QStringLiteral("the database could not be read")
                                                                  : error.code;
    const bool lastTry = !claim.probe && m_options.schedule.delayAfter(claim.outgoing.failures + 1) < 0;
    DeliveryQueue::Report report;
    report.outcome.kind = claim.probe ? AttemptOutcome::Kind::ConnectionFailure : AttemptOutcome::Kind::Failed;
    report.outcome.error = QStringLiteral("not sent: the webhook's secret could not be read (%1); %2")
                               .arg(reason, lastTry ? QStringLiteral("no retries left") : QStringLiteral("will retry"));
    m_queue->settle(claim, report);
}

void DeliveryScheduler::launch(DeliveryQueue::Claim claim)
{
    const Delivery& delivery = claim.outgoing.delivery;
    Error error;
    const QByteArray* secret = secretFor(delivery.webhookId, &error);
    if (!secret && error.code == u"not_found") {
        // Deleted webhooks have no secret left to sign with: such a delivery cannot be forwarded.
        m_queue->unsendable(claim, QStringLiteral("not sent: the webhook was deleted and its secret with it"));
        return;
    }
    if (!secret) {
        secretUnreadable(claim, error); // the store or the master key failed: worth trying again
        return;
    }
    if (claim.stream) {
        launchOnStream(std::move(claim), *secret);
        return;
    }
    const auto headers = ForwardRequest::headers(delivery, *secret, claim.attempt, m_clock.nowMs());

    HeaderList sent = headers;
    if (!delivery.contentType.isEmpty())
        sent.append({QByteArray("Content-Type"), delivery.contentType.toLatin1()});
    // Redirects are not followed and no cookies are kept: an agent's answer never sends a delivery elsewhere
    // or follows other deliveries.
    const qint64 startedMs = m_clock.nowMs();
    const quint64 handle = m_client->post(QUrl(claim.forwardUrl), sent, delivery.body,
                                          [this](quint64 done, const ForwardAnswer& answer) { land(done, answer); });
    m_inFlight.insert(handle, Flight{std::move(claim), startedMs, m_monotonic.elapsed() + m_options.timeoutMs});
    if (!m_deadlineTimer->isActive())
        m_deadlineTimer->start();
}

void DeliveryScheduler::sweepDeadlines()
{
    // The timeout bounds the whole attempt: a receiver that drips a byte now and then must not hold it.
    const qint64 now = m_monotonic.elapsed();
    QList<quint64> late;
    QList<quint64> unanswered;
    for (auto it = m_inFlight.cbegin(); it != m_inFlight.cend(); ++it) {
        if (it->deadline <= now)
            (it->streamSerial ? unanswered : late) << it.key();
    }
    for (quint64 handle : std::as_const(late))
        m_client->abort(handle, QStringLiteral("timed out after %1 ms").arg(m_options.timeoutMs));
    for (quint64 handle : std::as_const(unanswered)) {
        const auto flight = m_inFlight.constFind(handle);
        if (flight == m_inFlight.cend())
            continue; // interrupted with its stream just now
        AgentStream* stream = m_streams->find(flight->claim.agentId);
        if (stream && stream->serial() == flight->streamSerial && stream->unsentBytes() > 0) {
            // The agent has not even taken the frames out of our buffer: it is not reading. Its stream goes, and
            // what was out on it waits again, unspent, instead of piling up behind it.
            stream->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("Deliveries were not read within the ack timeout."));
            continue;
        }
        AttemptOutcome silence;
        silence.kind = AttemptOutcome::Kind::Failed;
        silence.error =
            QStringLiteral("no ack or nack on the stream within %1 s").arg(m_options.streamAckTimeoutMs / 1000.0);
        landFromStream(handle, silence);
    }
    m_queue->recordLongAttempts();
    writeRound();
    if (m_inFlight.isEmpty())
        m_deadlineTimer->stop();
}

void DeliveryScheduler::land(quint64 handle, const ForwardAnswer& answer)
{
    auto it = m_inFlight.find(handle);
    if (it == m_inFlight.end())
        return;
    const Flight flight = std::move(*it);
    m_inFlight.erase(it);

    const qint64 now = m_clock.nowMs();
    DeliveryQueue::Report report;
    report.outcome =
        AttemptOutcome::classify(answer.statusCode, answer.error, header(answer.headers, "Retry-After"), now);
    report.durationMs = now - flight.startedMs;
    report.responseHeaders = DeliveryStore::encodeHeaders(answer.headers).toUtf8();
    report.responseBody = answer.statusCode > 0 ? answer.body : QByteArray();
    m_queue->settle(flight.claim, report);
    schedulePump();
}

void DeliveryScheduler::adoptStream(QTcpSocket* socket, const StreamRequest& request)
{
    QMetaObject::invokeMethod(
        this,
        [this, socket, request] {
            if (!m_streams) {
                socket->deleteLater();
                return;
            }
            m_streams->adopt(socket, request, m_clock.nowMs());
        },
        Qt::QueuedConnection);
}

void DeliveryScheduler::onStreamOpened(AgentStream* stream)
{
    if (!m_queue->streamOpened(stream->agentId(), stream->window(), stream->peer(), stream->sinceMs())) {
        stream->close(AgentStream::AgentRemoved, QStringLiteral("The agent was removed."));
        return;
    }
    stream->send(StreamFrame::hello(stream->agentId(), stream->window(), m_options.streamAckTimeoutMs,
                                    m_options.streamPingIntervalMs));
    schedulePump();
}

void DeliveryScheduler::onStreamEnded(AgentStream* stream, const QString& why)
{
    // What was out on it waits again, first in line, nothing spent: the agent never said.
    QList<quint64> interrupted;
    for (auto it = m_inFlight.cbegin(); it != m_inFlight.cend(); ++it) {
        if (it->streamSerial == stream->serial())
            interrupted << it.key();
    }
    std::sort(interrupted.begin(), interrupted.end()); // in the order they went out
    AttemptOutcome outcome;
    outcome.kind = AttemptOutcome::Kind::Interrupted;
    outcome.error = QStringLiteral("the stream closed before the agent answered: %1").arg(why);
    for (quint64 handle : std::as_const(interrupted))
        landFromStream(handle, outcome);
    if (!m_streams->find(stream->agentId()))
        m_queue->streamClosed(stream->agentId());
    schedulePump();
}

void DeliveryScheduler::launchOnStream(DeliveryQueue::Claim claim, const QByteArray& secret)
{
    const Delivery& delivery = claim.outgoing.delivery;
    const qint64 startedMs = m_clock.nowMs();
    AgentStream* stream = m_streams->find(claim.agentId);
    if (!stream) {
        DeliveryQueue::Report report;
        report.outcome.kind = AttemptOutcome::Kind::Interrupted;
        report.outcome.error = QStringLiteral("the stream closed before the delivery was sent");
        m_queue->settle(claim, report);
        return;
    }
    HeaderList headers = ForwardRequest::headers(delivery, secret, claim.attempt, startedMs);
    const bool typed = std::any_of(headers.cbegin(), headers.cend(), [](const auto& h) {
        return h.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
    });
    if (!typed && !delivery.contentType.isEmpty())
        headers.append({QByteArray("Content-Type"), delivery.contentType.toLatin1()});
    const QByteArray frame = StreamFrame::delivery(delivery, headers, claim.attempt);
    const quint64 handle = m_nextStreamHandle++;
    m_streamFlights.insert(delivery.id, handle);
    m_inFlight.insert(handle, Flight{std::move(claim), startedMs, m_monotonic.elapsed() + m_options.streamAckTimeoutMs,
                                     stream->serial()});
    stream->send(frame);
    if (!m_deadlineTimer->isActive())
        m_deadlineTimer->start();
}

void DeliveryScheduler::onStreamAnswer(AgentStream* stream, const StreamFrame::Answer& answer)
{
    const auto handle = m_streamFlights.constFind(answer.deliveryId);
    const auto flight = handle == m_streamFlights.cend() ? m_inFlight.cend() : m_inFlight.constFind(*handle);
    if (flight == m_inFlight.cend() || flight->streamSerial != stream->serial()) {
        stream->send(
            StreamFrame::error(QStringLiteral("unknown_delivery"),
                               QStringLiteral("No delivery %1 awaits an answer on this stream: it was answered "
                                              "already, its time ran out, or it went out on an earlier stream.")
                                   .arg(answer.deliveryId.left(64)),
                               answer.deliveryId.left(64)));
        return;
    }
    AttemptOutcome outcome;
    outcome.kind = answer.ack ? AttemptOutcome::Kind::Delivered : AttemptOutcome::Kind::Failed;
    outcome.statusCode = answer.statusCode;
    outcome.retryAfterMs = answer.ack ? -1 : answer.retryAfterMs;
    if (!answer.ack) {
        outcome.error = answer.reason.isEmpty() ? QStringLiteral("nacked by the agent")
                                                : QStringLiteral("nacked by the agent: %1").arg(answer.reason);
    }
    landFromStream(*handle, outcome);
}

void DeliveryScheduler::landFromStream(quint64 handle, const AttemptOutcome& outcome)
{
    auto it = m_inFlight.find(handle);
    if (it == m_inFlight.end())
        return;
    const Flight flight = std::move(*it);
    m_inFlight.erase(it);
    m_streamFlights.remove(flight.claim.outgoing.delivery.id);
    DeliveryQueue::Report report;
    report.outcome = outcome;
    report.durationMs = m_clock.nowMs() - flight.startedMs;
    m_queue->settle(flight.claim, report);
    schedulePump();
}

void DeliveryScheduler::purge()
{
    if (!m_store || m_options.retentionDays <= 0)
        return;
    const qint64 cutoff = m_clock.nowMs() - qint64(m_options.retentionDays) * 24 * 3600 * 1000;
    int total = 0;
    // Small batches, each its own short transaction: the ingress's writer never waits long.
    for (;;) {
        const int removed = m_store->purgeBatch(cutoff, m_options.purgeBatch);
        total += removed;
        if (removed < m_options.purgeBatch)
            break;
    }
    if (total > 0)
        qCInfo(lcDelivery) << "purged" << total << "deliveries older than" << m_options.retentionDays << "days";
    emit purged(total);
}

} // namespace Alfe
