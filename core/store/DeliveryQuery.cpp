#include "store/DeliveryQuery.h"

#include "store/DeliveryColumns.h"

#include "domain/Ids.h"
#include "domain/Ulid.h"
#include "store/Database.h"

#include <QSqlError>
#include <QSqlQuery>

#include <tuple>

namespace Alfe {

namespace {
const QString NewestFirst = QStringLiteral(" ORDER BY d.received_at DESC, d.id DESC");
const QString IdNewestFirst = QStringLiteral(" ORDER BY d.id DESC");

// The first string after every string that starts with `prefix` (ids are ASCII below '~').
QString prefixEnd(const QString& prefix)
{
    return prefix + QLatin1Char('~');
}

QString likeContains(const QString& text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('%'), QStringLiteral("\\%"));
    escaped.replace(QLatin1Char('_'), QStringLiteral("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

QString placeholders(qsizetype n)
{
    QStringList marks;
    marks.reserve(n);
    for (qsizetype i = 0; i < n; ++i)
        marks << QStringLiteral("?");
    return marks.join(QLatin1Char(','));
}

QStringList intersect(const QStringList& a, const QStringList& b)
{
    QStringList out;
    for (const QString& id : a) {
        if (b.contains(id))
            out << id;
    }
    return out;
}
} // namespace

DeliveryQuery::Text DeliveryQuery::parseText(const QString& input)
{
    const QString text = input.trimmed();
    if (text.isEmpty())
        return {};
    for (const auto& [prefix, kind, what] :
         {std::tuple{Ids::DeliveryPrefix, TextKind::DeliveryId, QStringLiteral("Delivery")},
          std::tuple{Ids::WebhookPrefix, TextKind::WebhookId, QStringLiteral("Webhook")}}) {
        if (!text.startsWith(prefix, Qt::CaseInsensitive))
            continue;
        const QString rest = text.mid(prefix.size()).toUpper();
        if (rest.size() > Ulid::Length)
            return {TextKind::Invalid, text,
                    QStringLiteral("%1 ids have %2 characters after \"%3\".").arg(what).arg(Ulid::Length).arg(prefix)};
        for (QChar c : rest) {
            if (!Ulid::isDigit(c)) {
                return {TextKind::Invalid, text,
                        QStringLiteral("%1 ids use only 0-9 and the letters A-Z without I, L, O and U; \"%2\" is "
                                       "not one of them.")
                            .arg(what, c)};
            }
        }
        return {kind, QString(prefix) + rest, {}};
    }
    return {TextKind::EventType, text, {}};
}

DeliveryQuery::DeliveryQuery(Database& db)
    : m_db(db)
{}

QStringList DeliveryQuery::webhookIds(const QString& where, const QVariantList& binds) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    m_db.prepare(q, QStringLiteral("SELECT id FROM webhooks WHERE ") + where + QStringLiteral(" ORDER BY id"));
    for (const QVariant& v : binds)
        q.addBindValue(v);
    QStringList ids;
    if (m_db.exec(q)) {
        while (q.next())
            ids << q.value(0).toString();
    }
    return ids;
}

// How many rows an indexed column value has since m_since, counted in its index and never past `bound`.
qint64 DeliveryQuery::boundedCount(const QString& column, const QString& value, qint64 bound) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    m_db.prepare(
        q, QStringLiteral("SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE %1 = ? AND received_at >= ? LIMIT ?)")
               .arg(column));
    q.addBindValue(value);
    q.addBindValue(m_since);
    q.addBindValue(bound);
    return m_db.exec(q) && q.next() ? q.value(0).toLongLong() : bound;
}

// The received time of the SearchWindow-th newest row of an index (the whole log when `column` is empty) before
// the filter's end; 0 when there are fewer rows than that.
qint64 DeliveryQuery::windowStart(const QString& column, const QString& value) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    QStringList terms;
    if (!column.isEmpty())
        terms << QStringLiteral("%1 = ?").arg(column);
    if (m_filter.untilMs > 0) // the window ends where the time range does
        terms << QStringLiteral("received_at < ?");
    const QString where = terms.isEmpty() ? QString() : QStringLiteral(" WHERE ") + terms.join(QStringLiteral(" AND "));
    m_db.prepare(q, QStringLiteral("SELECT received_at FROM deliveries%1 ORDER BY received_at DESC, id DESC"
                                   " LIMIT 1 OFFSET %2")
                        .arg(where)
                        .arg(SearchWindow - 1));
    if (!column.isEmpty())
        q.addBindValue(value);
    if (m_filter.untilMs > 0)
        q.addBindValue(m_filter.untilMs);
    return m_db.exec(q) && q.next() ? q.value(0).toLongLong() : 0;
}

