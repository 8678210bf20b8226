#include "store/DeliveryColumns.h"

#include <QSqlQuery>
#include <QVariant>

namespace Alfe::DeliveryColumns {

namespace {
enum Column
{
    Id,
    WebhookId,
    ReceivedAt,
    ProviderName,
    EventType,
    DedupKey,
    ContentType,
    Status,
    DuplicateOf,
    AttemptCount,
    NextAttemptAt,
    LastStatusCode,
    LastLatencyMs,
};
} // namespace

const QString Summary = QStringLiteral(
    "d.id AS id, d.webhook_id AS webhook_id, d.received_at AS received_at, d.provider AS provider,"
    " d.event_type AS event_type, d.dedup_key AS dedup_key, d.content_type AS content_type, d.status AS status,"
    " d.duplicate_of AS duplicate_of, d.attempt_count AS attempt_count, d.next_attempt_at AS next_attempt_at,"
    " d.last_status_code AS last_status_code, d.last_latency_ms AS last_latency_ms");

Delivery summaryFrom(const QSqlQuery& q)
{
    Delivery d;
    d.id = q.value(Id).toString();
    d.webhookId = q.value(WebhookId).toString();
    d.receivedAtMs = q.value(ReceivedAt).toLongLong();
    d.provider = providerFromName(q.value(ProviderName).toString()).value_or(Provider::Generic);
    d.eventType = q.value(EventType).toString();
    d.dedupKey = q.value(DedupKey).toString();
    d.contentType = q.value(ContentType).toString();
    d.status = deliveryStatusFromName(q.value(Status).toString()).value_or(DeliveryStatus::Queued);
    d.duplicateOf = q.value(DuplicateOf).toString();
    d.attemptCount = q.value(AttemptCount).toInt();
    d.nextAttemptAtMs = optional<qint64>(q.value(NextAttemptAt));
    d.lastStatusCode = optional<int>(q.value(LastStatusCode));
    d.lastLatencyMs = optional<qint64>(q.value(LastLatencyMs));
    return d;
}

DeliveryRow rowFrom(const QSqlQuery& q)
{
    Delivery d = summaryFrom(q);
    return DeliveryRow{
        std::move(d.id), std::move(d.webhookId), d.receivedAtMs,   d.provider,      std::move(d.eventType),
        d.status,        d.attemptCount,         d.lastStatusCode, d.lastLatencyMs, std::move(d.duplicateOf)};
}

} // namespace Alfe::DeliveryColumns
