#include "store/DeliveryStore.h"

#include "domain/HeaderRedaction.h"

#include "store/DeliveryColumns.h"

#include "crypto/Secrets.h"
#include "domain/Clock.h"
#include "domain/Ids.h"
#include "store/Database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

#include <limits>

namespace Alfe {

namespace {
QVariant nullIfEmpty(const QString& s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

Error unknownDelivery(const QString& id)
{
    return Errors::notFound(QStringLiteral("No delivery with id %1.").arg(id));
}

// The original a new delivery duplicates, if any.
QString findOriginal(Database& db, const IncomingDelivery& in, const QByteArray& bodyHash, qint64 now)
{
    QSqlQuery* q = nullptr;
    if (!in.dedupKey.isEmpty()) {
        q = &db.prepared(QStringLiteral("SELECT id FROM deliveries WHERE webhook_id = ? AND dedup_key = ?"
                                        " AND status <> 'duplicate' ORDER BY received_at LIMIT 1"));
        q->bindValue(0, in.webhookId);
        q->bindValue(1, in.dedupKey);
    } else if (in.dedupWindowMs > 0) {
        q = &db.prepared(QStringLiteral("SELECT id FROM deliveries WHERE webhook_id = ? AND body_sha256 = ?"
                                        " AND dedup_key IS NULL AND status <> 'duplicate' AND received_at >= ?"
                                        " ORDER BY received_at LIMIT 1"));
        q->bindValue(0, in.webhookId);
        q->bindValue(1, bodyHash);
        q->bindValue(2, now - in.dedupWindowMs);
    } else {
        return {};
    }
    QString original;
    if (q->exec() && q->next())
        original = q->value(0).toString();
    q->finish();
    return original;
}
} // namespace

DeliveryStore::DeliveryStore(Database& db, const Clock& clock)
    : m_db(db)
    , m_clock(clock)
{}

QString DeliveryStore::encodeHeaders(const HeaderList& headers)
{
    QJsonArray array;
    for (const auto& [name, value] : headers)
        array.append(QJsonArray{QString::fromLatin1(name), QString::fromUtf8(value)});
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

HeaderList DeliveryStore::decodeHeaders(const QByteArray& json)
{
    HeaderList headers;
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    for (const auto& entry : array) {
        const QJsonArray pair = entry.toArray();
        headers.append({pair.at(0).toString().toLatin1(), pair.at(1).toString().toUtf8()});
    }
    return headers;
}

Result<StoredDelivery> DeliveryStore::insert(const IncomingDelivery& in)
{
    const qint64 now = m_clock.nowMs();
    const QByteArray bodyHash = Secrets::sha256(in.body);
    StoredDelivery stored;
    stored.deliveryId = Ids::newDeliveryId(now);
    stored.receivedAtMs = now;
    stored.originalId = findOriginal(m_db, in, bodyHash, now);

    // The unique index deliveries_dedup holds one original per sender's id. Another writer (a node on the same
    // PostgreSQL) may have stored one since findOriginal looked; the INSERT then does nothing (PostgreSQL first
    // waits for that writer's transaction), and this one is stored as a duplicate of it.
    QSqlQuery& q = m_db.prepared(
        QStringLiteral("INSERT INTO deliveries (id, webhook_id, received_at, provider, event_type, dedup_key,"
                       " body_sha256, content_type, headers, body, status, duplicate_of, next_attempt_at,"
                       " verified_by, agent_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                       " (SELECT agent_id FROM webhooks WHERE id = ?))"
                       " ON CONFLICT (webhook_id, dedup_key) WHERE dedup_key IS NOT NULL AND status <> 'duplicate'"
                       " DO NOTHING RETURNING agent_id"));
    const QString headers = encodeHeaders(HeaderRedaction::withoutCredentials(in.headers));
    for (int round = 0; round < 2; ++round) {
        int column = 0;
        const auto bind = [&q, &column](const QVariant& value) {
            q.bindValue(column++, value);
        };
        bind(stored.deliveryId);
        bind(in.webhookId);
        bind(now);
        bind(providerName(in.provider));
        bind(Database::text(in.eventType));
        bind(nullIfEmpty(in.dedupKey));
        bind(bodyHash);
        bind(Database::text(in.contentType));
        bind(headers);
        bind(in.body);
        bind(deliveryStatusName(stored.duplicate() ? DeliveryStatus::Duplicate : DeliveryStatus::Queued));
        bind(nullIfEmpty(stored.originalId));
        bind(stored.duplicate() ? QVariant(QMetaType::fromType<qint64>()) : QVariant(now));
        bind(Database::text(in.verifiedBy));
        bind(in.webhookId);
        const auto inserted = m_db.exec(q);
        const bool wasStored = inserted && q.next();
        if (wasStored)
            stored.agentId = q.value(0).toString();
        q.finish();
        q.bindValue(9, QByteArray()); // the cached statement must not keep a (possibly 10 MiB) body alive
        if (!inserted)
            return inserted.error();
        if (wasStored)
            return stored;
        // Nothing stored: another writer's original came first.
        stored.originalId = findOriginal(m_db, in, bodyHash, now);
        if (!stored.duplicate())
            break;
    }
    return Errors::storage(QStringLiteral("The delivery could not be stored: its id %1 conflicts with a stored one "
                                          "that cannot be read.")
                               .arg(in.dedupKey));
}

Result<Delivery> DeliveryStore::get(const QString& id) const
{
    // The delivery thread reads one per attempt: both statements are prepared once per connection.
    static const QString DeliverySql =
        QStringLiteral("SELECT %1, d.headers, d.body, d.verified_by FROM deliveries d WHERE d.id = ?")
            .arg(DeliveryColumns::Summary);
    QSqlQuery& q = m_db.prepared(DeliverySql);
    q.bindValue(0, id);
    if (!q.exec() || !q.next()) {
        q.finish();
        return unknownDelivery(id);
    }
    Delivery d = DeliveryColumns::summaryFrom(q);
    d.headers = decodeHeaders(q.value(DeliveryColumns::SummaryCount).toByteArray());
    d.body = q.value(DeliveryColumns::SummaryCount + 1).toByteArray();
    d.verifiedBy = q.value(DeliveryColumns::SummaryCount + 2).toString();
    q.finish();

    QSqlQuery& a =
        m_db.prepared(QStringLiteral("SELECT n, started_at, duration_ms, status_code, error, via FROM attempts"
                                     " WHERE delivery_id = ? ORDER BY n"));
    a.bindValue(0, id);
    if (a.exec()) {
        while (a.next()) {
            Attempt attempt;
            attempt.n = a.value(0).toInt();
            attempt.startedAtMs = a.value(1).toLongLong();
            attempt.durationMs = DeliveryColumns::optional<qint64>(a.value(2));
            attempt.statusCode = DeliveryColumns::optional<int>(a.value(3));
            attempt.error = a.value(4).toString();
            attempt.via = a.value(5).toString();
            d.attempts << attempt;
        }
    }
    a.finish();
    return d;
}

Result<DeliveryPage> DeliveryStore::list(const DeliveryFilter& filter) const
{
    if (filter.limit < 1 || filter.limit > MaxPageSize)
        return Errors::invalid(QStringLiteral("limit must be between 1 and %1.").arg(MaxPageSize));
    qint64 cursorTime = 0;
    QString cursorId;
    if (!filter.cursor.isEmpty()) {
        const qsizetype dot = filter.cursor.indexOf(QLatin1Char('.'));
        bool ok = false;
        cursorTime = dot > 0 ? filter.cursor.left(dot).toLongLong(&ok) : 0;
        cursorId = filter.cursor.mid(dot + 1);
        if (!ok || !Ids::isDeliveryId(cursorId))
            return Errors::invalid(
                QStringLiteral("The cursor \"%1\" is not one this server gave out.").arg(filter.cursor));
    }

    QString sql = QStringLiteral("SELECT %1 FROM deliveries d").arg(DeliveryColumns::Summary);
    QStringList where;
    QVariantList binds;
    if (!filter.agentId.isEmpty()) {
        sql += QStringLiteral(" JOIN webhooks w ON w.id = d.webhook_id");
        where << QStringLiteral("w.agent_id = ?");
        binds << filter.agentId;
    }
    if (!filter.webhookId.isEmpty()) {
        where << QStringLiteral("d.webhook_id = ?");
        binds << filter.webhookId;
    }
    if (filter.status) {
        where << QStringLiteral("d.status = ?");
        binds << deliveryStatusName(*filter.status);
    }
    if (!cursorId.isEmpty()) {
        where << QStringLiteral("(d.received_at, d.id) < (?, ?)");
        binds << cursorTime << cursorId;
    }
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY d.received_at DESC, d.id DESC LIMIT %1").arg(filter.limit + 1);

    QSqlQuery q(m_db.connection());
    m_db.prepare(q, sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    DeliveryPage page;
    while (q.next())
        page.items << DeliveryColumns::summaryFrom(q);
    if (page.items.size() > filter.limit) {
        page.items.removeLast();
        const Delivery& last = page.items.last();
        page.nextCursor = QString::number(last.receivedAtMs) + QLatin1Char('.') + last.id;
    }
    return page;
}

namespace {
const QString RefusedColumns = QStringLiteral("id, received_at, webhook_id, status, reason, method, path, remote,"
                                              " body_size, detail, %1 FROM refused_requests");

RefusedEntry refusedFrom(const QSqlQuery& q, bool withBodies)
{
    RefusedEntry e;
    e.id = q.value(0).toLongLong();
    e.receivedAtMs = q.value(1).toLongLong();
    e.webhookId = q.value(2).toString();
    e.status = q.value(3).toInt();
    e.reason = q.value(4).toString();
    e.method = q.value(5).toString();
    e.path = q.value(6).toString();
    e.remoteAddress = q.value(7).toString();
    e.bodySize = q.value(8).toLongLong();
    e.detail = q.value(9).toString();
    if (withBodies) {
        e.headers = DeliveryStore::decodeHeaders(q.value(10).toByteArray());
        e.bodyHead = q.value(11).toByteArray();
    }
    return e;
}

QString refusedColumns(bool withBodies)
{
    return RefusedColumns.arg(withBodies ? QStringLiteral("headers, body_head") : QStringLiteral("NULL, NULL"));
}
} // namespace

Result<QList<RefusedEntry>> DeliveryStore::refused(const RefusedQuery& query) const
{
    if (query.limit < 1 || query.limit > MaxPageSize)
        return Errors::invalid(QStringLiteral("limit must be between 1 and %1.").arg(MaxPageSize));
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    // The id is the rowid: newest first and "newer than" are one b-tree walk each.
    m_db.prepare(
        q, QStringLiteral("SELECT %1 WHERE id > ? AND id < ? AND (? = '' OR webhook_id = ?) ORDER BY id DESC LIMIT ?")
               .arg(refusedColumns(query.withBodies)));
    q.addBindValue(query.newerThanId);
    q.addBindValue(query.olderThanId > 0 ? query.olderThanId : std::numeric_limits<qint64>::max());
    q.addBindValue(Database::text(query.webhookId));
    q.addBindValue(Database::text(query.webhookId));
    q.addBindValue(query.limit);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    QList<RefusedEntry> entries;
    while (q.next())
        entries << refusedFrom(q, query.withBodies);
    return entries;
}

Result<RefusedEntry> DeliveryStore::refusedEntry(qint64 id) const
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("SELECT %1 WHERE id = ?").arg(refusedColumns(true)));
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    if (!q.next())
        return Errors::notFound(QStringLiteral("That refused request has left the log (it keeps 24 hours)."));
    return refusedFrom(q, true);
}

Result<QHash<QString, WebhookActivity>> DeliveryStore::activity(const QString& agentId, qint64 sinceMs) const
{
    // Correlated sub-selects, each one range of deliveries_webhook (webhook_id, received_at, id), and the failed
    // rows counted once, from their range of deliveries_status: the cost grows with the webhooks, the last day's
    // traffic and the failures, not with the size of the log (counting a webhook's failures in deliveries_webhook
    // read every row of the webhook: a second at a million rows).
    QSqlQuery q(m_db.connection());
    m_db.prepare(q,
                 QStringLiteral("SELECT w.id,"
                                " (SELECT max(d.received_at) FROM deliveries d WHERE d.webhook_id = w.id),"
                                " (SELECT count(*) FROM deliveries d WHERE d.webhook_id = w.id AND d.received_at >= ?),"
                                " coalesce(f.n, 0)"
                                " FROM webhooks w LEFT JOIN (SELECT webhook_id, count(*) AS n FROM deliveries"
                                "  INDEXED BY deliveries_status WHERE status = 'failed' GROUP BY webhook_id) f"
                                "  ON f.webhook_id = w.id"
                                " WHERE w.deleted_at IS NULL AND (? = '' OR w.agent_id = ?)"));
    q.addBindValue(sinceMs);
    q.addBindValue(Database::text(agentId)); // a null QString would bind NULL, which matches nothing
    q.addBindValue(Database::text(agentId));
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    QHash<QString, WebhookActivity> out;
    while (q.next()) {
        WebhookActivity a;
        a.lastDeliveryAtMs = q.value(1).toLongLong();
        a.since = q.value(2).toInt();
        a.failures = q.value(3).toInt();
        out.insert(q.value(0).toString(), a);
    }
    return out;
}

Result<Delivery> DeliveryStore::requeue(const QString& id)
{
    auto current = get(id);
    if (!current)
        return current.error();
    if (current->status == DeliveryStatus::Duplicate) {
        return Error{
            QStringLiteral("conflict"),
            QStringLiteral("Delivery %1 is a duplicate of %2; retry the original.").arg(id, current->duplicateOf)};
    }
    QSqlQuery q(m_db.connection());
    // A manual retry gets a fresh retry budget.
    m_db.prepare(
        q, QStringLiteral("UPDATE deliveries SET status = 'queued', failures = 0, next_attempt_at = ? WHERE id = ?"));
    q.addBindValue(m_clock.nowMs());
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    return get(id);
}

} // namespace Alfe