Result<void> DeliveryQuery::setFilter(const DeliveryViewFilter& filter)
{
    m_filter = filter;
    m_text = parseText(filter.text);
    m_since = filter.sinceMs;
    m_webhooks.clear();
    m_restrict = false;
    m_nothing = m_text.kind == TextKind::Invalid;
    m_windowed = false;

    // The webhooks a row may belong to: the chosen one, those of the provider, those the prefix names.
    auto restrictTo = [this](const QStringList& ids) {
        m_webhooks = m_restrict ? intersect(m_webhooks, ids) : ids;
        m_restrict = true;
    };
    if (!filter.webhookId.isEmpty())
        restrictTo({filter.webhookId});
    if (!filter.agentId.isEmpty())
        restrictTo(webhookIds(QStringLiteral("agent_id = ?"), {filter.agentId}));
    if (filter.provider)
        restrictTo(webhookIds(QStringLiteral("provider = ?"), {providerName(*filter.provider)}));
    if (m_text.kind == TextKind::WebhookId)
        restrictTo(webhookIds(QStringLiteral("id >= ? AND id < ?"), {m_text.value, prefixEnd(m_text.value)}));
    if (m_restrict && m_webhooks.isEmpty())
        m_nothing = true;
    if (m_restrict && filter.webhookId.isEmpty() && !m_nothing) {
        // A set that holds every webhook restricts nothing.
        QSqlQuery all(m_db.connection());
        if (all.exec(QStringLiteral("SELECT count(*) FROM webhooks")) && all.next() &&
            all.value(0).toLongLong() == m_webhooks.size())
            m_restrict = false;
    }

    // The driving index: the one whose range holds fewer rows, measured in the index and bounded.
    const QString status = filter.status ? deliveryStatusName(*filter.status) : QString();
    const bool unionable = m_restrict && !m_webhooks.isEmpty() && m_webhooks.size() <= MaxUnionWebhooks;
    if (m_text.kind == TextKind::DeliveryId) {
        m_driver = Driver::Id;
    } else if (filter.status && unionable && !m_nothing) {
        const qint64 inStatus = boundedCount(QStringLiteral("status"), status, SelectivityProbe);
        qint64 inWebhooks = 0;
        for (const QString& id : std::as_const(m_webhooks)) {
            if (inWebhooks >= inStatus)
                break;
            inWebhooks += boundedCount(QStringLiteral("webhook_id"), id, inStatus - inWebhooks + 1);
        }
        m_driver = inWebhooks < inStatus ? Driver::Webhooks : Driver::Status;
    } else if (filter.status) {
        m_driver = Driver::Status;
    } else if (unionable) {
        m_driver = Driver::Webhooks;
    } else {
        m_driver = Driver::Time;
    }

    // No index covers event types: search them among the newest rows of the driving index only.
    if (m_text.kind == TextKind::EventType && !m_nothing) {
        qint64 start = 0;
        if (m_driver == Driver::Status)
            start = windowStart(QStringLiteral("status"), status);
        else if (m_driver == Driver::Webhooks && m_webhooks.size() == 1)
            start = windowStart(QStringLiteral("webhook_id"), m_webhooks.first());
        else
            start = windowStart({}, {});
        if (start > m_since) {
            m_since = start;
            m_windowed = true;
        }
    }
    return {};
}

// The filter as SQL terms. The driving index's own columns are compared bare; every other column is
// written as +column, which keeps SQLite from choosing another index for it.
void DeliveryQuery::appendTerms(QStringList& where, QVariantList& binds, const QString& branchWebhook,
                                bool forMatch) const
{
    const bool idDriven = m_driver == Driver::Id;
    if (m_text.kind == TextKind::DeliveryId) {
        where << QStringLiteral("d.id >= ? AND d.id < ?");
        binds << m_text.value << prefixEnd(m_text.value);
    }
    if (!branchWebhook.isEmpty()) {
        where << QStringLiteral("d.webhook_id = ?");
        binds << branchWebhook;
    } else if (m_restrict) {
        where << QStringLiteral("+d.webhook_id IN (%1)").arg(placeholders(m_webhooks.size()));
        for (const QString& id : m_webhooks)
            binds << id;
    }
    if (m_filter.status) {
        where << (m_driver == Driver::Status || forMatch ? QStringLiteral("d.status = ?")
                                                         : QStringLiteral("+d.status = ?"));
        binds << deliveryStatusName(*m_filter.status);
    }
    if (m_filter.provider) {
        where << QStringLiteral("+d.provider = ?");
        binds << providerName(*m_filter.provider);
    }
    if (m_since > 0) {
        where << (idDriven ? QStringLiteral("+d.received_at >= ?") : QStringLiteral("d.received_at >= ?"));
        binds << m_since;
    }
    if (m_filter.untilMs > 0) {
        where << (idDriven ? QStringLiteral("+d.received_at < ?") : QStringLiteral("d.received_at < ?"));
        binds << m_filter.untilMs;
    }
    if (m_text.kind == TextKind::EventType) {
        where << QStringLiteral("d.event_type LIKE ? ESCAPE '\\'");
        binds << likeContains(m_text.value);
    }
}

