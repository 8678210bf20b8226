#pragma once

#include "api/ApiRequest.h"
#include "crypto/Secrets.h"
#include "domain/Domain.h"

#include <QJsonObject>

#include <functional>

namespace Alfe {

class WebhookStore;

// What a webhook route does once the caller has decided the webhook is theirs to touch: the management API
// (an agent's own webhooks) and the admin API (any webhook) both answer through here, with the same JSON, the
// same checks and the same handling of secrets.
class WebhookActions final
{
public:
    using UrlOf = std::function<QString(const QString& webhookId)>;
    using Changed = std::function<void(const QString& webhookId)>;

    WebhookActions(WebhookStore& webhooks, UrlOf urlOf, Changed changed);
    Q_DISABLE_COPY_MOVE(WebhookActions)

    QJsonObject json(const Webhook& webhook) const;
    // POST: {provider?, description?} for `agentId`; 201 with the secret once, Location = locationPrefix + id.
    void create(const QString& agentId, const QJsonObject& body, const QByteArray& locationPrefix,
                const ApiReply& reply);
    // PATCH {description?, enabled?}, then the webhook as it is now.
    void patch(const QString& id, const ApiRequest& request, const ApiReply& reply);
    void remove(const QString& id, const ApiReply& reply);
    // POST …/rotate {graceSeconds?}: the new secret once, and when the previous one stops verifying.
    void rotate(const QString& id, const ApiRequest& request, const ApiReply& reply);
    // PUT|DELETE …/provider-secret (ProviderSecretRoute.cpp).
    void providerSecret(const QString& id, const QByteArray& method, const ApiRequest& request, const ApiReply& reply);

    // Answers `object` with `key` = `secret` added (Api::withSecret), cleanses the secret, and wipes the answer
    // once the ingress has let go of it (Secrets::Shredder).
    void replyWithSecret(int status, const QJsonObject& object, const char* key, QByteArray& secret,
                         const HeaderList& headers, const ApiReply& reply);
    // Wipes the answers the ingress has written since.
    void sweep() { m_answers.sweep(); }

private:
    WebhookStore& m_webhooks;
    UrlOf m_urlOf;
    Changed m_changed;
    Secrets::Shredder m_answers; // answers with a secret, until the ingress has written them
};

} // namespace Alfe
