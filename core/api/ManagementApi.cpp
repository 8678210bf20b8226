#include "api/ManagementApi.h"

#include "api/ApiJson.h"
#include "crypto/Secrets.h"
#include "store/AgentStore.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QJsonArray>
#include <QUrlQuery>

namespace Alfe {

ManagementApi::ManagementApi(AgentStore& agents, WebhookStore& webhooks, DeliveryStore& deliveries, UrlOf urlOf,
                             Changed changed, std::function<void()> requeued)
    : m_agents(agents)
    , m_webhooks(webhooks)
    , m_deliveries(deliveries)
    , m_requeued(std::move(requeued))
    , m_actions(webhooks, std::move(urlOf), std::move(changed))
{}

Result<Webhook> ManagementApi::ownWebhook(const Agent& agent, const QString& id) const
{
    auto webhook = m_webhooks.get(id);
    if (!webhook || webhook->agentId != agent.id)
        return Api::notFound();
    return webhook;
}

void ManagementApi::handle(const ApiRequest& request, const Reply& reply)
{
    m_actions.sweep();
    const QByteArray& method = request.method;
    const QByteArray& path = request.path;
    QByteArray token = Api::bearerToken(request.headers);
    auto agent = m_agents.authenticate(token);
    Secrets::cleanse(token);
    if (!agent) {
        reply(401,
              ApiJson::error(QStringLiteral("unauthorized"),
                             QStringLiteral("Send \"Authorization: Bearer <agent token>\" with a valid token.")),
              {{"WWW-Authenticate", "Bearer"}});
        return;
    }
    const QList<QByteArray> parts = path.split('/'); // "", "v1", collection, [id], [action]
    const QByteArray collection = parts.value(2);
    const QString id = QString::fromUtf8(QByteArray::fromPercentEncoding(parts.value(3)));
    if (collection == "agents") {
        reply(200, ApiJson::compact(ApiJson::agent(agent.value(), m_agents.backlog(agent->id))), {});
    } else if (collection == "webhooks" && parts.size() == 3) {
        webhooks(agent.value(), method, request, reply);
    } else if (collection == "webhooks" && parts.size() == 4) {
        webhook(agent.value(), id, method, request, reply);
    } else if (collection == "webhooks" && parts.size() == 5) {
        auto owned = ownWebhook(agent.value(), id);
        if (!owned)
            return Api::fail(owned.error(), reply);
        if (parts[4] == "provider-secret")
            m_actions.providerSecret(id, method, request, reply);
        else
            m_actions.rotate(id, request, reply);
    } else if (collection == "deliveries" && parts.size() == 3) {
        deliveries(agent.value(), request, reply);
    } else if (collection == "deliveries") {
        delivery(agent.value(), id, parts.size() == 5, reply);
    } else {
        Api::fail(Api::notFound(), reply);
    }
}

void ManagementApi::webhooks(const Agent& agent, const QByteArray& method, const ApiRequest& request,
                             const Reply& reply)
{
    if (method == "GET") {
        QJsonArray list;
        for (const Webhook& w : m_webhooks.list(agent.id))
            list.append(m_actions.json(w));
        reply(200, ApiJson::compact({{QStringLiteral("webhooks"), list}}), {});
        return;
    }
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    m_actions.create(agent.id, body.value(), "/v1/webhooks/", reply);
}

void ManagementApi::webhook(const Agent& agent, const QString& id, const QByteArray& method, const ApiRequest& request,
                            const Reply& reply)
{
    auto owned = ownWebhook(agent, id);
    if (!owned)
        return Api::fail(owned.error(), reply);
    if (method == "DELETE")
        return m_actions.remove(id, reply);
    if (method == "PATCH")
        return m_actions.patch(id, request, reply);
    reply(200, ApiJson::compact(m_actions.json(owned.value())), {});
}

void ManagementApi::deliveries(const Agent& agent, const ApiRequest& request, const Reply& reply)
{
    const QUrlQuery& query = request.query;
    DeliveryFilter filter;
    filter.agentId = agent.id;
    filter.webhookId = query.queryItemValue(QStringLiteral("webhookId"), QUrl::FullyDecoded);
    if (!filter.webhookId.isEmpty() && m_webhooks.ownerOf(filter.webhookId) != agent.id)
        return Api::fail(Api::notFound(), reply);
    const QString status = query.queryItemValue(QStringLiteral("status"), QUrl::FullyDecoded);
    if (!status.isEmpty()) {
        filter.status = deliveryStatusFromName(status);
        if (!filter.status) {
            return Api::fail(Errors::invalid(QStringLiteral("status must be one of queued, delivering, retrying, "
                                                            "delivered, failed, duplicate.")),
                             reply);
        }
    }
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        filter.limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok)
            return Api::fail(Errors::invalid(QStringLiteral("limit must be a number from 1 to 500.")), reply);
    }
    filter.cursor = query.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded);
    auto page = m_deliveries.list(filter);
    if (!page)
        return Api::fail(page.error(), reply);
    QJsonArray items;
    for (const Delivery& d : page->items)
        items.append(ApiJson::deliverySummary(d));
    reply(200,
          ApiJson::compact({{QStringLiteral("deliveries"), items},
                            {QStringLiteral("nextCursor"),
                             page->nextCursor.isEmpty() ? QJsonValue() : QJsonValue(page->nextCursor)}}),
          {});
}

void ManagementApi::delivery(const Agent& agent, const QString& id, bool retry, const Reply& reply)
{
    auto found = m_deliveries.get(id);
    if (!found || m_webhooks.ownerOf(found->webhookId) != agent.id)
        return Api::fail(Api::notFound(), reply);
    if (!retry) {
        reply(200, ApiJson::compact(ApiJson::deliveryDetail(found.value())), {});
        return;
    }
    auto queued = m_deliveries.requeue(id);
    if (!queued)
        return Api::fail(queued.error(), reply);
    m_requeued();
    reply(202,
          ApiJson::compact({{QStringLiteral("deliveryId"), id}, {QStringLiteral("status"), QStringLiteral("queued")}}),
          {});
}

} // namespace Alfe
