#include "ingress/HookReceiver.h"

#include "api/ApiJson.h"
#include "crypto/Secrets.h"
#include "crypto/SignatureSchemes.h"
#include "domain/Clock.h"
#include "domain/DeliveryClassifier.h"
#include "domain/JsonText.h"
#include "domain/Logging.h"
#include "ingress/ConnectionGuard.h"
#include "ingress/IngressOptions.h"
#include "store/DeliveryWriter.h"
#include "store/WebhookStore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <limits>

namespace Alfe {

namespace {
// Webhooks and their secrets are cached until they change: changes through this process's API invalidate
// one entry at once; a change by any other connection (the CLI beside `alfe serve`, the console's own
// thread) moves WebhookStore::changeGeneration(), which drops the whole cache before the next request is
// checked. An entry also ends when its previous secret expires.
constexpr int MaxCachedWebhooks = 4096;
constexpr qint64 UnreadableRetryMs = 1000;
} // namespace

HookReceiver::HookReceiver(WebhookStore& webhooks, DeliveryWriter& writer, const Clock& clock,
                           const IngressOptions& options)
    : m_webhooks(webhooks)
    , m_writer(writer)
    , m_clock(clock)
    , m_options(options)
    , m_rateLimiter(options.rateLimitPerSecond)
    , m_refusals(options.refusedPerSecond)
{}

HookReceiver::~HookReceiver()
{
    dropAll();
}

void HookReceiver::drop(Cached& cached)
{
    for (QList<QByteArray>* list : {&cached.secrets, &cached.providerSecrets}) {
        for (QByteArray& secret : *list)
            Secrets::cleanse(secret);
        list->clear();
    }
}

void HookReceiver::invalidate(const QString& webhookId)
{
    auto it = m_cache.find(webhookId);
    if (it != m_cache.end()) {
        drop(*it);
        m_cache.erase(it);
    }
}

void HookReceiver::dropAll()
{
    for (Cached& cached : m_cache)
        drop(cached);
    m_cache.clear();
}

void HookReceiver::followChanges()
{
    const qint64 generation = m_webhooks.changeGeneration();
    if (generation != m_generation || generation < 0) {
        dropAll();
        m_generation = generation;
    }
}

const HookReceiver::Cached& HookReceiver::lookup(const QString& webhookId)
{
    followChanges();
    const qint64 now = m_clock.nowMs();
    auto it = m_cache.find(webhookId);
    if (it != m_cache.end() && it->validUntilMs > now)
        return *it;
    if (it != m_cache.end())
        invalidate(webhookId);
    if (m_cache.size() >= MaxCachedWebhooks)
        dropAll();
    Cached fresh;
    fresh.validUntilMs = std::numeric_limits<qint64>::max();
    if (auto webhook = m_webhooks.get(webhookId)) {
        fresh.found = true;
        fresh.webhook = webhook.value();
        for (const auto& expiry : {webhook->previousSecretExpiresAtMs, webhook->previousProviderSecretExpiresAtMs}) {
            if (expiry)
                fresh.validUntilMs = std::min(fresh.validUntilMs, *expiry);
        }
        auto secrets = m_webhooks.validSecrets(webhookId);
        auto providerSecrets = m_webhooks.validProviderSecrets(webhookId);
        if (secrets)
            fresh.secrets = std::move(secrets.value());
        if (providerSecrets)
            fresh.providerSecrets = std::move(providerSecrets.value());
        if (!secrets || !providerSecrets) {
            // Not "no secret": a lock or an I/O error. Verifying without the secrets would refuse genuine
            // requests as unsigned; they get 503 (the sender retries) until a lookup a second later succeeds.
            qCWarning(lcStore) << "cannot read the secrets of" << webhookId << ":"
                               << (secrets ? providerSecrets.error().message : secrets.error().message);
            fresh.unreadable = true;
            fresh.validUntilMs = now + UnreadableRetryMs;
        }
    }
    return *m_cache.insert(webhookId, std::move(fresh));
}

void HookReceiver::refuse(int status, const char* code, const QString& message, const HookRequest& request,
                          const QString& remote, const Reply& reply, const HeaderList& extraHeaders,
                          const QString& detail)
{
    RefusedRequest refused;
    refused.status = status;
    refused.code = code;
    refused.detail = detail;
    refused.method = "POST";
    refused.path = request.path;
    refused.headers = request.headers;
    refused.bodyHead = request.body.left(RefusedRequest::BodyHeadBytes);
    refused.declaredBodySize = request.body.size();
    refused.remoteAddress = remote;
    m_writer.submitRefused(refused);
    reply(status, ApiJson::error(QString::fromLatin1(code), message), extraHeaders);
}

bool HookReceiver::takeRefusal(const QString& address)
{
    return m_refusals.tryAcquire(address, m_clock.elapsedMs());
}

void HookReceiver::refuseUnverified(int status, const char* code, const QString& message, const HookRequest& request,
                                    const QString& remote, const Reply& reply, const QString& detail)
{
    int retryAfter = 1;
    if (!m_refusals.tryAcquire(remote, m_clock.elapsedMs(), &retryAfter)) {
        reply(429,
              ApiJson::error(QStringLiteral("too_many_refusals"),
                             QStringLiteral("Over %1 refused requests per second from this address; retry later.")
                                 .arg(m_refusals.rate())),
              {{"Retry-After", QByteArray::number(retryAfter)}});
        return;
    }
    refuse(status, code, message, request, remote, reply, {}, detail);
}

void HookReceiver::receive(const QString& webhookId, const HookRequest& request, const QString& remote, Reply reply)
{
    const Cached& hook = lookup(webhookId);
    if (!hook.found) {
        refuseUnverified(404, "not_found", QStringLiteral("No webhook with this id."), request, remote, reply);
        return;
    }
    if (!hook.webhook.enabled) {
        refuseUnverified(410, "gone", QStringLiteral("This webhook is disabled."), request, remote, reply);
        return;
    }
    if (hook.unreadable) {
        reply(503,
              ApiJson::error(QStringLiteral("storage_unavailable"),
                             QStringLiteral("The webhook's secrets cannot be read right now; nothing was accepted. "
                                            "Retry.")),
              {{"Retry-After", "5"}});
        return;
    }
    const HeaderList& headers = request.headers;
    const QByteArray contentType = DeliveryClassifier::header(headers, "Content-Type");
    const auto kind = DeliveryClassifier::bodyKind(contentType);
    if (kind == DeliveryClassifier::BodyKind::Unsupported) {
        refuseUnverified(
            415, "unsupported_media_type",
            QStringLiteral("Send application/json, application/*+json or application/x-www-form-urlencoded, not "
                           "\"%1\".")
                .arg(QString::fromLatin1(contentType.isEmpty() ? QByteArray("(none)") : contentType.left(100))),
            request, remote, reply);
        return;
    }
    const QByteArray& body = request.body;
    const SignatureSchemes::Verification verification =
        SignatureSchemes::verify(hook.webhook.provider, {headers, body, m_clock.nowMs(), hook.webhook.toleranceSeconds},
                                 {hook.secrets, hook.providerSecrets});
    if (!verification.verified()) {
        refuseUnverified(401, "invalid_signature",
                         QStringLiteral("The signature did not verify: %1.").arg(verification.reason), request, remote,
                         reply, verification.reason);
        return;
    }
    int retryAfter = 1;
    if (!m_rateLimiter.tryAcquire(webhookId, m_clock.elapsedMs(), &retryAfter)) {
        refuse(429, "rate_limited",
               QStringLiteral("Over %1 requests per second for this webhook; retry later.").arg(m_rateLimiter.rate()),
               request, remote, reply, {{"Retry-After", QByteArray::number(retryAfter)}});
        return;
    }
    if (body.isEmpty()) {
        refuse(400, "empty_body", QStringLiteral("The request has no body."), request, remote, reply);
        return;
    }
    QJsonObject json;
    if (kind == DeliveryClassifier::BodyKind::Json) {
        const JsonText::Parsed parsed = JsonText::parse(body);
        if (!parsed.error.isEmpty()) {
            refuse(400, "invalid_json",
                   QStringLiteral("The body is not valid JSON: %1 at byte %2.").arg(parsed.error).arg(parsed.offset),
                   request, remote, reply);
            return;
        }
        json = parsed.value.toObject(); // what the classifier reads; a scalar or an array has no fields
    } else if (hook.webhook.provider == Provider::Slack) {
        auto form = DeliveryClassifier::slackFormPayload(body);
        if (!form) {
            refuse(400, "invalid_json", form.error().message, request, remote, reply);
            return;
        }
        json = form.value();
    }
    if (hook.webhook.provider == Provider::Slack &&
        json.value(QLatin1String("type")).toString() == u"url_verification") {
        // Slack's handshake for a new Request URL: answered with its challenge (the signature verified), and
        // not a delivery for the agent.
        qCInfo(lcIngress) << "answered Slack's url_verification for" << webhookId;
        reply(200, ApiJson::compact({{QStringLiteral("challenge"), json.value(QLatin1String("challenge"))}}), {});
        return;
    }

    IncomingDelivery incoming;
    incoming.webhookId = webhookId;
    incoming.provider = hook.webhook.provider;
    incoming.eventType = DeliveryClassifier::eventType(incoming.provider, headers, json);
    incoming.dedupKey = DeliveryClassifier::dedupKey(incoming.provider, headers, json);
    incoming.dedupWindowMs = m_options.dedupWindowSeconds * 1000;
    incoming.contentType = QString::fromLatin1(contentType);
    incoming.verifiedBy = verification.scheme;
    incoming.headers = headers;
    incoming.body = body;
    // Slack shows what a slash command or an interactive action is answered with to the person who clicked:
    // those get an empty 200, and the delivery id in a header.
    const bool emptyAnswer = hook.webhook.provider == Provider::Slack && kind == DeliveryClassifier::BodyKind::Form;
    m_writer.submit(std::move(incoming), [reply, emptyAnswer](Result<StoredDelivery> stored) {
        if (!stored) {
            reply(503,
                  ApiJson::error(QStringLiteral("storage_unavailable"),
                                 QStringLiteral("The delivery could not be stored; nothing was accepted. Retry.")),
                  {{"Retry-After", "5"}});
            return;
        }
        if (emptyAnswer) {
            reply(200, {},
                  {{"X-Alfe-Delivery-Id", (stored->duplicate() ? stored->originalId : stored->deliveryId).toLatin1()}});
            return;
        }
        if (stored->duplicate()) {
            reply(200,
                  ApiJson::compact(
                      {{QStringLiteral("deliveryId"), stored->originalId}, {QStringLiteral("duplicate"), true}}),
                  {});
            return;
        }
        reply(202, ApiJson::compact({{QStringLiteral("deliveryId"), stored->deliveryId}}), {});
    });
}

} // namespace Alfe
