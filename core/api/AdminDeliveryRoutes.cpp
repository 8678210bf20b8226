// AdminApi: GET /v1/admin/deliveries (keyset pages of the log), GET /v1/admin/deliveries/{id}, POST
// /v1/admin/deliveries/{id}/retry, POST /v1/admin/deliveries/retry (a bulk job), GET|DELETE /v1/admin/jobs/{id}.
#include "api/AdminApi.h"
#include "api/ApiJson.h"
#include "store/DeliveryQuery.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QDateTime>
#include <QJsonArray>

namespace Alfe {

namespace {
constexpr auto CursorEncoding = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

// A row's place in the log's order, opaque to clients: base64url of "<receivedAtMs>.<id>".
QString cursorOf(const DeliveryRow& row)
{
    return QString::fromLatin1(
        (QByteArray::number(row.receivedAtMs) + '.' + row.id.toLatin1()).toBase64(CursorEncoding));
}

Result<DeliveryRow> rowOf(const QString& cursor, const char* parameter)
{
    const Error bad = Errors::invalid(
        QStringLiteral("%1 must be a cursor this API gave out (a row's \"cursor\" or a page's \"nextCursor\").")
            .arg(QLatin1String(parameter)));
    const auto decoded =
        QByteArray::fromBase64Encoding(cursor.toLatin1(), CursorEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || cursor.size() > 100)
        return bad;
    const qsizetype dot = decoded.decoded.indexOf('.');
    bool ok = false;
    DeliveryRow row;
    row.receivedAtMs = decoded.decoded.left(dot).toLongLong(&ok);
    row.id = QString::fromLatin1(decoded.decoded.mid(dot + 1));
    if (dot < 1 || !ok || row.receivedAtMs < 0 || !row.id.startsWith(QLatin1String("dlv_")))
        return bad;
    return row;
}

Result<qint64> timeOf(const QString& text, const char* parameter)
{
    // RFC 3339 names its offset: a time without one ("local" to whom?) is refused, not guessed.
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid() || time.timeSpec() == Qt::LocalTime) {
        return Errors::invalid(QStringLiteral("%1 must be an RFC 3339 time such as 2026-11-30T18:00:00Z, not \"%2\".")
                                   .arg(QLatin1String(parameter), text.left(40)));
    }
    return time.toMSecsSinceEpoch();
}
} // namespace

