#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"
#include "ingress/RateLimiter.h"

#include <QHash>
#include <QHttpServerRequest>

#include <functional>

namespace Alfe {

class Clock;
class DeliveryWriter;
class WebhookStore;
struct IngressOptions;

// POST /v1/hooks/{webhookId}: checks a request in the order 404, 410, 429, 415, 401, 400 (the signature is
// verified before the body is parsed), then hands it to the writer and answers once it is on disk.
// Every refusal is written to the refused-request log.
class HookReceiver final
{
public:
    using Reply = std::function<void(int status, const QByteArray& json, const HeaderList& extraHeaders)>;

    HookReceiver(WebhookStore& webhooks, DeliveryWriter& writer, const Clock& clock, const IngressOptions& options);
    ~HookReceiver();
    Q_DISABLE_COPY_MOVE(HookReceiver)

    void receive(const QString& webhookId, const QHttpServerRequest& request, const QString& remote, Reply reply);
    // Forget what is cached about a webhook (after a change through the API).
    void invalidate(const QString& webhookId);
    void setRateLimit(int perSecond) { m_rateLimiter.setRate(perSecond); }

private:
    struct Cached
    {
        bool found = false;
        Webhook webhook;
        QList<QByteArray> secrets;
        qint64 validUntilMs = 0;
    };

    const Cached& lookup(const QString& webhookId);
    void refuse(int status, const char* code, const QString& message, const QHttpServerRequest& request,
                const QString& remote, const Reply& reply, const HeaderList& extraHeaders = {});
    void drop(Cached& cached);
    void dropAll();
    // Drops the cache when another connection changed a webhook or a secret since the last request.
    void followChanges();

    WebhookStore& m_webhooks;
    DeliveryWriter& m_writer;
    const Clock& m_clock;
    const IngressOptions& m_options;
    RateLimiter m_rateLimiter;
    QHash<QString, Cached> m_cache;
    qint64 m_generation = -1;
};

} // namespace Alfe
