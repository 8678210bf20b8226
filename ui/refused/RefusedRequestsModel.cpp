#include "refused/RefusedRequestsModel.h"

#include "common/LocalTime.h"
#include "common/StatusStyle.h"
#include "store/DeliveryStore.h"

#include <QPointer>

#include <QDateTime>
#include <QGuiApplication>
#include <QPalette>

namespace Alfe {

RefusedRequestsModel::RefusedRequestsModel(Backend& backend, QObject* parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{}

void RefusedRequestsModel::read(qint64 newerThan, quint64 serial, Done<QList<RefusedEntry>> done)
{
    DeliveryStore::RefusedQuery query;
    query.webhookId = m_webhookId;
    query.limit = MaxRows;
    query.newerThanId = newerThan;
    // Without bodies: entryWithBody() reads the selected one. An answer to a superseded reload is dropped.
    QPointer<RefusedRequestsModel> self(this);
    m_backend.refused(query, [self, serial, done](Result<QList<RefusedEntry>> entries) {
        if (self && serial == self->m_reloadSerial)
            done(std::move(entries));
    });
}

void RefusedRequestsModel::setWebhookId(const QString& webhookId)
{
    m_webhookId = webhookId;
    reload();
}

void RefusedRequestsModel::reload()
{
    m_reloading = true;
    read(0, ++m_reloadSerial, [this](Result<QList<RefusedEntry>> entries) {
        m_reloading = false;
        beginResetModel();
        m_entries = entries ? entries.value() : QList<RefusedEntry>();
        endResetModel();
        if (!entries)
            emit errorOccurred(entries.error().message);
        emit loaded();
    });
}

void RefusedRequestsModel::poll()
{
    if (m_reloading)
        return; // the reload brings everything
    read(m_entries.isEmpty() ? 0 : m_entries.first().id, m_reloadSerial, [this](Result<QList<RefusedEntry>> entries) {
        if (!entries || entries->isEmpty())
            return;
        // Only entries newer than the top one: a reload may have come in between.
        const qint64 top = m_entries.isEmpty() ? 0 : m_entries.first().id;
        QList<RefusedEntry> newer;
        for (const RefusedEntry& entry : std::as_const(entries.value())) {
            if (entry.id > top)
                newer << entry;
        }
        if (newer.isEmpty())
            return;
        beginInsertRows({}, 0, int(newer.size()) - 1);
        m_entries = newer + m_entries;
        endInsertRows();
        if (m_entries.size() > MaxRows) {
            beginRemoveRows({}, MaxRows, int(m_entries.size()) - 1);
            m_entries.resize(MaxRows);
            endRemoveRows();
        }
    });
}

const RefusedEntry* RefusedRequestsModel::entryAt(int row) const
{
    return row >= 0 && row < m_entries.size() ? &m_entries.at(row) : nullptr;
}

void RefusedRequestsModel::entryWithBody(qint64 id, Done<RefusedEntry> done)
{
    m_backend.refusedEntry(id, std::move(done));
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
