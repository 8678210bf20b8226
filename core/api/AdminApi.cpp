#include "api/AdminApi.h"

#include "api/ApiJson.h"
#include "crypto/Secrets.h"
#include "domain/Clock.h"
#include "domain/DeliveryClassifier.h"
#include "store/AdminTokenStore.h"
#include "store/AgentStore.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QJsonArray>

#include <memory>

namespace Alfe {

AdminApi::AdminApi(Database& db, const Clock& clock, AdminTokenStore& tokens, AgentStore& agents,
                   WebhookStore& webhooks, DeliveryStore& deliveries, Hooks hooks)
    : m_db(db)
    , m_clock(clock)
    , m_tokens(tokens)
    , m_agents(agents)
    , m_webhooks(webhooks)
    , m_deliveries(deliveries)
    , m_hooks(std::move(hooks))
    , m_actions(webhooks, m_hooks.urlOf, m_hooks.changed)
    , m_jobs(db, deliveries, clock, m_hooks.requeued)
{}

void AdminApi::handle(const ApiRequest& request, const Reply& reply)
{
    m_actions.sweep();
    QByteArray token = Api::bearerToken(request.headers);
    const bool admin = m_tokens.authenticate(token).ok();
    const bool agentToken = !admin && Secrets::isAgentToken(token) && m_agents.agentForToken(token).ok();
    Secrets::cleanse(token);
    if (agentToken) {
        reply(403,
              ApiJson::error(QStringLiteral("forbidden"),
                             QStringLiteral("An agent token does not open the admin API; send an admin token "
                                            "('alfe admin token create' makes one).")),
              {});
        return;
    }
    if (!admin) {
        reply(401,
              ApiJson::error(QStringLiteral("unauthorized"),
                             QStringLiteral("Send \"Authorization: Bearer <admin token>\" with a valid admin token.")),
              {{"WWW-Authenticate", "Bearer"}});
        return;
    }
    const QByteArray requestKey =
        request.method == "GET" ? QByteArray() : DeliveryClassifier::header(request.headers, "Idempotency-Key");
    if (!m_requestKeys.admit(requestKey, m_clock.nowMs())) {
        reply(409,
              ApiJson::error(QStringLiteral("duplicate_request"),
                             QStringLiteral("A request with this Idempotency-Key was already carried out; its answer "
                                            "did not reach you. Read the current state instead of sending it again.")),
              {});
        return;
    }
    // A copy of a request that was refused may be carried out: only what was done is remembered. (The answer of a
    // test event comes later from the ingress thread; its key stays.)
    auto handling = std::make_shared<bool>(true);
    const Reply answer = [this, reply, requestKey, handling](int status, const QByteArray& json,
                                                             const HeaderList& headers) {
        if (*handling && status >= 400)
            m_requestKeys.forget(requestKey);
        reply(status, json, headers);
    };
    route(request, answer);
    *handling = false;
}

void AdminApi::route(const ApiRequest& request, const Reply& reply)
{
    const QList<QByteArray> parts = request.path.split('/'); // "", "v1", "admin", collection, [id], [action]
    const QByteArray collection = parts.value(3);
    const QString id = QString::fromUtf8(QByteArray::fromPercentEncoding(parts.value(4)));
    const QByteArray& method = request.method;
    if (collection == "agents" && parts.size() == 4)
        agents(request, reply);
    else if (collection == "agents")
        agent(id, request, reply);
    else if (collection == "webhooks" && parts.size() == 4)
        webhooks(request, reply);
    else if (collection == "webhooks")
        webhook(id, parts.value(5), request, reply);
    else if (collection == "deliveries" && parts.size() == 4)
        deliveries(request, reply);
    else if (collection == "deliveries" && parts.size() == 5 && id == u"retry" && method == "POST")
        bulkRetry(request, reply);
    else if (collection == "deliveries")
        delivery(id, parts.size() == 6, reply);
    else if (collection == "jobs")
        job(id, method, reply);
    else if (collection == "refused")
        refused(request, reply);
    else if (collection == "stats")
        stats(reply);
    else
        Api::fail(Api::notFound(), reply);
}

Result<int> AdminApi::pageLimit(const QUrlQuery& query)
{
    if (!query.hasQueryItem(QStringLiteral("limit")))
        return DefaultPageSize;
    bool ok = false;
    const int limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
    if (!ok || limit < 1 || limit > MaxPageSize)
        return Errors::invalid(QStringLiteral("limit must be a whole number from 1 to %1.").arg(MaxPageSize));
    return limit;
}

// GET /v1/admin/refused?before=&limit=&webhookId=: the refused-request log, newest first, in keyset pages.
void AdminApi::refused(const ApiRequest& request, const Reply& reply)
{
    const auto limit = pageLimit(request.query);
    if (!limit)
        return Api::fail(limit.error(), reply);
    DeliveryStore::RefusedQuery query;
    // One more than asked tells whether a next page exists; the store reads 500 at most, so a page of 500 says
    // "more" when it is full (the next one may come back empty).
    query.limit = std::min(limit.value() + 1, int(DeliveryStore::MaxPageSize));
    query.withBodies = true;
    query.webhookId = request.query.queryItemValue(QStringLiteral("webhookId"), QUrl::FullyDecoded);
    if (request.query.hasQueryItem(QStringLiteral("before"))) {
        bool ok = false;
        query.olderThanId = request.query.queryItemValue(QStringLiteral("before")).toLongLong(&ok);
        if (!ok || query.olderThanId < 1)
            return Api::fail(Errors::invalid(QStringLiteral("before must be a nextCursor of this route.")), reply);
    }
    auto entries = m_deliveries.refused(query);
    if (!entries)
        return Api::fail(entries.error(), reply);
    const bool more =
        entries->size() > limit.value() || (query.limit == limit.value() && entries->size() == limit.value());
    if (more)
        entries->resize(limit.value());
    QJsonArray list;
    for (const RefusedEntry& entry : entries.value()) {
        QJsonObject json = ApiJson::refused(entry);
        json.insert(QStringLiteral("id"), QString::number(entry.id));
        list.append(json);
    }
    const QJsonValue next = more ? QJsonValue(QString::number(entries->last().id)) : QJsonValue();
    reply(200, ApiJson::compact({{QStringLiteral("refused"), list}, {QStringLiteral("nextCursor"), next}}), {});
}

// GET /v1/admin/stats: per webhook, deliveries received in the last 24 hours, failures waiting for a person and
// the last delivery, from one query over the log's indexes (DeliveryStore::activity, as the webhooks list shows).
void AdminApi::stats(const Reply& reply)
{
    const qint64 since = m_clock.nowMs() - 24 * 3600 * 1000;
    auto activity = m_deliveries.activity({}, since);
    if (!activity)
        return Api::fail(activity.error(), reply);
    QJsonArray list;
    for (const Webhook& webhook : m_webhooks.list()) {
        const WebhookActivity a = activity->value(webhook.id);
        list.append(QJsonObject{
            {QStringLiteral("webhookId"), webhook.id},
            {QStringLiteral("agentId"), webhook.agentId},
            {QStringLiteral("received24h"), a.since},
            {QStringLiteral("failures"), a.failures},
            {QStringLiteral("lastDeliveryAt"),
             a.lastDeliveryAtMs > 0 ? QJsonValue(ApiJson::timestamp(a.lastDeliveryAtMs)) : QJsonValue()},
        });
    }
    reply(200,
          ApiJson::compact({{QStringLiteral("since"), ApiJson::timestamp(since)}, {QStringLiteral("webhooks"), list}}),
          {});
}

} // namespace Alfe
