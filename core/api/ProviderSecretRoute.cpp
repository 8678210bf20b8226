// PUT|DELETE /v1/webhooks/{id}/provider-secret and /v1/admin/webhooks/{id}/provider-secret: the signing secret a
// provider generated.
#include "api/ApiJson.h"
#include "api/WebhookActions.h"
#include "crypto/Secrets.h"
#include "store/WebhookStore.h"

#include <QJsonObject>

namespace Alfe {

void WebhookActions::providerSecret(const QString& id, const QByteArray& method, const ApiRequest& request,
                                    const ApiReply& reply)
{
    if (method == "DELETE") {
        auto updated = m_webhooks.clearProviderSecret(id);
        if (!updated)
            return Api::fail(updated.error(), reply);
        m_changed(id);
        reply(200, ApiJson::compact(json(updated.value())), {});
        return;
    }
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    const QJsonValue secretValue = body->value(QLatin1String("secret"));
    const auto grace = Api::wholeNumber(body.value(), "graceSeconds", 0, WebhookStore::MaxGraceSeconds);
    const auto tolerance = Api::wholeNumber(body.value(), "toleranceSeconds", WebhookStore::MinToleranceSeconds,
                                            WebhookStore::MaxToleranceSeconds);
    if (!grace)
        return Api::fail(grace.error(), reply);
    if (!tolerance)
        return Api::fail(tolerance.error(), reply);
    if (!secretValue.isUndefined() && !secretValue.isString())
        return Api::fail(Errors::invalid(QStringLiteral("secret must be a string.")), reply);
    if (secretValue.isUndefined() && grace->has_value())
        return Api::fail(Errors::invalid(QStringLiteral("graceSeconds goes with a new \"secret\": it is how long the "
                                                        "one it replaces stays valid.")),
                         reply);
    if (secretValue.isUndefined() && !tolerance->has_value())
        return Api::fail(Errors::invalid(QStringLiteral("Send \"secret\" (the provider's signing secret), "
                                                        "\"toleranceSeconds\" or both.")),
                         reply);
    // Checked before anything is stored, so a bad tolerance does not leave a new secret half applied.
    QByteArray secret = secretValue.toString().toUtf8();
    const Secrets::Wipe wipe(secret);
    Result<Webhook> updated = Api::notFound(); // one of the two below is set
    if (secretValue.isString()) {
        updated = m_webhooks.setProviderSecret(id, secret, grace->value_or(WebhookStore::DefaultGraceSeconds));
        if (!updated)
            return Api::fail(updated.error(), reply);
    }
    if (tolerance->has_value()) {
        updated = m_webhooks.setToleranceSeconds(id, int(*tolerance.value()));
        if (!updated)
            return Api::fail(updated.error(), reply);
    }
    m_changed(id);
    reply(200, ApiJson::compact(json(updated.value())), {});
}

} // namespace Alfe
