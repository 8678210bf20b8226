#include "delivery/DeliveryScheduler.h"

#include "crypto/Secrets.h"
#include "delivery/ForwardRequest.h"
#include "domain/AttemptOutcome.h"
#include "domain/Clock.h"
#include "domain/Logging.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace Alfe {

namespace {
constexpr qint64 ResponseBodyKeptBytes = 64 * 1024;

QByteArray encodeResponseHeaders(const QList<QNetworkReply::RawHeaderPair>& headers)
{
    HeaderList list;
    for (const auto& pair : headers)
        list << pair;
    return DeliveryStore::encodeHeaders(list).toUtf8();
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
    // Replies in flight are aborted unanswered; their attempts stay open and are recorded as
    // interrupted on the next start, and their deliveries are tried again (at least once).
    const auto replies = m_inFlight.keys();
    m_inFlight.clear();
    for (QNetworkReply* reply : replies) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

Result<void> DeliveryScheduler::start()
{
    m_db = std::make_unique<Database>();
    if (auto opened = m_db->open(m_databasePath); !opened)
        return opened;
    m_store = std::make_unique<ForwardingStore>(*m_db, m_clock);
    m_webhooks = std::make_unique<WebhookStore>(*m_db, m_box, m_clock);
    if (const int recovered = m_store->recoverInterrupted())
        qCInfo(lcDelivery) << recovered << "deliveries were in flight when the process stopped; trying them again";

    m_network = new QNetworkAccessManager(this);
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    connect(m_network, &QNetworkAccessManager::finished, this, &DeliveryScheduler::land);

    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &DeliveryScheduler::dispatch);
    if (m_options.retentionDays > 0) {
        m_purgeTimer = new QTimer(this);
        m_purgeTimer->setInterval(int(std::min<qint64>(m_options.purgeIntervalMs, INT_MAX)));
        connect(m_purgeTimer, &QTimer::timeout, this, &DeliveryScheduler::purge);
        m_purgeTimer->start();
    }
    dispatch();
    return {};
}

void DeliveryScheduler::wake()
{
    QMetaObject::invokeMethod(this, &DeliveryScheduler::dispatch, Qt::QueuedConnection);
}

void DeliveryScheduler::purgeNow()
{
    QMetaObject::invokeMethod(this, &DeliveryScheduler::purge, Qt::QueuedConnection);
}

void DeliveryScheduler::dispatch()
{
    if (!m_store || m_dispatching)
        return;
    m_dispatching = true;
    // Probes first: one try per offline agent whose backoff has passed.
    for (const ForwardingStore::Due& probe : m_store->probes()) {
        if (m_inFlight.size() >= m_options.maxInFlight)
            break;
        if (m_perAgent.value(probe.agentId) == 0)
            launch(probe);
    }
    if (m_inFlight.size() < m_options.maxInFlight) {
        for (const ForwardingStore::Due& due : m_store->due(m_options.perAgentConcurrency, m_options.maxInFlight * 2)) {
            if (m_inFlight.size() >= m_options.maxInFlight)
                break;
            // A delivery in flight is 'delivering', so due() never returns it again.
            if (m_perAgent.value(due.agentId) >= m_options.perAgentConcurrency)
                continue;
            launch(due);
        }
    }
    m_dispatching = false;
    armTimer();
}

void DeliveryScheduler::armTimer()
{
    qint64 wait = m_options.pollIntervalMs;
    const qint64 next = m_store->nextDueMs();
    if (next >= 0)
        wait = std::clamp<qint64>(next - m_clock.nowMs(), 0, wait);
    m_timer->start(int(wait));
}

void DeliveryScheduler::launch(const ForwardingStore::Due& due)
{
    auto begun = m_store->beginAttempt(due.deliveryId);
    if (!begun) {
        qCWarning(lcDelivery) << "cannot start an attempt for" << due.deliveryId << ":" << begun.error().message;
        return;
    }
    const Delivery& delivery = begun->first;
    const int attempt = begun->second;
    auto current = m_webhooks->currentSecret(delivery.webhookId);
    if (!current) {
        // Deleted webhooks have no secret left to sign with: such a delivery cannot be forwarded.
        m_store->failWithoutAttempt(due.deliveryId,
                                    QStringLiteral("not sent: the webhook was deleted and its secret with it"));
        emit deliveryFailed(due.deliveryId);
        return;
    }
    QByteArray secret = std::move(current.value());
    const auto headers = ForwardRequest::headers(delivery, secret, attempt, m_clock.nowMs());
    Secrets::cleanse(secret);

    QNetworkRequest request{QUrl(due.forwardUrl)};
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    if (!delivery.contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, delivery.contentType.toLatin1());
    QNetworkReply* reply = m_network->post(request, delivery.body);
    m_inFlight.insert(reply, Flight{due, attempt, m_clock.nowMs(), {}, false, false});
    // The timeout bounds the whole attempt: a receiver that drips a byte now and then must not hold it
    // (QNetworkAccessManager's transfer timeout only catches silence).
    QTimer::singleShot(m_options.timeoutMs, reply, [this, reply] {
        auto it = m_inFlight.find(reply);
        if (it == m_inFlight.end() || reply->isFinished())
            return;
        it->timedOut = true;
        reply->abort();
    });
    // The answer is read as it arrives, and only as much as is kept: a receiver that streams without end
    // costs this process 64 KiB, not its memory.
    connect(reply, &QNetworkReply::readyRead, this, [this, reply] { readAnswer(reply); });
    m_perAgent[due.agentId] += 1;
    emit attemptStarted(due.deliveryId, attempt);
}

void DeliveryScheduler::readAnswer(QNetworkReply* reply)
{
    auto it = m_inFlight.find(reply);
    if (it == m_inFlight.end() || it->bodyCut)
        return;
    it->body += reply->read(ResponseBodyKeptBytes - it->body.size());
    if (it->body.size() >= ResponseBodyKeptBytes && !reply->isFinished()) {
        // What is kept is full and more is coming: the status and headers are in, the rest is not read.
        it->bodyCut = true;
        reply->abort();
    }
}

void DeliveryScheduler::land(QNetworkReply* reply)
{
    reply->deleteLater();
    auto it = m_inFlight.find(reply);
    if (it == m_inFlight.end())
        return;
    if (!it->bodyCut && !it->timedOut)
        readAnswer(reply);
    const Flight flight = *it;
    m_inFlight.erase(it);
    if (--m_perAgent[flight.due.agentId] <= 0)
        m_perAgent.remove(flight.due.agentId);

    const qint64 now = m_clock.nowMs();
    int statusCode = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QString networkError;
    if (flight.timedOut) {
        // Past the deadline the answer does not count, even if its status line had arrived: the agent did
        // not finish answering in time.
        statusCode = 0;
        networkError = QStringLiteral("timed out after %1 ms").arg(m_options.timeoutMs);
    } else if (statusCode == 0) {
        networkError = reply->errorString();
    }
    const AttemptOutcome outcome =
        AttemptOutcome::classify(statusCode, networkError, reply->rawHeader("Retry-After"), now);
    const QByteArray body = statusCode > 0 ? flight.body : QByteArray();
    auto finished = m_store->finishAttempt(flight.due, flight.attempt, outcome, now - flight.startedMs,
                                           encodeResponseHeaders(reply->rawHeaderPairs()), body, m_options.schedule,
                                           m_options.offlineAfterConnectionFailures);
    if (!finished) {
        qCWarning(lcDelivery) << "cannot record attempt" << flight.attempt << "of" << flight.due.deliveryId << ":"
                              << finished.error().message;
    } else {
        emit attemptFinished(flight.due.deliveryId, flight.attempt, finished->status);
        if (finished->status == DeliveryStatus::Failed)
            emit deliveryFailed(flight.due.deliveryId);
        if (finished->agentWentOffline)
            emit agentStatusChanged(flight.due.agentId, AgentStatus::Offline);
        if (finished->agentCameOnline)
            emit agentStatusChanged(flight.due.agentId, AgentStatus::Online);
        if (finished->agentPaused)
            emit agentStatusChanged(flight.due.agentId, AgentStatus::Paused);
    }
    dispatch();
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
