// AdminApi: GET|POST /v1/admin/agents, GET|PATCH|DELETE /v1/admin/agents/{id}.
#include "api/AdminApi.h"
#include "api/ApiJson.h"
#include "crypto/Secrets.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <QJsonArray>

namespace Alfe {

void AdminApi::agents(const ApiRequest& request, const Reply& reply)
{
    if (request.method == "GET") {
        const QHash<QString, int> backlogs = m_agents.backlogs(); // one query for all
        QJsonArray list;
        for (const Agent& agent : m_agents.list())
            list.append(ApiJson::agent(agent, backlogs.value(agent.id)));
        reply(200, ApiJson::compact({{QStringLiteral("agents"), list}}), {});
        return;
    }
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    const QJsonValue name = body->value(QLatin1String("name"));
    if (!name.isString())
        return Api::fail(Errors::invalid(QStringLiteral("name is required: a string.")), reply);
    const auto forwardUrl = Api::optionalString(body.value(), "forwardUrl");
    if (!forwardUrl)
        return Api::fail(forwardUrl.error(), reply);
    auto created = m_agents.create(name.toString(), forwardUrl->value_or(QString()));
    if (!created)
        return Api::fail(created.error(), reply);
    m_actions.replyWithSecret(201, ApiJson::agent(created->agent, 0), "token", created->token,
                              {{"Location", "/v1/admin/agents/" + created->agent.id.toUtf8()}}, reply);
}

void AdminApi::agent(const QString& id, const ApiRequest& request, const Reply& reply)
{
    if (request.method == "PATCH")
        return patchAgent(id, request, reply);
    if (request.method == "DELETE")
        return removeAgent(id, reply);
    answerAgent(id, reply);
}

void AdminApi::answerAgent(const QString& id, const Reply& reply)
{
    auto agent = m_agents.get(id);
    if (!agent)
        return Api::fail(agent.error(), reply);
    reply(200, ApiJson::compact(ApiJson::agent(agent.value(), m_agents.backlog(id))), {});
}

// PATCH {name?, forwardUrl?, paused?}. Everything is checked before anything changes. A new forward URL starts
// afresh (online, or offline without one), as `alfe agent set` does; "paused": true then stops forwarding, and
// "paused": false forwards again at once (`alfe agent resume`; an agent without a forward URL goes offline).
void AdminApi::patchAgent(const QString& id, const ApiRequest& request, const Reply& reply)
{
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    const QJsonValue nameValue = body->value(QLatin1String("name"));
    const QJsonValue urlValue = body->value(QLatin1String("forwardUrl"));
    const QJsonValue paused = body->value(QLatin1String("paused"));
    if (nameValue.isUndefined() && urlValue.isUndefined() && paused.isUndefined())
        return Api::fail(Errors::invalid(QStringLiteral("Send \"name\", \"forwardUrl\", \"paused\" or several.")),
                         reply);
    if (!nameValue.isUndefined() && !nameValue.isString())
        return Api::fail(Errors::invalid(QStringLiteral("name must be a string.")), reply);
    if (!urlValue.isUndefined() && !urlValue.isString() && !urlValue.isNull())
        return Api::fail(Errors::invalid(QStringLiteral("forwardUrl must be a string (\"\" or null: none).")), reply);
    if (!paused.isUndefined() && !paused.isBool())
        return Api::fail(Errors::invalid(QStringLiteral("paused must be true or false.")), reply);
    if (nameValue.isString()) {
        if (auto name = AgentStore::validateName(nameValue.toString()); !name)
            return Api::fail(name.error(), reply);
    }
    if (auto url = AgentStore::validateForwardUrl(urlValue.toString()); !url)
        return Api::fail(url.error(), reply);
    auto agent = m_agents.get(id);
    if (!agent)
        return Api::fail(agent.error(), reply);

    if (nameValue.isString()) {
        if (auto ok = m_agents.rename(id, nameValue.toString()); !ok)
            return Api::fail(ok.error(), reply);
    }
    if (!urlValue.isUndefined()) {
        if (auto ok = m_agents.setForwardUrl(id, urlValue.toString()); !ok)
            return Api::fail(ok.error(), reply);
    }
    if (paused.isBool()) {
        auto now = m_agents.get(id);
        if (!now)
            return Api::fail(now.error(), reply);
        Result<void> ok;
        if (paused.toBool())
            ok = m_agents.setStatus(id, AgentStatus::Paused);
        else if (!now->forwardUrl.isEmpty())
            ok = m_agents.resume(id);
        else if (now->status == AgentStatus::Paused)
            ok = m_agents.setStatus(id, AgentStatus::Offline);
        if (!ok)
            return Api::fail(ok.error(), reply);
    }
    answerAgent(id, reply);
}

// DELETE: the agent with its tokens, webhooks and their secrets; its deliveries stay in the log.
void AdminApi::removeAgent(const QString& id, const Reply& reply)
{
    const QList<Webhook> webhooks = m_webhooks.list(id);
    if (auto removed = m_agents.remove(id); !removed)
        return Api::fail(removed.error(), reply);
    for (const Webhook& webhook : webhooks)
        m_hooks.changed(webhook.id);
    reply(204, {}, {});
}

} // namespace Alfe
