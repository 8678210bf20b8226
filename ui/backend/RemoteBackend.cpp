#include "backend/RemoteBackend.h"

#include "backend/AdminEvents.h"
#include "backend/RemoteConnection.h"
#include "backend/RemoteDeliveryLog.h"
#include "backend/RemoteJson.h"
#include "backend/RemoteRetryJob.h"
#include "crypto/Secrets.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>

#include <memory>

namespace Alfe {

namespace {
QString path(const char* format, const QString& id)
{
    return QString::fromLatin1(format).arg(QString::fromLatin1(QUrl::toPercentEncoding(id)));
}

// Wraps `done` so that it is never called once `self` is gone.
template <typename T>
Done<T> guarded(QObject* self, Done<T> done)
{
    return [guard = QPointer<QObject>(self), done = std::move(done)](Result<T> result) {
        if (guard)
            done(std::move(result));
    };
}

// An answer read into `T` by `read`, to `done` while `self` lives.
template <typename T>
RemoteConnection::Answer readInto(QObject* self, Done<T> done, Result<T> (*read)(const QJsonObject&))
{
    return guarded<QJsonObject>(self, [done = std::move(done), read](Result<QJsonObject> answer) {
        if (!answer)
            return done(answer.error());
        done(read(answer.value()));
    });
}

Result<void> nothing(const Result<QJsonObject>& answer)
{
    if (!answer)
        return answer.error();
    return {};
}
} // namespace

RemoteBackend::RemoteBackend(const QUrl& server, const QByteArray& adminToken, QObject* parent)
    : Backend(parent)
    , m_connection(new RemoteConnection(server, adminToken, this))
{}

RemoteBackend::~RemoteBackend() = default;

void RemoteBackend::startEvents()
{
    if (m_events)
        return;
    m_events = new AdminEvents(*m_connection, this);
    connect(m_events, &AdminEvents::event, this, &RemoteBackend::onEvent);
    connect(m_events, &AdminEvents::connectionChanged, this, [this](bool connected, const QString& problem) {
        const bool again = connected && !m_connected;
        m_connected = connected;
        emit connectionChanged(connected, problem);
        if (again) {
            // What happened while the socket was down: every screen reads again.
            emit agentsChanged();
            emit deliveriesRequeued();
        }
    });
    m_connected = false;
    m_events->start();
}

void RemoteBackend::onEvent(const QJsonObject& event)
{
    const QString type = event.value(QLatin1String("type")).toString();
    if (type == u"delivery.received") {
        emit deliveriesArrived();
    } else if (type == u"attempt.finished") {
        emit deliveryChanged(event.value(QLatin1String("deliveryId")).toString());
    } else if (type == u"delivery.failed") {
        emit deliveryChanged(event.value(QLatin1String("deliveryId")).toString());
        emit deliveryFailed(event.value(QLatin1String("deliveryId")).toString());
    } else if (type == u"deliveries.requeued") {
        emit deliveriesRequeued();
    } else if (type == u"agent.status" || type == u"agent.stream" || type == u"webhooks.changed") {
        emit agentsChanged();
    }
}

QString RemoteBackend::location() const
{
    return m_connection->location();
}

QString RemoteBackend::ingressUrl() const
{
    return m_ingressUrl;
}

QString RemoteBackend::webhookUrl(const QString& webhookId) const
{
    const QString known = m_urls.value(webhookId);
    return known.isEmpty() ? m_connection->url(QStringLiteral("/v1/hooks/") + webhookId).toString() : known;
}

void RemoteBackend::snapshot(Done<ConsoleSnapshot> done)
{
    // Three requests at once; the answer comes when all three are in, or with the first failure.
    struct Gather
    {
        ConsoleSnapshot snapshot;
        int pending = 3;
        bool failed = false;
        Done<ConsoleSnapshot> done;
        void fail(const Error& error)
        {
            if (!std::exchange(failed, true))
                done(error);
        }
        void one()
        {
            if (--pending == 0 && !failed)
                done(std::move(snapshot));
        }
    };
    auto gather = std::make_shared<Gather>();
    gather->done = guarded(this, std::move(done));
    m_connection->get(QStringLiteral("/v1/admin/agents"), {}, [gather](Result<QJsonObject> answer) {
        auto agents = answer ? RemoteJson::list(answer.value(), "agents", &RemoteJson::agentEntry)
                             : Result<QList<ConsoleSnapshot::AgentEntry>>(answer.error());
        if (!agents)
            return gather->fail(agents.error());
        gather->snapshot.agents = std::move(agents.value());
        gather->one();
    });
    webhooks([gather](Result<QList<Webhook>> webhooks) {
        if (!webhooks)
            return gather->fail(webhooks.error());
        gather->snapshot.webhooks = std::move(webhooks.value());
        gather->one();
    });
    m_connection->get(QStringLiteral("/v1/admin/stats"), {}, [gather](Result<QJsonObject> answer) {
        auto stats =
            answer ? RemoteJson::stats(answer.value()) : Result<QHash<QString, WebhookActivity>>(answer.error());
        if (!stats)
            return gather->fail(stats.error());
        gather->snapshot.activity = std::move(stats.value());
        gather->one();
    });
}

void RemoteBackend::webhooks(Done<QList<Webhook>> done)
{
    QPointer<RemoteBackend> self(this);
    m_connection->get(QStringLiteral("/v1/admin/webhooks"), {}, [self, done](Result<QJsonObject> answer) {
        if (!self)
            return;
        if (!answer)
            return done(answer.error());
        for (const QJsonValue& w : answer->value(QLatin1String("webhooks")).toArray()) {
            const QJsonObject object = w.toObject();
            self->m_urls.insert(object.value(QLatin1String("id")).toString(),
                                object.value(QLatin1String("url")).toString());
        }
        if (self->m_ingressUrl.isEmpty())
            self->m_ingressUrl = self->m_connection->url(QString()).toString();
        done(RemoteJson::list(answer.value(), "webhooks", &RemoteJson::webhook));
    });
}

void RemoteBackend::webhook(const QString& webhookId, Done<Webhook> done)
{
    m_connection->get(path("/v1/admin/webhooks/%1", webhookId), {}, readInto(this, done, &RemoteJson::webhook));
}

void RemoteBackend::createAgent(const QString& name, const QString& forwardUrl, Done<Agent> done)
{
    QJsonObject body{{QStringLiteral("name"), name}};
    if (!forwardUrl.isEmpty())
        body.insert(QStringLiteral("forwardUrl"), forwardUrl);
    // The answer carries the agent's API token once; the console does not use it and wipes it.
    m_connection->sendForSecret(
        "POST", QStringLiteral("/v1/admin/agents"), body, "token",
        [self = QPointer<RemoteBackend>(this), done](Result<QJsonObject> answer, QByteArray token) {
            Secrets::cleanse(token);
            if (!self)
                return;
            if (!answer)
                return done(answer.error());
            done(RemoteJson::agent(answer.value()));
        });
}

void RemoteBackend::createWebhook(const QString& agentId, Provider provider, const QString& description,
                                  Done<NewSecret> done)
{
    const QJsonObject body{{QStringLiteral("agentId"), agentId},
                           {QStringLiteral("provider"), providerName(provider)},
                           {QStringLiteral("description"), description}};
    QPointer<RemoteBackend> self(this);
    m_connection->sendForSecret(
        "POST", QStringLiteral("/v1/admin/webhooks"), body, "secret",
        [self, done](Result<QJsonObject> answer, QByteArray secret) {
            Secrets::Wipe wipe(secret);
            if (!self)
                return;
            if (!answer)
                return done(answer.error());
            auto webhook = RemoteJson::webhook(answer.value());
            if (!webhook)
                return done(webhook.error());
            if (!Secrets::isWebhookSecret(secret))
                return done(Error{QStringLiteral("bad_answer"), tr("The server's answer holds no secret.")});
            self->m_urls.insert(webhook->id, answer->value(QLatin1String("url")).toString());
            NewSecret created{webhook.value(), secret, 0};
            done(std::move(created));
            Secrets::cleanse(created.secret);
        });
}

void RemoteBackend::rotate(const QString& webhookId, qint64 graceSeconds, Done<NewSecret> done)
{
    QPointer<RemoteBackend> self(this);
    m_connection->sendForSecret(
        "POST", path("/v1/admin/webhooks/%1/rotate", webhookId),
        {{QStringLiteral("graceSeconds"), double(graceSeconds)}}, "secret",
        [self, done, webhookId](Result<QJsonObject> answer, QByteArray secret) {
            Secrets::Wipe wipe(secret);
            if (!self)
                return;
            if (!answer)
                return done(answer.error());
            if (!Secrets::isWebhookSecret(secret))
                return done(Error{QStringLiteral("bad_answer"), tr("The server's answer holds no secret.")});
            NewSecret rotated;
            rotated.webhook.id = webhookId;
            rotated.secret = secret;
            rotated.previousSecretExpiresAtMs =
                std::max<qint64>(0, RemoteJson::timeMs(answer->value(QLatin1String("previousSecretExpiresAt"))));
            done(std::move(rotated));
            Secrets::cleanse(rotated.secret);
        });
}

void RemoteBackend::setEnabled(const QString& webhookId, bool enabled, Done<void> done)
{
    m_connection->send("PATCH", path("/v1/admin/webhooks/%1", webhookId), {{QStringLiteral("enabled"), enabled}},
                       guarded<QJsonObject>(this, [done](Result<QJsonObject> answer) { done(nothing(answer)); }));
}

void RemoteBackend::removeWebhook(const QString& webhookId, Done<void> done)
{
    m_connection->send("DELETE", path("/v1/admin/webhooks/%1", webhookId), {},
                       guarded<QJsonObject>(this, [done](Result<QJsonObject> answer) { done(nothing(answer)); }));
}

void RemoteBackend::setProviderSecret(const QString& webhookId, const QByteArray& secret, qint64 graceSeconds,
                                      Done<Webhook> done)
{
    // Through QJsonObject: the provider's secret is the user's to begin with (typed or pasted into a QString).
    const QJsonObject body{{QStringLiteral("secret"), QString::fromUtf8(secret)},
                           {QStringLiteral("graceSeconds"), double(graceSeconds)}};
    m_connection->send("PUT", path("/v1/admin/webhooks/%1/provider-secret", webhookId), body,
                       readInto(this, done, &RemoteJson::webhook));
}

void RemoteBackend::setToleranceSeconds(const QString& webhookId, int seconds, Done<Webhook> done)
{
    m_connection->send("PUT", path("/v1/admin/webhooks/%1/provider-secret", webhookId),
                       {{QStringLiteral("toleranceSeconds"), seconds}}, readInto(this, done, &RemoteJson::webhook));
}

void RemoteBackend::clearProviderSecret(const QString& webhookId, Done<void> done)
{
    m_connection->send("DELETE", path("/v1/admin/webhooks/%1/provider-secret", webhookId), {},
                       guarded<QJsonObject>(this, [done](Result<QJsonObject> answer) { done(nothing(answer)); }));
}

void RemoteBackend::sendTestEvent(const Webhook& webhook, const QByteArray& body, const HeaderList& headers,
                                  Done<TestEventResult> done)
{
    Q_UNUSED(headers) // the server adds the sample's provider headers itself
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !(document.isObject() || document.isArray()))
        return done(Errors::invalid(tr("The body must be a JSON object or array: %1.").arg(error.errorString())));
    const QJsonValue event = document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
    m_connection->send("POST", path("/v1/admin/webhooks/%1/test", webhook.id), {{QStringLiteral("body"), event}},
                       guarded<QJsonObject>(this, [done](Result<QJsonObject> answer) {
                           TestEventResult result;
                           if (!answer) {
                               // The ingress's refusal comes as an error answer: show it as the ingress said it.
                               const QString code = answer.error().code;
                               if (code == u"unanswered" || code == u"unreachable" || code == u"answer_lost" ||
                                   code == u"bad_answer")
                                   return done(answer.error());
                               result.status = code == u"gone"           ? 410
                                               : code == u"rate_limited" ? 429
                                               : code == u"not_found"    ? 404
                                                                         : 400;
                               result.message = answer.error().message;
                               return done(std::move(result));
                           }
                           result.status = 202;
                           result.deliveryId = answer->value(QLatin1String("deliveryId")).toString();
                           done(std::move(result));
                       }));
}

