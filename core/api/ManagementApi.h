#pragma once

#include "api/ApiRequest.h"
#include "api/WebhookActions.h"
#include "domain/Delivery.h"
#include "domain/Domain.h"
#include "domain/Result.h"

#include <functional>

namespace Alfe {

class AgentStore;
class DeliveryStore;
class WebhookStore;

// The management API for agents that integrate themselves: bearer agent tokens, and an
// agent sees only its own webhooks and deliveries (anything else is 404, like an unknown id).
// It runs on the writer's thread and connection (IngressServer hands requests over): every write it makes
// (a token's last use, a new webhook, a rotation) is serialised with the ingress's group commits instead of
// contending for SQLite's lock from the ingress thread.
class ManagementApi final
{
public:
    using Reply = ApiReply;
    using UrlOf = WebhookActions::UrlOf;
    using Changed = WebhookActions::Changed;

    // `changed` runs after a webhook changed, `requeued` after a delivery was queued again.
    ManagementApi(AgentStore& agents, WebhookStore& webhooks, DeliveryStore& deliveries, UrlOf urlOf, Changed changed,
                  std::function<void()> requeued);
    Q_DISABLE_COPY_MOVE(ManagementApi)

    // Every route of Routes::all() outside /v1/admin/ but the ingress. `path` has no query string.
    void handle(const ApiRequest& request, const Reply& reply);

private:
    void webhooks(const Agent& agent, const QByteArray& method, const ApiRequest& request, const Reply& reply);
    void webhook(const Agent& agent, const QString& id, const QByteArray& method, const ApiRequest& request,
                 const Reply& reply);
    void deliveries(const Agent& agent, const ApiRequest& request, const Reply& reply);
    void delivery(const Agent& agent, const QString& id, bool retry, const Reply& reply);

    Result<Webhook> ownWebhook(const Agent& agent, const QString& id) const;

    AgentStore& m_agents;
    WebhookStore& m_webhooks;
    DeliveryStore& m_deliveries;
    std::function<void()> m_requeued;
    WebhookActions m_actions;
};

} // namespace Alfe
