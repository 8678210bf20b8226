#include "RefusedRequestsModel.h"

#include "Database.h"
#include "DeliveryStatusStyle.h"
#include "DeliveryStore.h"

#include <QDateTime>
#include <QGuiApplication>
#include <QPalette>
#include <QSqlQuery>

namespace Alfe {

RefusedRequestsModel::RefusedRequestsModel(Database& db, QObject* parent)
    : QAbstractTableModel(parent)
    , m_db(db)
{}

Result<QList<RefusedEntry>> RefusedRequestsModel::read(qint64 newerThan) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    // The id is the rowid: newest first and "newer than" are both one b-tree walk.
    q.prepare(QStringLiteral("SELECT id, received_at, webhook_id, status, reason, method, path, remote, body_size"
                             " FROM refused_requests WHERE id > ? AND (? = '' OR webhook_id = ?)"
                             " ORDER BY id DESC LIMIT ?"));
    q.addBindValue(newerThan);
    q.addBindValue(Database::text(m_webhookId));
    q.addBindValue(Database::text(m_webhookId));
    q.addBindValue(MaxRows);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    QList<RefusedEntry> entries;
    while (q.next()) {
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
        entries << e;
    }
    return entries;
}

void RefusedRequestsModel::setWebhookId(const QString& webhookId)
{
    m_webhookId = webhookId;
    reload();
}

void RefusedRequestsModel::reload()
{
    beginResetModel();
    auto entries = read(0);
    m_entries = entries ? entries.value() : QList<RefusedEntry>();
    endResetModel();
    if (!entries)
        emit errorOccurred(entries.error().message);
}

void RefusedRequestsModel::poll()
{
    auto entries = read(m_entries.isEmpty() ? 0 : m_entries.first().id);
    if (!entries || entries->isEmpty())
        return;
    beginInsertRows({}, 0, int(entries->size()) - 1);
    m_entries = entries.value() + m_entries;
    endInsertRows();
    if (m_entries.size() > MaxRows) {
        beginRemoveRows({}, MaxRows, int(m_entries.size()) - 1);
        m_entries.resize(MaxRows);
        endRemoveRows();
    }
}

const RefusedEntry* RefusedRequestsModel::entryAt(int row) const
{
    return row >= 0 && row < m_entries.size() ? &m_entries.at(row) : nullptr;
}

Result<RefusedEntry> RefusedRequestsModel::entryWithBody(qint64 id) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, received_at, webhook_id, status, reason, method, path, remote, body_size,"
                             " headers, body_head FROM refused_requests WHERE id = ?"));
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    if (!q.next())
        return Errors::notFound(tr("That refused request has left the log (it keeps 24 hours)."));
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
    e.headers = DeliveryStore::decodeHeaders(q.value(9).toByteArray());
    e.bodyHead = q.value(10).toByteArray();
    return e;
}

int RefusedRequestsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int RefusedRequestsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RefusedRequestsModel::data(const QModelIndex& index, int role) const
{
    const RefusedEntry* e = index.isValid() ? entryAt(index.row()) : nullptr;
    if (!e)
        return {};
    if (role == IdRole)
        return e->id;
    if (role == Qt::ForegroundRole && index.column() == StatusColumn) {
        const auto tone = e->status == 429 ? DeliveryStatusStyle::Tone::Pending : DeliveryStatusStyle::Tone::Bad;
        return DeliveryStatusStyle::color(tone, QGuiApplication::palette());
    }
    if (role == Qt::ToolTipRole && index.column() == TimeColumn)
        return QDateTime::fromMSecsSinceEpoch(e->receivedAtMs, Qt::UTC).toString(Qt::ISODateWithMs);
    if (role == Qt::ToolTipRole && index.column() == PathColumn)
        return e->path;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(e->receivedAtMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case StatusColumn:
        return e->status;
    case ReasonColumn:
        return e->reason;
    case MethodColumn:
        return e->method;
    case PathColumn:
        return e->path;
    case FromColumn:
        return e->remoteAddress;
    default:
        return {};
    }
}

QVariant RefusedRequestsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case StatusColumn:
        return tr("Status");
    case ReasonColumn:
        return tr("Reason");
    case MethodColumn:
        return tr("Method");
    case PathColumn:
        return tr("Path");
    case FromColumn:
        return tr("From");
    default:
        return {};
    }
}

} // namespace Alfe