std::unique_ptr<DeliveryLog> RemoteBackend::deliveryLog()
{
    return std::make_unique<RemoteDeliveryLog>(*m_connection);
}

void RemoteBackend::delivery(const QString& deliveryId, Done<Delivery> done)
{
    m_connection->get(path("/v1/admin/deliveries/%1", deliveryId), {}, readInto(this, done, &RemoteJson::delivery));
}

void RemoteBackend::retry(const QString& deliveryId, Done<void> done)
{
    m_connection->send("POST", path("/v1/admin/deliveries/%1/retry", deliveryId), {},
                       guarded<QJsonObject>(this, [done](Result<QJsonObject> answer) { done(nothing(answer)); }));
}

BackendJob* RemoteBackend::retryMatching(const DeliveryFilter& filter, int chunkSize, QObject* parent)
{
    Q_UNUSED(chunkSize) // the server sizes its own chunks
    return new RemoteRetryJob(*m_connection, filter, parent);
}

void RemoteBackend::refused(const DeliveryStore::RefusedQuery& query, Done<QList<RefusedEntry>> done)
{
    QUrlQuery parameters;
    parameters.addQueryItem(QStringLiteral("limit"), QString::number(std::clamp(query.limit, 1, 500)));
    if (!query.webhookId.isEmpty())
        parameters.addQueryItem(QStringLiteral("webhookId"), query.webhookId);
    const qint64 newerThan = query.newerThanId;
    m_connection->get(QStringLiteral("/v1/admin/refused"), parameters,
                      guarded<QJsonObject>(this, [done, newerThan](Result<QJsonObject> answer) {
                          if (!answer)
                              return done(answer.error());
                          auto entries = RemoteJson::list(answer.value(), "refused", &RemoteJson::refused);
                          if (entries && newerThan > 0)
                              entries->removeIf([newerThan](const RefusedEntry& e) { return e.id <= newerThan; });
                          done(std::move(entries));
                      }));
}

void RemoteBackend::refusedEntry(qint64 id, Done<RefusedEntry> done)
{
    // The list carries each entry whole (headers and body head): the newest page holds the one asked for.
    QUrlQuery parameters;
    parameters.addQueryItem(QStringLiteral("before"), QString::number(id + 1));
    parameters.addQueryItem(QStringLiteral("limit"), QStringLiteral("1"));
    m_connection->get(QStringLiteral("/v1/admin/refused"), parameters,
                      guarded<QJsonObject>(this, [done, id](Result<QJsonObject> answer) {
                          if (!answer)
                              return done(answer.error());
                          auto entries = RemoteJson::list(answer.value(), "refused", &RemoteJson::refused);
                          if (!entries)
                              return done(entries.error());
                          if (entries->isEmpty() || entries->first().id != id)
                              return done(Errors::notFound(tr("Refused request %1 is no longer in the log.").arg(id)));
                          done(entries->first());
                      }));
}

} // namespace Alfe
