#pragma once

#include "api/AdminJobs.h"
#include "api/ApiRequest.h"
#include "api/RequestKeys.h"
#include "api/WebhookActions.h"
#include "domain/Delivery.h"
#include "domain/Result.h"

#include <functional>

namespace Alfe {

class AdminTokenStore;
class AgentStore;
class Clock;
class Database;
class DeliveryStore;
class WebhookStore;
struct DeliveryViewFilter;

// The admin API (/v1/admin/…, SPEC §13): what the console does, over HTTP, for whoever holds an admin token.
// Bearer admin tokens only: none, a malformed, unknown or revoked one is 401 (with WWW-Authenticate: Bearer), an
// agent's token 403. It runs on the writer's thread and connection beside ManagementApi, so its writes are
// serialised with the ingress's group commits; a test event goes back to the ingress thread to be received like
// any other request (`ingest`).
//
// Files: AdminApi.cpp (authentication, dispatch, refused log, stats), AdminAgentRoutes.cpp,
// AdminWebhookRoutes.cpp (with the test event), AdminDeliveryRoutes.cpp (the log, one delivery, retries, jobs).
class AdminApi final
{
public:
    using Reply = ApiReply;
    // Receives a request for webhook `webhookId` through the ingress's own checks (signature, rate limit, dedup,
    // group commit) and answers what the ingress answers. Called on the writer's thread.
    using Ingest = std::function<void(const QString& webhookId, const HeaderList& headers, const QByteArray& body,
                                      const QString& remote, const ApiReply& reply)>;
    struct Hooks
    {
        WebhookActions::UrlOf urlOf;
        WebhookActions::Changed changed; // a webhook changed
        std::function<void()> requeued;  // deliveries were queued again
        Ingest ingest;
    };

    AdminApi(Database& db, const Clock& clock, AdminTokenStore& tokens, AgentStore& agents, WebhookStore& webhooks,
             DeliveryStore& deliveries, Hooks hooks);
    Q_DISABLE_COPY_MOVE(AdminApi)

    // Every /v1/admin/ route of Routes::all(). `path` has no query string.
    void handle(const ApiRequest& request, const Reply& reply);

    static constexpr int DefaultPageSize = 100;
    static constexpr int MaxPageSize = 500;
    static constexpr int MaxBulkIds = 10'000;

private:
    // The routes, once the caller is known to hold an admin token.
    void route(const ApiRequest& request, const Reply& reply);
    // AdminAgentRoutes.cpp
    void agents(const ApiRequest& request, const Reply& reply);
    void agent(const QString& id, const ApiRequest& request, const Reply& reply);
    void patchAgent(const QString& id, const ApiRequest& request, const Reply& reply);
    void removeAgent(const QString& id, const Reply& reply);
    void answerAgent(const QString& id, const Reply& reply);
    // AdminWebhookRoutes.cpp
    void webhooks(const ApiRequest& request, const Reply& reply);
    void webhook(const QString& id, const QByteArray& action, const ApiRequest& request, const Reply& reply);
    void testEvent(const Webhook& webhook, const ApiRequest& request, const Reply& reply);
    // AdminDeliveryRoutes.cpp
    void deliveries(const ApiRequest& request, const Reply& reply);
    void deliveriesByIds(const QString& ids, const Reply& reply);
    void delivery(const QString& id, bool retry, const Reply& reply);
    void bulkRetry(const ApiRequest& request, const Reply& reply);
    void job(const QString& id, const QByteArray& method, const Reply& reply);
    Result<DeliveryViewFilter> filterFrom(const std::function<QString(const char*)>& parameter) const;
    QString agentOf(const QString& webhookId);
    // AdminApi.cpp
    // ?limit= as a page size from 1 to MaxPageSize (DefaultPageSize when absent); an error naming it otherwise.
    static Result<int> pageLimit(const QUrlQuery& query);
    void refused(const ApiRequest& request, const Reply& reply);
    void stats(const Reply& reply);

    Database& m_db;
    const Clock& m_clock;
    AdminTokenStore& m_tokens;
    AgentStore& m_agents;
    WebhookStore& m_webhooks;
    DeliveryStore& m_deliveries;
    Hooks m_hooks;
    WebhookActions m_actions;
    AdminJobs m_jobs;
    RequestKeys m_requestKeys;         // Idempotency-Key of changes: a resent request is not carried out twice
    QHash<QString, QString> m_agentOf; // webhook id -> agent id (a webhook never changes agent)
};

} // namespace Alfe
