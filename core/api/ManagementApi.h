#pragma once

#include "crypto/Secrets.h"
#include "domain/Delivery.h"
#include "domain/Domain.h"
#include "domain/Result.h"

#include <QJsonObject>
#include <QUrlQuery>

#include <functional>

namespace Alfe {

class AgentStore;
class DeliveryStore;
class WebhookStore;

// What the management API needs of a request: copied off QHttpServerRequest on the ingress thread, so that
// the API can run on the writer's thread.
struct ApiRequest
{
    QByteArray method;
    QByteArray path; // no query string
    HeaderList headers;
    QByteArray body;
    QUrlQuery query;
};

// The management API for agents that integrate themselves: bearer agent tokens, and an
// agent sees only its own webhooks and deliveries (anything else is 404, like an unknown id).
// It runs on the writer's thread and connection (IngressServer hands requests over): every write it makes
// (a token's last use, a new webhook, a rotation) is serialised with the ingress's group commits instead of
// contending for SQLite's lock from the ingress thread.
class ManagementApi final
{
public:
    using Reply = std::function<void(int status, const QByteArray& json, const HeaderList& extraHeaders)>;
    using UrlOf = std::function<QString(const QString& webhookId)>;
    using Changed = std::function<void(const QString& webhookId)>;

    // `changed` runs after a webhook changed, `requeued` after a delivery was queued again.
    ManagementApi(AgentStore& agents, WebhookStore& webhooks, DeliveryStore& deliveries, UrlOf urlOf, Changed changed,
                  std::function<void()> requeued);
    Q_DISABLE_COPY_MOVE(ManagementApi)

    // Every route of Routes::all() except the ingress. `path` has no query string.
    void handle(const ApiRequest& request, const Reply& reply);

private:
    void webhooks(const Agent& agent, const QByteArray& method, const ApiRequest& request, const Reply& reply);
    void webhook(const Agent& agent, const QString& id, const QByteArray& method, const ApiRequest& request,
                 const Reply& reply);
    void rotate(const Agent& agent, const QString& id, const ApiRequest& request, const Reply& reply);
    // PUT|DELETE /v1/webhooks/{id}/provider-secret (ProviderSecretRoute.cpp).
    void providerSecret(const Agent& agent, const QString& id, const QByteArray& method, const ApiRequest& request,
                        const Reply& reply);
    void deliveries(const Agent& agent, const ApiRequest& request, const Reply& reply);
    void delivery(const Agent& agent, const QString& id, bool retry, const Reply& reply);

    Result<Webhook> ownWebhook(const Agent& agent, const QString& id) const;
    static Result<QJsonObject> jsonBody(const ApiRequest& request);
    // Answers 503 for a store or crypto failure with a fixed message (the detail goes to the log).
    static void fail(const Error& error, const Reply& reply);
    // body[key] as a whole number from `min` to `max`; nothing when absent; an error naming the key otherwise.
    static Result<std::optional<qint64>> wholeNumber(const QJsonObject& body, const char* key, qint64 min, qint64 max);
    // Answers `object` with the secret added, cleanses the secret, and wipes the answer once the ingress has
    // let go of it (Secrets::Shredder).
    void replyWithSecret(int status, const QJsonObject& object, QByteArray& secret, const HeaderList& headers,
                         const Reply& reply);

    AgentStore& m_agents;
    WebhookStore& m_webhooks;
    DeliveryStore& m_deliveries;
    UrlOf m_urlOf;
    Changed m_changed;
    std::function<void()> m_requeued;
    Secrets::Shredder m_answers; // create and rotate answers, until the ingress has written them
};

} // namespace Alfe
