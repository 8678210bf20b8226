#include "api/WebhookActions.h"

#include "api/ApiJson.h"
#include "store/WebhookStore.h"

namespace Alfe {

WebhookActions::WebhookActions(WebhookStore& webhooks, UrlOf urlOf, Changed changed)
    : m_webhooks(webhooks)
    , m_urlOf(std::move(urlOf))
    , m_changed(std::move(changed))
{}

QJsonObject WebhookActions::json(const Webhook& webhook) const
{
    return ApiJson::webhook(webhook, m_urlOf(webhook.id));
}

void WebhookActions::replyWithSecret(int status, const QJsonObject& object, const char* key, QByteArray& secret,
                                     const HeaderList& headers, const ApiReply& reply)
{
    QByteArray json = Api::withSecret(object, key, secret);
    Secrets::cleanse(secret);
    reply(status, json, headers);
    // The ingress still holds the answer (queued to its thread, then in QHttpServerResponse): it is wiped
    // once they let go, after it was written.
    m_answers.keep(std::move(json));
}

void WebhookActions::create(const QString& agentId, const QJsonObject& body, const QByteArray& locationPrefix,
                            const ApiReply& reply)
{
    Provider provider = Provider::Generic;
    const QJsonValue providerValue = body.value(QLatin1String("provider"));
    if (!providerValue.isUndefined() && !providerValue.isNull()) {
        const auto parsed = providerFromName(providerValue.toString());
        if (!parsed) {
            return Api::fail(
                Errors::invalid(
                    QStringLiteral("provider must be one of %1.").arg(providerNames().join(QStringLiteral(", ")))),
                reply);
        }
        provider = *parsed;
    }
    const auto description = Api::optionalString(body, "description");
    if (!description)
        return Api::fail(description.error(), reply);
    auto created = m_webhooks.create(agentId, provider, description->value_or(QString()));
    if (!created)
        return Api::fail(created.error(), reply);
    replyWithSecret(201, json(created->webhook), "secret", created->secret,
                    {{"Location", locationPrefix + created->webhook.id.toUtf8()}}, reply);
}

void WebhookActions::remove(const QString& id, const ApiReply& reply)
{
    if (auto removed = m_webhooks.remove(id); !removed)
        return Api::fail(removed.error(), reply);
    m_changed(id);
    reply(204, {}, {});
}

void WebhookActions::patch(const QString& id, const ApiRequest& request, const ApiReply& reply)
{
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    const QJsonValue description = body->value(QLatin1String("description"));
    const QJsonValue enabled = body->value(QLatin1String("enabled"));
    if (description.isUndefined() && enabled.isUndefined())
        return Api::fail(Errors::invalid(QStringLiteral("Send \"description\", \"enabled\" or both.")), reply);
    if (!description.isUndefined() && !description.isString())
        return Api::fail(Errors::invalid(QStringLiteral("description must be a string.")), reply);
    if (!enabled.isUndefined() && !enabled.isBool())
        return Api::fail(Errors::invalid(QStringLiteral("enabled must be true or false.")), reply);
    if (description.isString()) {
        if (auto ok = m_webhooks.setDescription(id, description.toString()); !ok)
            return Api::fail(ok.error(), reply);
    }
    if (enabled.isBool()) {
        if (auto ok = m_webhooks.setEnabled(id, enabled.toBool()); !ok)
            return Api::fail(ok.error(), reply);
    }
    m_changed(id);
    auto updated = m_webhooks.get(id);
    if (!updated)
        return Api::fail(updated.error(), reply);
    reply(200, ApiJson::compact(json(updated.value())), {});
}

void WebhookActions::rotate(const QString& id, const ApiRequest& request, const ApiReply& reply)
{
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    const auto graceValue = Api::wholeNumber(body.value(), "graceSeconds", 0, WebhookStore::MaxGraceSeconds);
    if (!graceValue)
        return Api::fail(graceValue.error(), reply);
    const qint64 grace = graceValue->value_or(WebhookStore::DefaultGraceSeconds);
    auto rotated = m_webhooks.rotate(id, grace);
    if (!rotated)
        return Api::fail(rotated.error(), reply);
    m_changed(id);
    replyWithSecret(
        200,
        {
            {QStringLiteral("id"), id},
            {QStringLiteral("url"), m_urlOf(id)},
            {QStringLiteral("secretVersion"), rotated->webhook.secretVersion},
            {QStringLiteral("previousSecretExpiresAt"), ApiJson::timestamp(rotated->previousSecretExpiresAtMs)},
        },
        "secret", rotated->secret, {}, reply);
}

} // namespace Alfe
