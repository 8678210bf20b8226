#include "store/RefusedLog.h"

#include "domain/HeaderRedaction.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"

#include <QSqlQuery>
#include <QVariant>

namespace Alfe {

namespace {
// What a row costs on disk, near enough: its variable-length columns.
const QString RowBytes = QStringLiteral("length(CAST(headers AS BLOB)) + coalesce(length(body_head), 0) + "
                                        "length(CAST(path AS BLOB)) + length(CAST(reason AS BLOB)) + "
                                        "length(CAST(detail AS BLOB))");
constexpr qsizetype MaxPathBytes = 2048;
constexpr qsizetype MaxDetailChars = 1000;
} // namespace

RefusedLog::RefusedLog(qint64 maxBytes)
    : m_maxBytes(maxBytes)
{}

bool RefusedLog::add(const RefusedRequest& request, qint64 atMs)
{
    if (m_pending.size() >= MaxPending)
        return false;
    m_pending.append({request, atMs});
    m_pending.last().request.bodyHead.truncate(RefusedRequest::BodyHeadBytes);
    return true;
}

HeaderList RefusedLog::storedHeaders(const HeaderList& headers)
{
    HeaderList stored;
    qsizetype total = 0;
    for (auto [name, value] : HeaderRedaction::forDisplay(headers)) {
        if (value.size() > MaxHeaderValueBytes)
            value = value.left(MaxHeaderValueBytes) + "... (" + QByteArray::number(value.size()) + " bytes)";
        total += name.size() + value.size();
        if (total > MaxHeadersBytes)
            break;
        stored.append({name, value});
    }
    return stored;
}

Result<void> RefusedLog::write(Database& db, qint64 nowMs)
{
    if (m_pending.isEmpty())
        return {};
    if (!m_loaded) {
        if (auto loaded = loadRows(db); !loaded)
            return loaded;
    }
    // No fsync for the log alone: the next accepted batch (synchronous=FULL) syncs the WAL with it.
    db.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    const auto written = db.transaction([&]() -> Result<void> {
        if (auto inserted = insertPending(db); !inserted)
            return inserted;
        return trim(db, nowMs);
    });
    db.exec(QStringLiteral("PRAGMA synchronous=FULL"));
    m_pending.clear();
    if (!written)
        m_loaded = false; // what m_rows says may no longer be what the table holds
    return written;
}

Result<void> RefusedLog::loadRows(Database& db)
{
    m_rows.clear();
    m_bytes = 0;
    QSqlQuery q(db.connection());
    q.setForwardOnly(true);
    db.prepare(q, QStringLiteral("SELECT id, received_at, %1 FROM refused_requests ORDER BY id").arg(RowBytes));
    if (auto ran = db.exec(q); !ran)
        return ran;
    while (q.next()) {
        m_rows.push_back({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toLongLong()});
        m_bytes += m_rows.back().bytes;
    }
    m_loaded = true;
    return {};
}

Result<void> RefusedLog::insertPending(Database& db)
{
    QSqlQuery q(db.connection());
    db.prepare(q, QStringLiteral("INSERT INTO refused_requests (received_at, webhook_id, status, reason, method, path,"
                                 " remote, headers, body_head, body_size, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                                 " RETURNING id, %1")
                      .arg(RowBytes));
    for (const Pending& p : std::as_const(m_pending)) {
        const RefusedRequest& r = p.request;
        const QByteArray hookId = r.path.startsWith("/v1/hooks/") ? r.path.mid(10).split('?').first() : QByteArray();
        q.addBindValue(p.atMs);
        q.addBindValue(hookId.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                        : QVariant(QString::fromUtf8(hookId.left(MaxPathBytes))));
        q.addBindValue(r.status);
        q.addBindValue(QString::fromUtf8(r.code));
        q.addBindValue(QString::fromLatin1(r.method.left(64)));
        q.addBindValue(QString::fromUtf8(r.path.left(MaxPathBytes)));
        q.addBindValue(Database::text(r.remoteAddress));
        q.addBindValue(DeliveryStore::encodeHeaders(storedHeaders(r.headers)));
        q.addBindValue(r.bodyHead);
        q.addBindValue(r.declaredBodySize >= 0 ? QVariant(r.declaredBodySize) : QVariant(qint64(r.bodyHead.size())));
        q.addBindValue(Database::text(r.detail.left(MaxDetailChars)));
        if (auto ran = db.exec(q); !ran)
            return ran;
        if (q.next()) {
            m_rows.push_back({q.value(0).toLongLong(), p.atMs, q.value(1).toLongLong()});
            m_bytes += m_rows.back().bytes;
        }
        q.finish();
    }
    return {};
}

Result<void> RefusedLog::trim(Database& db, qint64 nowMs)
{
    qint64 lastGone = -1;
    while (!m_rows.empty() && (m_rows.size() > size_t(MaxRows) || m_bytes > m_maxBytes ||
                               m_rows.front().receivedAtMs < nowMs - MaxAgeMs)) {
        lastGone = m_rows.front().id;
        m_bytes -= m_rows.front().bytes;
        m_rows.pop_front();
    }
    if (lastGone < 0)
        return {};
    QSqlQuery q(db.connection());
    db.prepare(q, QStringLiteral("DELETE FROM refused_requests WHERE id <= ?"));
    q.addBindValue(lastGone);
    return db.exec(q);
}

} // namespace Alfe
