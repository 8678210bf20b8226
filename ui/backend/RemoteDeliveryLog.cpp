#include "backend/RemoteDeliveryLog.h"

#include "backend/RemoteConnection.h"
#include "backend/RemoteJson.h"
#include "store/DeliveryQuery.h"

#include <QDateTime>
#include <QJsonArray>
#include <QPointer>

namespace Alfe {

RemoteDeliveryLog::RemoteDeliveryLog(RemoteConnection& connection)
    : m_connection(connection)
{}

RemoteDeliveryLog::~RemoteDeliveryLog() = default;

void RemoteDeliveryLog::setFilter(const DeliveryViewFilter& filter, Done<void> done)
{
    m_filter = filter;
    m_windowed = false;
    m_cursors.clear();
    // Checked here as the server would: a bad id prefix is said at once, without a round trip.
    const auto text = DeliveryQuery::parseText(filter.text);
    if (text.kind == DeliveryQuery::TextKind::Invalid)
        return done(Errors::invalid(text.problem));
    done({});
}

QUrlQuery RemoteDeliveryLog::filterQuery() const
{
    QUrlQuery query;
    if (!m_filter.text.trimmed().isEmpty())
        query.addQueryItem(QStringLiteral("q"), QString::fromLatin1(QUrl::toPercentEncoding(m_filter.text.trimmed())));
    if (m_filter.status)
        query.addQueryItem(QStringLiteral("status"), deliveryStatusName(*m_filter.status));
    if (!m_filter.webhookId.isEmpty())
        query.addQueryItem(QStringLiteral("webhookId"), m_filter.webhookId);
    if (m_filter.provider)
        query.addQueryItem(QStringLiteral("provider"), providerName(*m_filter.provider));
    if (m_filter.sinceMs > 0)
        query.addQueryItem(QStringLiteral("from"),
                           QString::fromLatin1(QUrl::toPercentEncoding(
                               QDateTime::fromMSecsSinceEpoch(m_filter.sinceMs, Qt::UTC).toString(Qt::ISODateWithMs))));
    return query;
}

QString RemoteDeliveryLog::cursorOf(const DeliveryRow& row) const
{
    return m_cursors.value(row.id);
}

void RemoteDeliveryLog::page(QUrlQuery query, Done<Page> done)
{
    QPointer<QObject> guard(&m_guard);
    m_connection.get(QStringLiteral("/v1/admin/deliveries"), query, [this, guard, done](Result<QJsonObject> answer) {
        if (!guard)
            return;
        if (!answer)
            return done(answer.error());
        Page page;
        for (const QJsonValue& value : answer->value(QLatin1String("deliveries")).toArray()) {
            const QJsonObject object = value.toObject();
            auto row = RemoteJson::deliveryRow(object);
            if (!row)
                return done(row.error());
            m_cursors.insert(row->id, object.value(QLatin1String("cursor")).toString());
            page.rows << std::move(row.value());
        }
        page.more = answer->value(QLatin1String("more")).toBool();
        m_windowed = answer->value(QLatin1String("searchWindowed")).toBool();
        done(std::move(page));
    });
}

void RemoteDeliveryLog::older(const DeliveryRow* after, int limit, Done<Page> done)
{
    QUrlQuery query = filterQuery();
    query.addQueryItem(QStringLiteral("limit"), QString::number(std::clamp(limit, 1, 500)));
    if (after) {
        const QString cursor = cursorOf(*after);
        if (cursor.isEmpty())
            return done(Errors::invalid(QStringLiteral("No cursor for %1.").arg(after->id)));
        query.addQueryItem(QStringLiteral("before"), cursor);
    }
    page(std::move(query), std::move(done));
}

void RemoteDeliveryLog::newer(const DeliveryRow& than, int limit, Done<Page> done)
{
    const QString cursor = cursorOf(than);
    if (cursor.isEmpty())
        return done(Errors::invalid(QStringLiteral("No cursor for %1.").arg(than.id)));
    QUrlQuery query = filterQuery();
    query.addQueryItem(QStringLiteral("limit"), QString::number(std::clamp(limit, 1, 500)));
    query.addQueryItem(QStringLiteral("after"), cursor);
    page(std::move(query), [done, limit](Result<Page> page) {
        // The model asks for up to LiveBatchLimit; the server gives 500 at most and says whether more follow.
        Q_UNUSED(limit)
        done(std::move(page));
    });
}

void RemoteDeliveryLog::byIds(const QStringList& ids, Done<Rows> done)
{
    if (ids.isEmpty())
        return done(Rows{});
    // 500 ids at most per request: larger sets are read in parts, answered together.
    struct Gather
    {
        Rows rows;
        int pending = 0;
        bool failed = false;
    };
    auto gather = std::make_shared<Gather>();
    QPointer<QObject> guard(&m_guard);
    for (qsizetype at = 0; at < ids.size(); at += 500) {
        ++gather->pending;
        QUrlQuery query = filterQuery();
        query.addQueryItem(QStringLiteral("ids"), ids.mid(at, 500).join(QLatin1Char(',')));
        m_connection.get(QStringLiteral("/v1/admin/deliveries"), query,
                         [this, guard, gather, done](Result<QJsonObject> answer) {
                             if (!guard || gather->failed)
                                 return;
                             if (!answer) {
                                 gather->failed = true;
                                 return done(answer.error());
                             }
                             for (const QJsonValue& value : answer->value(QLatin1String("deliveries")).toArray()) {
                                 const QJsonObject object = value.toObject();
                                 auto row = RemoteJson::deliveryRow(object);
                                 if (!row)
                                     continue;
                                 m_cursors.insert(row->id, object.value(QLatin1String("cursor")).toString());
                                 if (object.value(QLatin1String("matches")).toBool())
                                     gather->rows.matching.insert(row->id);
                                 gather->rows.rows << std::move(row.value());
                             }
                             if (--gather->pending == 0)
                                 done(std::move(gather->rows));
                         });
    }
}

void RemoteDeliveryLog::logIsEmpty(Done<bool> done)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("1"));
    QPointer<QObject> guard(&m_guard);
    m_connection.get(QStringLiteral("/v1/admin/deliveries"), query, [guard, done](Result<QJsonObject> answer) {
        if (!guard)
            return;
        if (!answer)
            return done(answer.error());
        done(answer->value(QLatin1String("deliveries")).toArray().isEmpty());
    });
}

} // namespace Alfe
