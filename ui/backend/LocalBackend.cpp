#include "backend/LocalBackend.h"

#include "backend/LocalDeliveryLog.h"

#include "Engine.h"
#include "crypto/Secrets.h"
#include "crypto/SignatureSchemes.h"
#include "delivery/BulkRetry.h"
#include "domain/Clock.h"
#include "domain/Ulid.h"
#include "ingress/TlsCredentials.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>

namespace Alfe {

namespace {
// BulkRetry on the GUI thread, a chunk per event-loop turn; delivery is woken once it stops.
class LocalRetryJob final : public BackendJob
{
public:
    LocalRetryJob(Engine& engine, const DeliveryFilter& filter, int chunkSize, QObject* parent)
        : BackendJob(parent)
        , m_retry(new BulkRetry(engine.deliveries(), filter, this))
    {
        m_retry->setObjectName(QStringLiteral("bulkRetry"));
        m_retry->setChunkSize(chunkSize);
        connect(m_retry, &BulkRetry::progress, this, &BackendJob::progress);
        connect(m_retry, &BulkRetry::finished, this, [this, &engine](int queued, bool cancelled, const QString& error) {
            if (queued > 0)
                engine.wakeDelivery();
            emit finished(queued, cancelled, error);
        });
    }
    void start() override { m_retry->start(); }
    void cancel() override { m_retry->cancel(); }

private:
    BulkRetry* m_retry;
};

template <typename T>
Result<void> discard(const Result<T>& result)
{
    if (!result)
        return result.error();
    return {};
}
} // namespace

LocalBackend::LocalBackend(Engine& engine, QObject* parent)
    : Backend(parent)
    , m_engine(engine)
    , m_network(new QNetworkAccessManager(this))
{
    connect(&engine, &Engine::deliveriesCommitted, this, &Backend::deliveriesArrived);
    connect(&engine, &Engine::attemptFinished, this,
            [this](const QString& id, int, DeliveryStatus) { emit deliveryChanged(id); });
    connect(&engine, &Engine::deliveriesRequeued, this, &Backend::deliveriesRequeued);
    connect(&engine, &Engine::deliveryFailed, this, &Backend::deliveryFailed);
    connect(&engine, &Engine::agentStatusChanged, this, &Backend::agentsChanged);
    connect(&engine, &Engine::agentStreamChanged, this, &Backend::agentsChanged);
}

LocalBackend::~LocalBackend() = default;

QString LocalBackend::location() const
{
    return QDir::toNativeSeparators(m_engine.dataDir());
}

const Clock& LocalBackend::clock() const
{
    return m_engine.clock();
}

QString LocalBackend::ingressUrl() const
{
    return m_engine.ingressUrl();
}

QString LocalBackend::webhookUrl(const QString& webhookId) const
{
    return m_engine.webhookUrl(webhookId);
}

void LocalBackend::snapshot(Done<ConsoleSnapshot> done)
{
    if (!m_engine.isUnlocked())
        return done(Errors::storage(tr("The data directory is not open yet.")));
    ConsoleSnapshot snapshot;
    const QHash<QString, int> backlogs = m_engine.agents().backlogs();
    for (const Agent& agent : m_engine.agents().list())
        snapshot.agents.append({agent, backlogs.value(agent.id)});
    snapshot.webhooks = m_engine.webhooks().list();
    const qint64 dayAgo = m_engine.clock().nowMs() - 24 * 3600 * 1000;
    auto activity = m_engine.deliveries().activity(QString(), dayAgo);
    if (!activity)
        return done(activity.error());
    snapshot.activity = std::move(activity.value());
    done(std::move(snapshot));
}

void LocalBackend::webhooks(Done<QList<Webhook>> done)
{
    done(m_engine.webhooks().list());
}

void LocalBackend::webhook(const QString& webhookId, Done<Webhook> done)
{
    done(m_engine.webhooks().get(webhookId));
}

void LocalBackend::createAgent(const QString& name, const QString& forwardUrl, Done<Agent> done)
{
    auto created = m_engine.agents().create(name, forwardUrl);
    if (!created)
        return done(created.error());
    Secrets::cleanse(created->token); // the console does not use agent API tokens
    done(created->agent);
}

void LocalBackend::createWebhook(const QString& agentId, Provider provider, const QString& description,
                                 Done<NewSecret> done)
{
    auto created = m_engine.webhooks().create(agentId, provider, description);
    if (!created)
        return done(created.error());
    NewSecret answer{created->webhook, created->secret, 0};
    Secrets::cleanse(created->secret);
    done(std::move(answer));
    Secrets::cleanse(answer.secret);
}

void LocalBackend::rotate(const QString& webhookId, qint64 graceSeconds, Done<NewSecret> done)
{
    auto rotated = m_engine.webhooks().rotate(webhookId, graceSeconds);
    if (!rotated)
        return done(rotated.error());
    NewSecret answer{rotated->webhook, rotated->secret, rotated->previousSecretExpiresAtMs};
    Secrets::cleanse(rotated->secret);
    done(std::move(answer));
    Secrets::cleanse(answer.secret);
}

void LocalBackend::setEnabled(const QString& webhookId, bool enabled, Done<void> done)
{
    done(m_engine.webhooks().setEnabled(webhookId, enabled));
}

void LocalBackend::removeWebhook(const QString& webhookId, Done<void> done)
{
    done(m_engine.webhooks().remove(webhookId));
}

void LocalBackend::setProviderSecret(const QString& webhookId, const QByteArray& secret, qint64 graceSeconds,
                                     Done<Webhook> done)
{
    done(m_engine.webhooks().setProviderSecret(webhookId, secret, graceSeconds));
}

void LocalBackend::setToleranceSeconds(const QString& webhookId, int seconds, Done<Webhook> done)
{
    done(m_engine.webhooks().setToleranceSeconds(webhookId, seconds));
}

void LocalBackend::clearProviderSecret(const QString& webhookId, Done<void> done)
{
    done(discard(m_engine.webhooks().clearProviderSecret(webhookId)));
}

Result<LocalBackend::Signed> LocalBackend::sign(const Webhook& webhook, const QByteArray& body) const
{
    const auto cleanseAll = [](QList<QByteArray>& secrets) {
        for (QByteArray& secret : secrets)
            Secrets::cleanse(secret);
    };
    auto own = m_engine.webhooks().validSecrets(webhook.id);
    if (!own)
        return own.error();
    auto imported = m_engine.webhooks().validProviderSecrets(webhook.id);
    if (!imported) {
        cleanseAll(own.value());
        return imported.error();
    }
    const SchemeKeys keys{own.value(), imported.value()};
    const SignatureScheme& scheme = SignatureSchemes::senderScheme(webhook.provider, keys);
    const qint64 now = m_engine.clock().nowMs();
    Signed result{scheme.name(), scheme.sign(body, keys, now, "msg_" + Ulid::generate(now).toLatin1())};
    cleanseAll(own.value());
    cleanseAll(imported.value());
    if (result.headers.isEmpty())
        return Errors::invalid(tr("The webhook has no valid secret to sign with."));
    return result;
}

void LocalBackend::sendTestEvent(const Webhook& webhook, const QByteArray& body, const HeaderList& headers,
                                 Done<TestEventResult> done)
{
    const QString base = m_engine.runningIngressLocalUrl();
    if (base.isEmpty())
        return done(
            Errors::storage(tr("The ingress is not running, so there is nothing to send to. Check the status bar.")));
    auto signature = sign(webhook, body);
    if (!signature)
        return done(signature.error());
    QNetworkRequest request(QUrl(base + QStringLiteral("/v1/hooks/") + webhook.id));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    for (const auto& [name, value] : signature->headers)
        request.setRawHeader(name, value);
    QNetworkReply* reply = m_network->post(request, body);
    TlsCredentials::acceptPinned(reply, m_engine.runningIngressCertificate()); // over TLS, its own certificate
    connect(reply, &QNetworkReply::finished, this, [reply, scheme = signature->scheme, done] {
        reply->deleteLater();
        TestEventResult result;
        result.scheme = scheme;
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (result.status == 0)
            return done(Errors::storage(tr("The ingress did not answer: %1").arg(reply->errorString())));
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        result.deliveryId = answer.value(QLatin1String("deliveryId")).toString();
        result.message = answer.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString();
        done(std::move(result));
    });
}

std::unique_ptr<DeliveryLog> LocalBackend::deliveryLog()
{
    return std::make_unique<LocalDeliveryLog>(m_engine.database());
}

void LocalBackend::delivery(const QString& deliveryId, Done<Delivery> done)
{
    done(m_engine.deliveries().get(deliveryId));
}

void LocalBackend::retry(const QString& deliveryId, Done<void> done)
{
    auto requeued = m_engine.deliveries().requeue(deliveryId);
    if (requeued)
        m_engine.wakeDelivery();
    done(discard(requeued));
}

BackendJob* LocalBackend::retryMatching(const DeliveryFilter& filter, int chunkSize, QObject* parent)
{
    return new LocalRetryJob(m_engine, filter, chunkSize, parent);
}

void LocalBackend::refused(const DeliveryStore::RefusedQuery& query, Done<QList<RefusedEntry>> done)
{
    done(m_engine.deliveries().refused(query));
}

void LocalBackend::refusedEntry(qint64 id, Done<RefusedEntry> done)
{
    done(m_engine.deliveries().refusedEntry(id));
}

} // namespace Alfe
