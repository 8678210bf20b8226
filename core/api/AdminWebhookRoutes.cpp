// AdminApi: GET|POST /v1/admin/webhooks, GET|PATCH|DELETE /v1/admin/webhooks/{id} and its rotate,
// provider-secret and test routes.
#include "api/AdminApi.h"
#include "api/ApiJson.h"
#include "crypto/Secrets.h"
#include "crypto/SignatureScheme.h"
#include "crypto/SignatureSchemes.h"
#include "domain/Clock.h"
#include "domain/SamplePayloads.h"
#include "domain/Ulid.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Alfe {

namespace {
void cleanseAll(QList<QByteArray>& secrets)
{
    for (QByteArray& secret : secrets)
        Secrets::cleanse(secret);
}
} // namespace

void AdminApi::webhooks(const ApiRequest& request, const Reply& reply)
{
    if (request.method == "GET") {
        QJsonArray list;
        for (const Webhook& w :
             m_webhooks.list(request.query.queryItemValue(QStringLiteral("agentId"), QUrl::FullyDecoded))) {
            QJsonObject json = m_actions.json(w);
            json.insert(QStringLiteral("agentId"), w.agentId);
            list.append(json);
        }
        reply(200, ApiJson::compact({{QStringLiteral("webhooks"), list}}), {});
        return;
    }
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    const QJsonValue agentId = body->value(QLatin1String("agentId"));
    if (!agentId.isString())
        return Api::fail(Errors::invalid(QStringLiteral("agentId is required: the id of the agent the webhook is "
                                                        "for.")),
                         reply);
    if (auto agent = m_agents.get(agentId.toString()); !agent)
        return Api::fail(agent.error(), reply);
    m_actions.create(agentId.toString(), body.value(), "/v1/admin/webhooks/", reply);
}

void AdminApi::webhook(const QString& id, const QByteArray& action, const ApiRequest& request, const Reply& reply)
{
    auto webhook = m_webhooks.get(id);
    if (!webhook)
        return Api::fail(webhook.error(), reply);
    if (action == "rotate")
        return m_actions.rotate(id, request, reply);
    if (action == "provider-secret")
        return m_actions.providerSecret(id, request.method, request, reply);
    if (action == "test")
        return testEvent(webhook.value(), request, reply);
    if (request.method == "DELETE")
        return m_actions.remove(id, reply);
    if (request.method == "PATCH")
        return m_actions.patch(id, request, reply);
    QJsonObject json = m_actions.json(webhook.value());
    json.insert(QStringLiteral("agentId"), webhook->agentId);
    reply(200, ApiJson::compact(json), {});
}

// POST …/test {sample?, body?}: a sample event (the console's Send test) or the given JSON body, signed with the
// webhook's stored secrets the way its provider's sender would, and received by the ingress like any request from
// outside: the signature is verified, the rate limit counted, duplicates found, the row written in a group commit.
// The answer is the ingress's own (202 {deliveryId}, 200 for a duplicate, 410 for a disabled webhook…).
void AdminApi::testEvent(const Webhook& webhook, const ApiRequest& request, const Reply& reply)
{
    auto parsed = Api::jsonBody(request);
    if (!parsed)
        return Api::fail(parsed.error(), reply);
    Provider sampleProvider = webhook.provider;
    const QJsonValue sampleName = parsed->value(QLatin1String("sample"));
    if (!sampleName.isUndefined() && !sampleName.isNull()) {
        const auto provider = providerFromName(sampleName.toString());
        if (!provider) {
            return Api::fail(Errors::invalid(QStringLiteral("sample must be one of %1 (the provider whose sample "
                                                            "event is sent).")
                                                 .arg(providerNames().join(QStringLiteral(", ")))),
                             reply);
        }
        sampleProvider = *provider;
    }
    const qint64 now = m_clock.nowMs();
    SampleEvent sample = samplePayload(sampleProvider, webhook.id, now);
    const QJsonValue bodyValue = parsed->value(QLatin1String("body"));
    if (bodyValue.isObject())
        sample.body = QJsonDocument(bodyValue.toObject()).toJson(QJsonDocument::Compact);
    else if (bodyValue.isArray())
        sample.body = QJsonDocument(bodyValue.toArray()).toJson(QJsonDocument::Compact);
    else if (!bodyValue.isUndefined() && !bodyValue.isNull())
        return Api::fail(Errors::invalid(QStringLiteral("body must be a JSON object or array (the event to send).")),
                         reply);

    auto own = m_webhooks.validSecrets(webhook.id);
    if (!own)
        return Api::fail(own.error(), reply);
    auto imported = m_webhooks.validProviderSecrets(webhook.id);
    if (!imported) {
        cleanseAll(own.value());
        return Api::fail(imported.error(), reply);
    }
    const SchemeKeys keys{own.value(), imported.value()};
    const SignatureScheme& scheme = SignatureSchemes::senderScheme(webhook.provider, keys);
    HeaderList headers = sample.headers;
    headers << qMakePair(QByteArray("Content-Type"), QByteArray("application/json"))
            << qMakePair(QByteArray("User-Agent"), QByteArray("alfe-admin-test"));
    const HeaderList signature = scheme.sign(sample.body, keys, now, "msg_" + Ulid::generate(now).toLatin1());
    cleanseAll(own.value());
    cleanseAll(imported.value());
    if (signature.isEmpty()) {
        return Api::fail(Error{QStringLiteral("conflict"), QStringLiteral("The webhook has no valid secret to sign "
                                                                          "with.")},
                         reply);
    }
    m_hooks.ingest(webhook.id, headers + signature, sample.body, request.remote, reply);
}

} // namespace Alfe
