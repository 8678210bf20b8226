#include "backend/RemoteJson.h"

#include <QDateTime>
#include <QJsonArray>

namespace Alfe::RemoteJson {

namespace {
Error bad(const char* what, const char* field)
{
    return Error{
        QStringLiteral("bad_answer"),
        QStringLiteral("The server sent a %1 without a valid \"%2\".").arg(QLatin1String(what), QLatin1String(field))};
}

QString text(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toString();
}

std::optional<qint64> optionalNumber(const QJsonObject& o, const char* key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isDouble() ? std::optional<qint64>(qint64(v.toDouble())) : std::nullopt;
}

std::optional<qint64> optionalTime(const QJsonObject& o, const char* key)
{
    const qint64 ms = timeMs(o.value(QLatin1String(key)));
    return ms < 0 ? std::nullopt : std::optional<qint64>(ms);
}

HeaderList headers(const QJsonObject& o)
{
    HeaderList list;
    for (const QJsonValue& h : o.value(QLatin1String("headers")).toArray()) {
        const QJsonObject header = h.toObject();
        list.append({text(header, "name").toLatin1(), text(header, "value").toUtf8()});
    }
    return list;
}

QByteArray body(const QJsonObject& o)
{
    return QByteArray::fromBase64(text(o, "bodyBase64").toLatin1());
}
} // namespace

qint64 timeMs(const QJsonValue& value)
{
    if (!value.isString())
        return -1;
    const QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}

Result<Agent> agent(const QJsonObject& o)
{
    Agent a;
    a.id = text(o, "id");
    if (a.id.isEmpty())
        return bad("agent", "id");
    a.name = text(o, "name");
    a.forwardUrl = text(o, "forwardUrl");
    const auto status = agentStatusFromName(text(o, "status"));
    if (!status)
        return bad("agent", "status");
    a.status = *status;
    a.createdAtMs = std::max<qint64>(0, timeMs(o.value(QLatin1String("createdAt"))));
    const QJsonObject stream = o.value(QLatin1String("stream")).toObject();
    if (!stream.isEmpty()) {
        a.streamPeer = text(stream, "peer");
        a.streamSinceMs = timeMs(stream.value(QLatin1String("since")));
    }
    return a;
}

Result<ConsoleSnapshot::AgentEntry> agentEntry(const QJsonObject& o)
{
    auto a = agent(o);
    if (!a)
        return a.error();
    return ConsoleSnapshot::AgentEntry{a.value(), o.value(QLatin1String("backlog")).toInt()};
}

Result<Webhook> webhook(const QJsonObject& o)
{
    Webhook w;
    w.id = text(o, "id");
    if (w.id.isEmpty())
        return bad("webhook", "id");
    w.agentId = text(o, "agentId");
    const auto provider = providerFromName(text(o, "provider"));
    if (!provider)
        return bad("webhook", "provider");
    w.provider = *provider;
    w.description = text(o, "description");
    w.enabled = o.value(QLatin1String("enabled")).toBool(true);
    w.createdAtMs = std::max<qint64>(0, timeMs(o.value(QLatin1String("createdAt"))));
    w.secretVersion = o.value(QLatin1String("secretVersion")).toInt();
    w.previousSecretExpiresAtMs = optionalTime(o, "previousSecretExpiresAt");
    w.providerSecretVersion = o.value(QLatin1String("providerSecretVersion")).toInt();
    w.previousProviderSecretExpiresAtMs = optionalTime(o, "previousProviderSecretExpiresAt");
    w.toleranceSeconds = o.value(QLatin1String("toleranceSeconds")).toInt(300);
    return w;
}

Result<DeliveryRow> deliveryRow(const QJsonObject& o)
{
    DeliveryRow r;
    r.id = text(o, "id");
    if (r.id.isEmpty())
        return bad("delivery", "id");
    r.webhookId = text(o, "webhookId");
    r.receivedAtMs = timeMs(o.value(QLatin1String("receivedAt")));
    if (r.receivedAtMs < 0)
        return bad("delivery", "receivedAt");
    r.provider = providerFromName(text(o, "provider")).value_or(Provider::Generic);
    r.eventType = text(o, "eventType");
    const auto status = deliveryStatusFromName(text(o, "status"));
    if (!status)
        return bad("delivery", "status");
    r.status = *status;
    r.attemptCount = o.value(QLatin1String("attemptCount")).toInt();
    if (const auto code = optionalNumber(o, "lastStatusCode"))
        r.lastStatusCode = int(*code);
    r.lastLatencyMs = optionalNumber(o, "lastLatencyMs");
    r.duplicateOf = text(o, "duplicateOf");
    return r;
}

Result<Delivery> delivery(const QJsonObject& o)
{
    auto row = deliveryRow(o);
    if (!row)
        return row.error();
    Delivery d;
    d.id = row->id;
    d.webhookId = row->webhookId;
    d.receivedAtMs = row->receivedAtMs;
    d.provider = row->provider;
    d.eventType = row->eventType;
    d.status = row->status;
    d.attemptCount = row->attemptCount;
    d.lastStatusCode = row->lastStatusCode;
    d.lastLatencyMs = row->lastLatencyMs;
    d.duplicateOf = row->duplicateOf;
    d.nextAttemptAtMs = optionalTime(o, "nextAttemptAt");
    d.contentType = text(o, "contentType");
    d.dedupKey = text(o, "dedupKey");
    d.verifiedBy = text(o, "verifiedBy");
    d.headers = headers(o);
    d.body = body(o);
    for (const QJsonValue& value : o.value(QLatin1String("attempts")).toArray()) {
        const QJsonObject a = value.toObject();
        Attempt attempt;
        attempt.n = a.value(QLatin1String("n")).toInt();
        attempt.startedAtMs = std::max<qint64>(0, timeMs(a.value(QLatin1String("startedAt"))));
        attempt.durationMs = optionalNumber(a, "durationMs");
        if (const auto code = optionalNumber(a, "statusCode"))
            attempt.statusCode = int(*code);
        attempt.error = text(a, "error");
        attempt.via = text(a, "via").isEmpty() ? QStringLiteral("http") : text(a, "via");
        d.attempts << attempt;
    }
    return d;
}

Result<RefusedEntry> refused(const QJsonObject& o)
{
    RefusedEntry e;
    const QJsonValue id = o.value(QLatin1String("id"));
    bool ok = id.isDouble();
    e.id = ok ? qint64(id.toDouble()) : id.toString().toLongLong(&ok);
    if (!ok)
        return bad("refused request", "id");
    e.receivedAtMs = std::max<qint64>(0, timeMs(o.value(QLatin1String("receivedAt"))));
    e.webhookId = text(o, "webhookId");
    e.status = o.value(QLatin1String("status")).toInt();
    e.reason = text(o, "reason");
    e.detail = text(o, "detail");
    e.method = text(o, "method");
    e.path = text(o, "path");
    e.remoteAddress = text(o, "remoteAddress");
    e.headers = headers(o);
    e.bodyHead = body(o);
    e.bodySize = qint64(o.value(QLatin1String("bodySize")).toDouble());
    return e;
}

Result<QHash<QString, WebhookActivity>> stats(const QJsonObject& o)
{
    QHash<QString, WebhookActivity> activity;
    const QJsonValue list = o.value(QLatin1String("webhooks"));
    if (!list.isArray())
        return bad("stats answer", "webhooks");
    for (const QJsonValue& value : list.toArray()) {
        const QJsonObject s = value.toObject();
        WebhookActivity a;
        a.lastDeliveryAtMs = std::max<qint64>(0, timeMs(s.value(QLatin1String("lastDeliveryAt"))));
        a.since = s.value(QLatin1String("received24h")).toInt();
        a.failures = s.value(QLatin1String("failures")).toInt();
        activity.insert(text(s, "webhookId"), a);
    }
    return activity;
}

} // namespace Alfe::RemoteJson
