#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"
#include "ingress/RateLimiter.h"

#include <QHash>

#include <functional>

namespace Alfe {

class Clock;
class DeliveryWriter;
class WebhookStore;
struct IngressOptions;

// What the receiver reads of a request: from the network (IngressServer::dispatch), or a test event the admin API
// signed (POST /v1/admin/webhooks/{id}/test), which takes the same path.
struct HookRequest
{
    QByteArray path; // the request target's path, for the refused log
    HeaderList headers;
    QByteArray body;
};

// POST /v1/hooks/{webhookId}: checks a request in the order 404, 410, 415, 401, 429, 400 (the signature is
// verified before the body is parsed, by every scheme that applies to the webhook's provider (SignatureSchemes), and
// only verified requests count against the webhook's rate limit, so that whoever knows a URL cannot spend its budget),
// then hands it to the writer and answers once it is on disk. Refusals before the signature is verified count against
// the source address instead: past its rate they are answered 429 and not logged. Every other refusal is written to the
// refused-request log.
class HookReceiver final
{
public:
    using Reply = std::function<void(int status, const QByteArray& json, const HeaderList& extraHeaders)>;

    HookReceiver(WebhookStore& webhooks, DeliveryWriter& writer, const Clock& clock, const IngressOptions& options);
    ~HookReceiver();
    Q_DISABLE_COPY_MOVE(HookReceiver)

    void receive(const QString& webhookId, const HookRequest& request, const QString& remote, Reply reply);
    // Forget what is cached about a webhook (after a change through the API).
    void invalidate(const QString& webhookId);
    void setRateLimit(int perSecond) { m_rateLimiter.setRate(perSecond); }
    // Whether a refusal from `address` may still be logged (the guard's refusals ask too); counts it.
    bool takeRefusal(const QString& address);

private:
    struct Cached
    {
        bool found = false;
        Webhook webhook;
        QList<QByteArray> secrets;         // Alfe's own, current first
        QList<QByteArray> providerSecrets; // imported from the provider, current first
        bool unreadable = false;           // a secret could not be read: answered 503, looked up again soon
        qint64 validUntilMs = 0;
    };

    const Cached& lookup(const QString& webhookId);
    void refuse(int status, const char* code, const QString& message, const HookRequest& request, const QString& remote,
                const Reply& reply, const HeaderList& extraHeaders = {}, const QString& detail = {});
    // A refusal of a request not (yet) known to come from the webhook's sender: counted against `remote`.
    void refuseUnverified(int status, const char* code, const QString& message, const HookRequest& request,
                          const QString& remote, const Reply& reply, const QString& detail = {});
    void drop(Cached& cached);
    void dropAll();
    // Drops the cache when another connection changed a webhook or a secret since the last request.
    void followChanges();

    WebhookStore& m_webhooks;
    DeliveryWriter& m_writer;
    const Clock& m_clock;
    const IngressOptions& m_options;
    RateLimiter m_rateLimiter; // verified requests, per webhook
    RateLimiter m_refusals;    // refused requests, per source address
    QHash<QString, Cached> m_cache;
    qint64 m_generation = -1;
};

} // namespace Alfe