DeliveryQuery::Sql DeliveryQuery::branch(const QString& webhook, Cursor cursor, const DeliveryRow* key, int limit) const
{
    Sql sql;
    QStringList where;
    appendTerms(where, sql.binds, webhook, false);
    const bool idDriven = m_driver == Driver::Id;
    if (cursor != Cursor::None && key) {
        const QString op = cursor == Cursor::Older ? QStringLiteral("<") : QStringLiteral(">");
        if (idDriven) {
            where << QStringLiteral("d.id %1 ?").arg(op);
            sql.binds << key->id;
        } else {
            where << QStringLiteral("(d.received_at, d.id) %1 (?, ?)").arg(op);
            sql.binds << key->receivedAtMs << key->id;
        }
    }
    sql.text = QStringLiteral("SELECT ") + DeliveryColumns::Summary + QStringLiteral(" FROM deliveries d");
    if (!where.isEmpty())
        sql.text += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql.text += (idDriven ? IdNewestFirst : NewestFirst) + QStringLiteral(" LIMIT %1").arg(limit);
    return sql;
}

DeliveryQuery::Sql DeliveryQuery::page(Cursor cursor, const DeliveryRow* key, int limit) const
{
    if (m_driver != Driver::Webhooks || m_webhooks.size() == 1)
        return branch(m_driver == Driver::Webhooks ? m_webhooks.first() : QString(), cursor, key, limit);
    // One index scan per webhook, each already in order: SQLite merges them (MERGE (UNION ALL)).
    Sql sql;
    QStringList parts;
    for (const QString& webhook : m_webhooks) {
        Sql part = branch(webhook, cursor, key, limit);
        parts << QStringLiteral("SELECT * FROM (%1)").arg(part.text);
        sql.binds << part.binds;
    }
    sql.text = parts.join(QStringLiteral(" UNION ALL ")) +
               QStringLiteral(" ORDER BY received_at DESC, id DESC LIMIT %1").arg(limit);
    return sql;
}

Result<QList<DeliveryRow>> DeliveryQuery::run(const Sql& sql, int limit, bool* more) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    if (!m_db.prepare(q, sql.text))
        return Errors::storage(q.lastError().text());
    for (const QVariant& v : sql.binds)
        q.addBindValue(v);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    QList<DeliveryRow> rows;
    rows.reserve(limit + 1);
    while (q.next())
        rows << DeliveryColumns::rowFrom(q);
    if (more)
        *more = rows.size() > limit;
    if (rows.size() > limit)
        rows.resize(limit);
    return rows;
}

Result<QList<DeliveryRow>> DeliveryQuery::older(const DeliveryRow* after, int limit, bool* more) const
{
    if (m_nothing) {
        if (more)
            *more = false;
        return QList<DeliveryRow>();
    }
    return run(page(after ? Cursor::Older : Cursor::None, after, limit + 1), limit, more);
}

Result<QList<DeliveryRow>> DeliveryQuery::newer(const DeliveryRow& than, int limit, bool* more) const
{
    if (m_nothing) {
        if (more)
            *more = false;
        return QList<DeliveryRow>();
    }
    return run(page(Cursor::Newer, &than, limit + 1), limit, more);
}

Result<QList<DeliveryRow>> DeliveryQuery::byIds(const QStringList& ids, QSet<QString>* matching) const
{
    QList<DeliveryRow> rows;
    if (ids.isEmpty())
        return rows;
    QStringList terms;
    QVariantList binds;
    appendTerms(terms, binds, {}, true);
    const QString match = m_nothing         ? QStringLiteral("0")
                          : terms.isEmpty() ? QStringLiteral("1")
                                            : QStringLiteral("(%1)").arg(terms.join(QStringLiteral(" AND ")));
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    m_db.prepare(q, QStringLiteral("SELECT %1, %2 FROM deliveries d WHERE d.id IN (%3)")
                        .arg(DeliveryColumns::Summary, match, placeholders(ids.size())));
    for (const QVariant& v : std::as_const(binds))
        q.addBindValue(v);
    for (const QString& id : ids)
        q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    while (q.next()) {
        rows << DeliveryColumns::rowFrom(q);
        if (matching && q.value(DeliveryColumns::SummaryCount).toInt() != 0)
            matching->insert(rows.last().id);
    }
    return rows;
}

bool DeliveryQuery::logIsEmpty() const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    return q.exec(QStringLiteral("SELECT 1 FROM deliveries LIMIT 1")) && !q.next();
}

} // namespace Alfe
