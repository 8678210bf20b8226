#include "api/ManagementApi.h"

#include "api/ApiJson.h"
#include "crypto/Secrets.h"
#include "domain/DeliveryClassifier.h"
#include "domain/Logging.h"
#include "store/AgentStore.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QUrlQuery>

#include <cmath>

namespace Alfe {

namespace {
int statusFor(const Error& error)
{
    if (error.code == u"not_found")
        return 404;
    if (error.code == u"invalid_argument" || error.code == u"invalid_json")
        return 400;
    if (error.code == u"conflict")
        return 409;
    return 503;
}

Error notFound()
{
    return Errors::notFound(QStringLiteral("Not found."));
}

// `object` as compact JSON with "secret" added. The secret goes straight into the answer's bytes: through
// QJsonObject it would be copied into a QString (UTF-16) and QJsonValue internals that nothing here can wipe.
// One buffer reserved at its final size, so no reallocation leaves a copy behind. A webhook secret's alphabet
// (base64 and '_') needs no JSON escaping.
QByteArray withSecret(const QJsonObject& object, const QByteArray& secret)
{
    Q_ASSERT(Secrets::isWebhookSecret(secret));
    static constexpr char Key[] = "\"secret\":\"";
    const QByteArray rest = ApiJson::compact(object); // "{...}"
    QByteArray json;
    json.reserve(rest.size() + qsizetype(sizeof Key) + secret.size() + 2);
    json.append(rest.constData(), rest.size() - 1);
    if (rest.size() > 2)
        json.append(',');
    json.append(Key).append(secret).append("\"}");
    return json;
}
} // namespace

ManagementApi::ManagementApi(AgentStore& agents, WebhookStore& webhooks, DeliveryStore& deliveries, UrlOf urlOf,
                             Changed changed, std::function<void()> requeued)
    : m_agents(agents)
    , m_webhooks(webhooks)
    , m_deliveries(deliveries)
    , m_urlOf(std::move(urlOf))
    , m_changed(std::move(changed))
    , m_requeued(std::move(requeued))
{}

void ManagementApi::fail(const Error& error, const Reply& reply)
{
    const int status = statusFor(error);
    if (status != 503) {
        reply(status, ApiJson::error(error.code, error.message), {});
        return;
    }
    // What the store or the crypto layer said (SQLite's text, a path) is for the log, not for the client.
    qCWarning(lcStore) << "management API answered 503:" << error.code << error.message;
    reply(503,
          ApiJson::error(QStringLiteral("storage_unavailable"),
                         QStringLiteral("The store is unavailable right now. Retry later.")),
          {{"Retry-After", "5"}});
}

Result<QJsonObject> ManagementApi::jsonBody(const ApiRequest& request)
{
    const QByteArray& body = request.body;
    if (body.trimmed().isEmpty())
        return QJsonObject();
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return Error{
            QStringLiteral("invalid_json"),
            QStringLiteral("The body is not valid JSON: %1 at byte %2.").arg(error.errorString()).arg(error.offset)};
    if (!document.isObject())
        return Error{QStringLiteral("invalid_json"), QStringLiteral("The body must be a JSON object.")};
    return document.object();
}

Result<std::optional<qint64>> ManagementApi::wholeNumber(const QJsonObject& body, const char* key, qint64 min,
                                                         qint64 max)
{
    const QJsonValue value = body.value(QLatin1String(key));
    if (value.isUndefined())
        return std::optional<qint64>();
    const double number = value.toDouble(-1);
    // The range first: converting 1e300 to an integer is undefined behaviour.
    if (!value.isDouble() || !(number >= double(min) && number <= double(max)) || number != std::floor(number))
        return Errors::invalid(
            QStringLiteral("%1 must be a whole number from %2 to %3.").arg(QLatin1String(key)).arg(min).arg(max));
    return std::optional<qint64>(qint64(number));
}

Result<Webhook> ManagementApi::ownWebhook(const Agent& agent, const QString& id) const
{
    auto webhook = m_webhooks.get(id);
    if (!webhook || webhook->agentId != agent.id)
        return notFound();
    return webhook;
}

void ManagementApi::handle(const ApiRequest& request, const Reply& reply)
{
    m_answers.sweep();
    const QByteArray& method = request.method;
    const QByteArray& path = request.path;
    const QByteArray authorization = DeliveryClassifier::header(request.headers, "Authorization");
    // The scheme is case-insensitive (RFC 9110, 11.1): "bearer" is as good as "Bearer".
    const bool bearer = authorization.size() > 7 && authorization.first(7).compare("Bearer ", Qt::CaseInsensitive) == 0;
    QByteArray token = bearer ? authorization.mid(7).trimmed() : QByteArray();
    auto agent = m_agents.authenticate(token);
    Secrets::cleanse(token);
    if (!agent) {
        reply(401,
              ApiJson::error(QStringLiteral("unauthorized"),
                             QStringLiteral("Send \"Authorization: Bearer <agent token>\" with a valid token.")),
              {{"WWW-Authenticate", "Bearer"}});
        return;
    }
    const QList<QByteArray> parts = path.split('/'); // "", "v1", collection, [id], [action]
    const QByteArray collection = parts.value(2);
    const QString id = QString::fromUtf8(QByteArray::fromPercentEncoding(parts.value(3)));
    if (collection == "agents") {
        reply(200, ApiJson::compact(ApiJson::agent(agent.value(), m_agents.backlog(agent->id))), {});
    } else if (collection == "webhooks" && parts.size() == 3) {
        webhooks(agent.value(), method, request, reply);
    } else if (collection == "webhooks" && parts.size() == 4) {
        webhook(agent.value(), id, method, request, reply);
    } else if (collection == "webhooks" && parts.size() == 5 && parts[4] == "provider-secret") {
        providerSecret(agent.value(), id, method, request, reply);
    } else if (collection == "webhooks" && parts.size() == 5) {
        rotate(agent.value(), id, request, reply);
    } else if (collection == "deliveries" && parts.size() == 3) {
        deliveries(agent.value(), request, reply);
    } else if (collection == "deliveries") {
        delivery(agent.value(), id, parts.size() == 5, reply);
    } else {
        fail(notFound(), reply);
    }
}

void ManagementApi::webhooks(const Agent& agent, const QByteArray& method, const ApiRequest& request,
                             const Reply& reply)
{
    if (method == "GET") {
        QJsonArray list;
        for (const Webhook& w : m_webhooks.list(agent.id))
            list.append(ApiJson::webhook(w, m_urlOf(w.id)));
        reply(200, ApiJson::compact({{QStringLiteral("webhooks"), list}}), {});
        return;
    }
    auto body = jsonBody(request);
    if (!body)
        return fail(body.error(), reply);
    Provider provider = Provider::Generic;
    const QJsonValue providerValue = body->value(QLatin1String("provider"));
    if (!providerValue.isUndefined() && !providerValue.isNull()) {
        const auto parsed = providerFromName(providerValue.toString());
        if (!parsed) {
            return fail(
                Errors::invalid(
                    QStringLiteral("provider must be one of %1.").arg(providerNames().join(QStringLiteral(", ")))),
                reply);
        }
        provider = *parsed;
    }
    const QJsonValue description = body->value(QLatin1String("description"));
    if (!description.isUndefined() && !description.isNull() && !description.isString())
        return fail(Errors::invalid(QStringLiteral("description must be a string.")), reply);
    auto created = m_webhooks.create(agent.id, provider, description.toString());
    if (!created)
        return fail(created.error(), reply);
    replyWithSecret(201, ApiJson::webhook(created->webhook, m_urlOf(created->webhook.id)), created->secret,
                    {{"Location", "/v1/webhooks/" + created->webhook.id.toUtf8()}}, reply);
}

void ManagementApi::replyWithSecret(int status, const QJsonObject& object, QByteArray& secret,
                                    const HeaderList& headers, const Reply& reply)
{
    QByteArray json = withSecret(object, secret);
    Secrets::cleanse(secret);
    reply(status, json, headers);
    // The ingress still holds the answer (queued to its thread, then in QHttpServerResponse): it is wiped
    // once they let go, after it was written.
    m_answers.keep(std::move(json));
}

void ManagementApi::webhook(const Agent& agent, const QString& id, const QByteArray& method, const ApiRequest& request,
                            const Reply& reply)
{
    auto owned = ownWebhook(agent, id);
    if (!owned)
        return fail(owned.error(), reply);
    if (method == "DELETE") {
        if (auto removed = m_webhooks.remove(id); !removed)
            return fail(removed.error(), reply);
        m_changed(id);
        reply(204, {}, {});
        return;
    }
    if (method == "PATCH") {
        auto body = jsonBody(request);
        if (!body)
            return fail(body.error(), reply);
        const QJsonValue description = body->value(QLatin1String("description"));
        const QJsonValue enabled = body->value(QLatin1String("enabled"));
        if (description.isUndefined() && enabled.isUndefined())
            return fail(Errors::invalid(QStringLiteral("Send \"description\", \"enabled\" or both.")), reply);
        if (!description.isUndefined() && !description.isString())
            return fail(Errors::invalid(QStringLiteral("description must be a string.")), reply);
        if (!enabled.isUndefined() && !enabled.isBool())
            return fail(Errors::invalid(QStringLiteral("enabled must be true or false.")), reply);
        if (description.isString()) {
            if (auto ok = m_webhooks.setDescription(id, description.toString()); !ok)
                return fail(ok.error(), reply);
        }
        if (enabled.isBool()) {
            if (auto ok = m_webhooks.setEnabled(id, enabled.toBool()); !ok)
                return fail(ok.error(), reply);
        }
        m_changed(id);
        owned = m_webhooks.get(id);
    }
    reply(200, ApiJson::compact(ApiJson::webhook(owned.value(), m_urlOf(id))), {});
}

void ManagementApi::rotate(const Agent& agent, const QString& id, const ApiRequest& request, const Reply& reply)
{
    if (auto owned = ownWebhook(agent, id); !owned)
        return fail(owned.error(), reply);
    auto body = jsonBody(request);
    if (!body)
        return fail(body.error(), reply);
    const auto graceValue = wholeNumber(body.value(), "graceSeconds", 0, WebhookStore::MaxGraceSeconds);
    if (!graceValue)
        return fail(graceValue.error(), reply);
    const qint64 grace = graceValue->value_or(WebhookStore::DefaultGraceSeconds);
    auto rotated = m_webhooks.rotate(id, grace);
    if (!rotated)
        return fail(rotated.error(), reply);
    m_changed(id);
    replyWithSecret(
        200,
        {
            {QStringLiteral("id"), id},
            {QStringLiteral("url"), m_urlOf(id)},
            {QStringLiteral("secretVersion"), rotated->webhook.secretVersion},
            {QStringLiteral("previousSecretExpiresAt"), ApiJson::timestamp(rotated->previousSecretExpiresAtMs)},
        },
        rotated->secret, {}, reply);
}

void ManagementApi::deliveries(const Agent& agent, const ApiRequest& request, const Reply& reply)
{
    const QUrlQuery& query = request.query;
    DeliveryFilter filter;
    filter.agentId = agent.id;
    filter.webhookId = query.queryItemValue(QStringLiteral("webhookId"), QUrl::FullyDecoded);
    if (!filter.webhookId.isEmpty() && m_webhooks.ownerOf(filter.webhookId) != agent.id)
        return fail(notFound(), reply);
    const QString status = query.queryItemValue(QStringLiteral("status"), QUrl::FullyDecoded);
    if (!status.isEmpty()) {
        filter.status = deliveryStatusFromName(status);
        if (!filter.status) {
            return fail(Errors::invalid(QStringLiteral("status must be one of queued, delivering, retrying, "
                                                       "delivered, failed, duplicate.")),
                        reply);
        }
    }
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        filter.limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok)
            return fail(Errors::invalid(QStringLiteral("limit must be a number from 1 to 500.")), reply);
    }
    filter.cursor = query.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded);
    auto page = m_deliveries.list(filter);
    if (!page)
        return fail(page.error(), reply);
    QJsonArray items;
    for (const Delivery& d : page->items)
        items.append(ApiJson::deliverySummary(d));
    reply(200,
          ApiJson::compact({{QStringLiteral("deliveries"), items},
                            {QStringLiteral("nextCursor"),
                             page->nextCursor.isEmpty() ? QJsonValue() : QJsonValue(page->nextCursor)}}),
          {});
}

void ManagementApi::delivery(const Agent& agent, const QString& id, bool retry, const Reply& reply)
{
    auto found = m_deliveries.get(id);
    if (!found || m_webhooks.ownerOf(found->webhookId) != agent.id)
        return fail(notFound(), reply);
    if (!retry) {
        reply(200, ApiJson::compact(ApiJson::deliveryDetail(found.value())), {});
        return;
    }
    auto queued = m_deliveries.requeue(id);
    if (!queued)
        return fail(queued.error(), reply);
    m_requeued();
    reply(202,
          ApiJson::compact({{QStringLiteral("deliveryId"), id}, {QStringLiteral("status"), QStringLiteral("queued")}}),
          {});
}

} // namespace Alfe
