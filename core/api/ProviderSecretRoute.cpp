// ManagementApi: PUT|DELETE /v1/webhooks/{id}/provider-secret, the signing secret a provider generated.
#include "api/ApiJson.h"
#include "api/ManagementApi.h"
#include "crypto/Secrets.h"
#include "store/WebhookStore.h"

#include <QJsonObject>

namespace Alfe {

void ManagementApi::providerSecret(const Agent& agent, const QString& id, const QByteArray& method,
                                   const ApiRequest& request, const Reply& reply)
{
    Result<Webhook> updated = ownWebhook(agent, id);
    if (!updated)
        return fail(updated.error(), reply);
    if (method == "DELETE") {
        auto cleared = m_webhooks.clearProviderSecret(id);
        if (!cleared)
            return fail(cleared.error(), reply);
        m_changed(id);
        reply(200, ApiJson::compact(ApiJson::webhook(cleared.value(), m_urlOf(id))), {});
        return;
    }
    auto body = jsonBody(request);
    if (!body)
        return fail(body.error(), reply);
    const QJsonValue secretValue = body->value(QLatin1String("secret"));
    const auto grace = wholeNumber(body.value(), "graceSeconds", 0, WebhookStore::MaxGraceSeconds);
    const auto tolerance = wholeNumber(body.value(), "toleranceSeconds", WebhookStore::MinToleranceSeconds,
                                       WebhookStore::MaxToleranceSeconds);
    if (!grace)
        return fail(grace.error(), reply);
    if (!tolerance)
        return fail(tolerance.error(), reply);
    if (!secretValue.isUndefined() && !secretValue.isString())
        return fail(Errors::invalid(QStringLiteral("secret must be a string.")), reply);
    if (secretValue.isUndefined() && grace->has_value())
        return fail(Errors::invalid(QStringLiteral("graceSeconds goes with a new \"secret\": it is how long the "
                                                   "one it replaces stays valid.")),
                    reply);
    if (secretValue.isUndefined() && !tolerance->has_value())
        return fail(Errors::invalid(QStringLiteral("Send \"secret\" (the provider's signing secret), "
                                                   "\"toleranceSeconds\" or both.")),
                    reply);
    // Checked before anything is stored, so a bad tolerance does not leave a new secret half applied.
    QByteArray secret = secretValue.toString().toUtf8();
    const Secrets::Wipe wipe(secret);
    if (secretValue.isString()) {
        updated = m_webhooks.setProviderSecret(id, secret, grace->value_or(WebhookStore::DefaultGraceSeconds));
        if (!updated)
            return fail(updated.error(), reply);
    }
    if (tolerance->has_value()) {
        updated = m_webhooks.setToleranceSeconds(id, int(*tolerance.value()));
        if (!updated)
            return fail(updated.error(), reply);
    }
    m_changed(id);
    reply(200, ApiJson::compact(ApiJson::webhook(updated.value(), m_urlOf(id))), {});
}

} // namespace Alfe
