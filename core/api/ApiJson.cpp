#include "api/ApiJson.h"

#include "domain/HeaderRedaction.h"
#include "store/AdminTokenStore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStringDecoder>

namespace Alfe::ApiJson {

namespace {
QJsonValue orNull(const std::optional<qint64>& v)
{
    return v ? QJsonValue(double(*v)) : QJsonValue();
}
QJsonValue orNull(const std::optional<int>& v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}
QJsonValue timeOrNull(const std::optional<qint64>& ms)
{
    return ms ? QJsonValue(timestamp(*ms)) : QJsonValue();
}
QJsonValue textOrNull(const QString& s)
{
    return s.isEmpty() ? QJsonValue() : QJsonValue(s);
}
} // namespace

QString timestamp(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject webhook(const Webhook& w, const QString& url)
{
    return QJsonObject{
        {QStringLiteral("id"), w.id},
        {QStringLiteral("url"), url},
        {QStringLiteral("provider"), providerName(w.provider)},
        {QStringLiteral("description"), w.description},
        {QStringLiteral("enabled"), w.enabled},
        {QStringLiteral("createdAt"), timestamp(w.createdAtMs)},
        {QStringLiteral("secretVersion"), w.secretVersion},
        {QStringLiteral("previousSecretExpiresAt"), timeOrNull(w.previousSecretExpiresAtMs)},
        {QStringLiteral("providerSecretImported"), w.providerSecretVersion > 0},
        {QStringLiteral("providerSecretVersion"), w.providerSecretVersion},
        {QStringLiteral("previousProviderSecretExpiresAt"), timeOrNull(w.previousProviderSecretExpiresAtMs)},
        {QStringLiteral("toleranceSeconds"), w.toleranceSeconds},
    };
}

QJsonObject agent(const Agent& a, int backlog)
{
    QJsonObject out{
        {QStringLiteral("backlog"), backlog},
        {QStringLiteral("id"), a.id},
        {QStringLiteral("name"), a.name},
        {QStringLiteral("forwardUrl"), a.forwardUrl},
        {QStringLiteral("status"), agentStatusName(a.status)},
        {QStringLiteral("createdAt"), timestamp(a.createdAtMs)},
        {QStringLiteral("stream"), QJsonValue(QJsonValue::Null)},
    };
    if (a.streaming()) {
        out.insert(QStringLiteral("stream"), QJsonObject{{QStringLiteral("peer"), a.streamPeer},
                                                         {QStringLiteral("since"), timestamp(a.streamSinceMs)}});
    }
    return out;
}

QJsonObject deliverySummary(const Delivery& d)
{
    return QJsonObject{
        {QStringLiteral("id"), d.id},
        {QStringLiteral("webhookId"), d.webhookId},
        {QStringLiteral("receivedAt"), timestamp(d.receivedAtMs)},
        {QStringLiteral("provider"), providerName(d.provider)},
        {QStringLiteral("eventType"), d.eventType},
        {QStringLiteral("status"), deliveryStatusName(d.status)},
        {QStringLiteral("attemptCount"), d.attemptCount},
        {QStringLiteral("lastStatusCode"), orNull(d.lastStatusCode)},
        {QStringLiteral("lastLatencyMs"), orNull(d.lastLatencyMs)},
        {QStringLiteral("nextAttemptAt"), timeOrNull(d.nextAttemptAtMs)},
        {QStringLiteral("duplicateOf"), textOrNull(d.duplicateOf)},
    };
}

QJsonObject deliveryRow(const DeliveryRow& r, const QString& agentId, const QString& cursor)
{
    return QJsonObject{
        {QStringLiteral("id"), r.id},
        {QStringLiteral("webhookId"), r.webhookId},
        {QStringLiteral("agentId"), textOrNull(agentId)},
        {QStringLiteral("receivedAt"), timestamp(r.receivedAtMs)},
        {QStringLiteral("provider"), providerName(r.provider)},
        {QStringLiteral("eventType"), r.eventType},
        {QStringLiteral("status"), deliveryStatusName(r.status)},
        {QStringLiteral("attemptCount"), r.attemptCount},
        {QStringLiteral("lastStatusCode"), orNull(r.lastStatusCode)},
        {QStringLiteral("lastLatencyMs"), orNull(r.lastLatencyMs)},
        {QStringLiteral("duplicateOf"), textOrNull(r.duplicateOf)},
        {QStringLiteral("cursor"), cursor},
    };
}

namespace {
QJsonArray headerArray(const HeaderList& list)
{
    QJsonArray headers;
    for (const auto& [name, value] : list)
        headers.append(QJsonObject{{QStringLiteral("name"), QString::fromLatin1(name)},
                                   {QStringLiteral("value"), QString::fromUtf8(value)}});
    return headers;
}

// "body": the bytes as text when they are UTF-8, else null; "bodyBase64": always the exact bytes.
void insertBody(QJsonObject& out, const QByteArray& body)
{
    auto decoder = QStringDecoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(body);
    out.insert(QStringLiteral("body"), decoder.hasError() ? QJsonValue() : QJsonValue(text));
    out.insert(QStringLiteral("bodyBase64"), QString::fromLatin1(body.toBase64()));
}
} // namespace

QJsonObject refused(const RefusedEntry& e)
{
    QJsonObject out{
        {QStringLiteral("receivedAt"), timestamp(e.receivedAtMs)},
        {QStringLiteral("webhookId"), textOrNull(e.webhookId)},
        {QStringLiteral("status"), e.status},
        {QStringLiteral("reason"), e.reason},
        {QStringLiteral("detail"), textOrNull(e.detail)},
        {QStringLiteral("method"), e.method},
        {QStringLiteral("path"), e.path},
        {QStringLiteral("remoteAddress"), e.remoteAddress},
        {QStringLiteral("headers"), headerArray(HeaderRedaction::forDisplay(e.headers))},
        {QStringLiteral("bodySize"), double(e.bodySize)},
    };
    insertBody(out, e.bodyHead);
    return out;
}

QJsonObject deliveryDetail(const Delivery& d)
{
    QJsonObject out = deliverySummary(d);
    out.insert(QStringLiteral("contentType"), d.contentType);
    out.insert(QStringLiteral("verifiedBy"), textOrNull(d.verifiedBy));
    out.insert(QStringLiteral("headers"), headerArray(HeaderRedaction::forDisplay(d.headers)));
    insertBody(out, d.body);
    QJsonArray attempts;
    for (const Attempt& a : d.attempts) {
        attempts.append(QJsonObject{
            {QStringLiteral("n"), a.n},
            {QStringLiteral("startedAt"), timestamp(a.startedAtMs)},
            {QStringLiteral("durationMs"), orNull(a.durationMs)},
            {QStringLiteral("statusCode"), orNull(a.statusCode)},
            {QStringLiteral("error"), textOrNull(a.error)},
            {QStringLiteral("via"), a.via},
        });
    }
    out.insert(QStringLiteral("attempts"), attempts);
    return out;
}

QJsonObject adminToken(const AdminToken& t)
{
    return QJsonObject{
        {QStringLiteral("id"), t.id},
        {QStringLiteral("name"), t.name},
        {QStringLiteral("createdAt"), timestamp(t.createdAtMs)},
        {QStringLiteral("lastUsedAt"), timeOrNull(t.lastUsedAtMs)},
        {QStringLiteral("revokedAt"), timeOrNull(t.revokedAtMs)},
    };
}

QByteArray error(const QString& code, const QString& message)
{
    return compact(QJsonObject{
        {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}});
}

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace Alfe::ApiJson
