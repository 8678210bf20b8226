#include "refused/RefusedRequestsModel.h"

#include "common/LocalTime.h"
#include "common/StatusStyle.h"
#include "store/DeliveryStore.h"

#include <QDateTime>
#include <QGuiApplication>
#include <QPalette>

namespace Alfe {

RefusedRequestsModel::RefusedRequestsModel(DeliveryStore& store, QObject* parent)
    : QAbstractTableModel(parent)
    , m_store(store)
{}

Result<QList<RefusedEntry>> RefusedRequestsModel::read(qint64 newerThan) const
{
    DeliveryStore::RefusedQuery query;
    query.webhookId = m_webhookId;
    query.limit = MaxRows;
    query.newerThanId = newerThan;
    return m_store.refused(query); // without bodies: entryWithBody() reads the selected one
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
    return m_store.refusedEntry(id);
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
        const auto tone = e->status == 429 ? StatusStyle::Tone::Pending : StatusStyle::Tone::Bad;
        return StatusStyle::color(tone, QGuiApplication::palette());
    }
    if (role == Qt::ToolTipRole && index.column() == TimeColumn)
        return QDateTime::fromMSecsSinceEpoch(e->receivedAtMs, Qt::UTC).toString(Qt::ISODateWithMs);
    if (role == Qt::ToolTipRole && index.column() == PathColumn)
        return e->path;
    if (role == Qt::ToolTipRole && index.column() == DetailColumn && !e->detail.isEmpty())
        return e->detail;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return LocalTime::seconds(e->receivedAtMs);
    case StatusColumn:
        return e->status;
    case ReasonColumn:
        return e->reason;
    case DetailColumn:
        return e->detail;
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
    case DetailColumn:
        return tr("Detail");
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
