#include "ApiJson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStringDecoder>

namespace Alfe::ApiJson {

namespace {
QJsonValue orNull(const std::optional<qint64>& v) { return v ? QJsonValue(double(*v)) : QJsonValue(); }
QJsonValue orNull(const std::optional<int>& v) { return v ? QJsonValue(*v) : QJsonValue(); }
QJsonValue timeOrNull(const std::optional<qint64>& ms) { return ms ? QJsonValue(timestamp(*ms)) : QJsonValue(); }
QJsonValue textOrNull(const QString& s) { return s.isEmpty() ? QJsonValue() : QJsonValue(s); }
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
    };
}

QJsonObject agent(const Agent& a)
{
    return QJsonObject{
        {QStringLiteral("id"), a.id},
        {QStringLiteral("name"), a.name},
        {QStringLiteral("forwardUrl"), a.forwardUrl},
        {QStringLiteral("status"), agentStatusName(a.status)},
        {QStringLiteral("createdAt"), timestamp(a.createdAtMs)},
    };
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

QJsonObject deliveryDetail(const Delivery& d)
{
    QJsonObject out = deliverySummary(d);
    out.insert(QStringLiteral("contentType"), d.contentType);
    QJsonArray headers;
    for (const auto& [name, value] : d.headers)
        headers.append(QJsonObject{{QStringLiteral("name"), QString::fromLatin1(name)},
                                   {QStringLiteral("value"), QString::fromUtf8(value)}});
    out.insert(QStringLiteral("headers"), headers);
    auto decoder = QStringDecoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(d.body);
    out.insert(QStringLiteral("body"), decoder.hasError() ? QJsonValue() : QJsonValue(text));
    out.insert(QStringLiteral("bodyBase64"), QString::fromLatin1(d.body.toBase64()));
    QJsonArray attempts;
    for (const Attempt& a : d.attempts) {
        attempts.append(QJsonObject{
            {QStringLiteral("n"), a.n},
            {QStringLiteral("startedAt"), timestamp(a.startedAtMs)},
            {QStringLiteral("durationMs"), orNull(a.durationMs)},
            {QStringLiteral("statusCode"), orNull(a.statusCode)},
            {QStringLiteral("error"), textOrNull(a.error)},
        });
    }
    out.insert(QStringLiteral("attempts"), attempts);
    return out;
}

QByteArray error(const QString& code, const QString& message)
{
    return compact(QJsonObject{
        {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}});
}

QByteArray compact(const QJsonObject& object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

} // namespace Alfe::ApiJson