QString AdminApi::agentOf(const QString& webhookId)
{
    auto it = m_agentOf.constFind(webhookId);
    if (it != m_agentOf.constEnd())
        return *it;
    if (m_agentOf.size() > 10'000)
        m_agentOf.clear();
    const QString agent = m_webhooks.ownerOf(webhookId);
    m_agentOf.insert(webhookId, agent);
    return agent;
}

// The filter of the log from named parameters (the query string, or a bulk retry's "filter" object).
Result<DeliveryViewFilter> AdminApi::filterFrom(const std::function<QString(const char*)>& parameter) const
{
    DeliveryViewFilter filter;
    if (const QString status = parameter("status"); !status.isEmpty()) {
        filter.status = deliveryStatusFromName(status);
        if (!filter.status) {
            return Errors::invalid(QStringLiteral("status must be one of queued, delivering, retrying, delivered, "
                                                  "failed, duplicate."));
        }
    }
    if (const QString provider = parameter("provider"); !provider.isEmpty()) {
        filter.provider = providerFromName(provider);
        if (!filter.provider)
            return Errors::invalid(
                QStringLiteral("provider must be one of %1.").arg(providerNames().join(QStringLiteral(", "))));
    }
    filter.webhookId = parameter("webhookId");
    filter.agentId = parameter("agentId");
    filter.text = parameter("q");
    if (const auto text = DeliveryQuery::parseText(filter.text); text.kind == DeliveryQuery::TextKind::Invalid)
        return Errors::invalid(QStringLiteral("q: %1").arg(text.problem));
    for (const auto& [name, target] : {std::pair{"from", &filter.sinceMs}, std::pair{"to", &filter.untilMs}}) {
        if (const QString text = parameter(name); !text.isEmpty()) {
            auto time = timeOf(text, name);
            if (!time)
                return time.error();
            *target = std::max<qint64>(1, time.value()); // 0 means "no bound"
        }
    }
    if (filter.sinceMs > 0 && filter.untilMs > 0 && filter.sinceMs >= filter.untilMs)
        return Errors::invalid(QStringLiteral("from must be earlier than to."));
    return filter;
}

void AdminApi::deliveries(const ApiRequest& request, const Reply& reply)
{
    const QUrlQuery& query = request.query;
    auto filter = filterFrom(
        [&query](const char* name) { return query.queryItemValue(QLatin1String(name), QUrl::FullyDecoded).trimmed(); });
    if (!filter)
        return Api::fail(filter.error(), reply);
    DeliveryQuery log(m_db);
    if (auto planned = log.setFilter(filter.value()); !planned)
        return Api::fail(planned.error(), reply);
    const bool hasBefore = query.hasQueryItem(QStringLiteral("before"));
    const bool hasAfter = query.hasQueryItem(QStringLiteral("after"));
    if (query.hasQueryItem(QStringLiteral("ids"))) {
        if (hasBefore || hasAfter || query.hasQueryItem(QStringLiteral("limit")))
            return Api::fail(Errors::invalid(QStringLiteral("ids goes without before, after and limit.")), reply);
        const QStringList ids =
            query.queryItemValue(QStringLiteral("ids"), QUrl::FullyDecoded).split(QLatin1Char(','), Qt::SkipEmptyParts);
        if (ids.isEmpty() || ids.size() > MaxPageSize)
            return Api::fail(
                Errors::invalid(
                    QStringLiteral("ids must list 1 to %1 delivery ids, comma-separated.").arg(MaxPageSize)),
                reply);
        QSet<QString> matching;
        auto rows = log.byIds(ids, &matching);
        if (!rows)
            return Api::fail(rows.error(), reply);
        std::sort(rows->begin(), rows->end(), [](const auto& a, const auto& b) { return a.isNewerThan(b); });
        QJsonArray list;
        for (const DeliveryRow& row : rows.value()) {
            QJsonObject json = ApiJson::deliveryRow(row, agentOf(row.webhookId), cursorOf(row));
            json.insert(QStringLiteral("matches"), matching.contains(row.id));
            list.append(json);
        }
        reply(200, ApiJson::compact({{QStringLiteral("deliveries"), list}}), {});
        return;
    }
    if (hasBefore && hasAfter)
        return Api::fail(Errors::invalid(QStringLiteral("Send before or after, not both.")), reply);
    const auto limit = pageLimit(query);
    if (!limit)
        return Api::fail(limit.error(), reply);
    std::optional<DeliveryRow> key;
    if (hasBefore || hasAfter) {
        const char* name = hasBefore ? "before" : "after";
        auto row = rowOf(query.queryItemValue(QLatin1String(name), QUrl::FullyDecoded), name);
        if (!row)
            return Api::fail(row.error(), reply);
        key = row.value();
    }
    bool more = false;
    auto rows =
        hasAfter ? log.newer(*key, limit.value(), &more) : log.older(key ? &*key : nullptr, limit.value(), &more);
    if (!rows)
        return Api::fail(rows.error(), reply);
    QJsonArray list;
    for (const DeliveryRow& row : rows.value())
        list.append(ApiJson::deliveryRow(row, agentOf(row.webhookId), cursorOf(row)));
    const bool pagesOn = more && !hasAfter && !rows->isEmpty();
    reply(200,
          ApiJson::compact({{QStringLiteral("deliveries"), list},
                            {QStringLiteral("nextCursor"), pagesOn ? QJsonValue(cursorOf(rows->last())) : QJsonValue()},
                            {QStringLiteral("more"), more},
                            {QStringLiteral("searchWindowed"), log.searchWindowed()}}),
          {});
}

void AdminApi::delivery(const QString& id, bool retry, const Reply& reply)
{
    if (!retry) {
        auto found = m_deliveries.get(id);
        if (!found)
            return Api::fail(found.error(), reply);
        QJsonObject json = ApiJson::deliveryDetail(found.value());
        // What the console's details pane shows beyond the agents' API.
        json.insert(QStringLiteral("agentId"), agentOf(found->webhookId));
        json.insert(QStringLiteral("webhookUrl"), m_hooks.urlOf(found->webhookId));
        json.insert(QStringLiteral("dedupKey"), found->dedupKey);
        DeliveryRow key;
        key.id = found->id;
        key.receivedAtMs = found->receivedAtMs;
        json.insert(QStringLiteral("cursor"), cursorOf(key));
        reply(200, ApiJson::compact(json), {});
        return;
    }
    auto queued = m_deliveries.requeue(id);
    if (!queued)
        return Api::fail(queued.error(), reply);
    m_hooks.requeued();
    reply(202,
          ApiJson::compact({{QStringLiteral("deliveryId"), id}, {QStringLiteral("status"), QStringLiteral("queued")}}),
          {});
}

// POST /v1/admin/deliveries/retry {ids: […]} or {filter: {status, webhookId, agentId, provider, q, from, to}},
// and chunkSize (deliveries queued per turn of the writer's event loop): 202 {jobId}.
void AdminApi::bulkRetry(const ApiRequest& request, const Reply& reply)
{
    auto body = Api::jsonBody(request);
    if (!body)
        return Api::fail(body.error(), reply);
    const QJsonValue ids = body->value(QLatin1String("ids"));
    const QJsonValue filter = body->value(QLatin1String("filter"));
    if (ids.isUndefined() == filter.isUndefined())
        return Api::fail(Errors::invalid(QStringLiteral("Send \"ids\" (delivery ids) or \"filter\" (which deliveries "
                                                        "to retry), one of the two.")),
                         reply);
    const auto chunk = Api::wholeNumber(body.value(), "chunkSize", 1, AdminJobs::MaxChunk);
    if (!chunk)
        return Api::fail(chunk.error(), reply);
    Result<QString> started = Api::notFound();
    if (!ids.isUndefined()) {
        const QJsonArray array = ids.toArray();
        QStringList list;
        for (const QJsonValue& id : array) {
            if (id.isString())
                list << id.toString();
        }
        if (!ids.isArray() || list.size() != array.size() || list.isEmpty() || list.size() > MaxBulkIds) {
            return Api::fail(
                Errors::invalid(
                    QStringLiteral("ids must be a list of 1 to %1 delivery ids (strings).").arg(MaxBulkIds)),
                reply);
        }
        started = m_jobs.startIds(list, int(chunk->value_or(AdminJobs::DefaultChunk)));
    } else {
        if (!filter.isObject())
            return Api::fail(Errors::invalid(QStringLiteral("filter must be an object.")), reply);
        const QJsonObject object = filter.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isString() && !it.value().isNull())
                return Api::fail(Errors::invalid(QStringLiteral("filter.%1 must be a string.").arg(it.key())), reply);
        }
        auto parsed =
            filterFrom([&object](const char* name) { return object.value(QLatin1String(name)).toString().trimmed(); });
        if (!parsed)
            return Api::fail(parsed.error(), reply);
        started = m_jobs.startFilter(parsed.value(), int(chunk->value_or(AdminJobs::DefaultChunk)));
    }
    if (!started)
        return Api::fail(started.error(), reply);
    reply(202, ApiJson::compact({{QStringLiteral("jobId"), started.value()}}),
          {{"Location", "/v1/admin/jobs/" + started->toUtf8()}});
}

void AdminApi::job(const QString& id, const QByteArray& method, const Reply& reply)
{
    auto job = method == "DELETE" ? m_jobs.cancel(id) : m_jobs.status(id);
    if (!job)
        return Api::fail(job.error(), reply);
    reply(200, ApiJson::compact(job.value()), {});
}

} // namespace Alfe
