#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QHash>

namespace Alfe {

class Clock;
class Database;

struct DeliveryFilter
{
    QString webhookId;
    QString agentId; // only deliveries of this agent's webhooks
    std::optional<DeliveryStatus> status;
    int limit = 50;
    QString cursor; // from DeliveryPage::nextCursor
};

struct DeliveryPage
{
    QList<Delivery> items; // newest first, without headers and body
    QString nextCursor;    // empty on the last page
};

// What the ingress hands the writer: a verified request, not yet stored.
struct IncomingDelivery
{
    QString webhookId;
    Provider provider = Provider::Generic;
    QString eventType;
    QString dedupKey;         // explicit key, or empty
    qint64 dedupWindowMs = 0; // body-hash dedup window when there is no explicit key (0 = off)
    QString contentType;
    QString verifiedBy; // the signature scheme that verified it
    HeaderList headers;
    QByteArray body;
};

// The outcome of storing one IncomingDelivery.
struct StoredDelivery
{
    QString deliveryId; // the new row (a duplicate gets its own row, linked to the original)
    QString originalId; // set when this was a duplicate
    QString agentId;    // the webhook's agent
    qint64 receivedAtMs = 0;
    bool duplicate() const { return !originalId.isEmpty(); }
};

// What the webhooks list shows beside each webhook.
struct WebhookActivity
{
    qint64 lastDeliveryAtMs = 0; // 0: never
    int since = 0;               // deliveries received at or after the time asked about
    int failures = 0;            // deliveries that used up their retries and wait for a person
};

// Deliveries and their attempts, on one connection.
class DeliveryStore final
{
public:
    static constexpr int MaxPageSize = 500;

    DeliveryStore(Database& db, const Clock& clock);
    Q_DISABLE_COPY_MOVE(DeliveryStore)

    // Stores one delivery inside the caller's transaction. An explicit key dedups against every stored
    // delivery (they live for the retention period); without one, the body hash dedups inside the window.
    Result<StoredDelivery> insert(const IncomingDelivery& incoming);

    Result<Delivery> get(const QString& id) const; // with headers, body and attempts
    Result<DeliveryPage> list(const DeliveryFilter& filter) const;
    // The refused-request log, newest first: only `webhookId`'s when it is not empty, only entries newer than
    // `newerThanId` when it is set, and with headers and body heads only when asked (they weigh up to 64 KiB
    // each).
    struct RefusedQuery
    {
        QString webhookId;
        int limit = 50;
        qint64 newerThanId = 0;
        qint64 olderThanId = 0; // 0: from the newest (keyset paging, the admin API's `before`)
        bool withBodies = false;
    };
    Result<QList<RefusedEntry>> refused(const RefusedQuery& query) const;
    // One entry with its headers and body head.
    Result<RefusedEntry> refusedEntry(qint64 id) const;
    // Queues a delivery again, whatever its status (a replay when it was delivered).
    Result<Delivery> requeue(const QString& id);

    // Per webhook of `agentId` (of every agent when empty, deleted webhooks left out), in one query that
    // reads only the log's indexes: last delivery, deliveries since `sinceMs`, failures.
    Result<QHash<QString, WebhookActivity>> activity(const QString& agentId, qint64 sinceMs) const;

    static QString encodeHeaders(const HeaderList& headers); // JSON text: [[name, value], ...]
    static HeaderList decodeHeaders(const QByteArray& json);

private:
    Database& m_db;
    const Clock& m_clock;
};

} // namespace Alfe
