#include "deliveries/DeliveryListModel.h"

#include "Engine.h"
#include "common/LocalTime.h"
#include "common/StatusStyle.h"
#include "store/Database.h"

#include <QDateTime>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

#include <algorithm>

namespace Alfe {

namespace {
const QString Dash = QStringLiteral("\u2014");

QString latencyText(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    return QStringLiteral("%1 s").arg(QLocale().toString(double(ms) / 1000.0, 'f', ms < 10'000 ? 2 : 1));
}
} // namespace

DeliveryListModel::DeliveryListModel(Engine& engine, QObject* parent)
    : QAbstractTableModel(parent)
    , m_engine(engine)
    , m_query(engine.database())
{
    m_liveTimer.setSingleShot(true);
    m_liveTimer.setInterval(100);
    connect(&m_liveTimer, &QTimer::timeout, this, &DeliveryListModel::applyLive);
    connect(&engine, &Engine::deliveriesCommitted, this, &DeliveryListModel::noteArrivals);
    connect(&engine, &Engine::attemptFinished, this,
            [this](const QString& id, int, DeliveryStatus) { noteChanged(id); });
    connect(&engine, &Engine::deliveriesRequeued, this, &DeliveryListModel::noteAllChanged);
}

DeliveryListModel::~DeliveryListModel() = default;

void DeliveryListModel::setFilter(const DeliveryViewFilter& filter)
{
    beginResetModel();
    m_rows.clear();
    m_indexStale = true;
    m_more = false;
    m_changed.clear();
    m_refreshAll = false;
    m_arrivals = false;
    if (auto planned = m_query.setFilter(filter); !planned) {
        endResetModel();
        emit errorOccurred(planned.error().message);
        emit loaded();
        return;
    }
    auto first = m_query.older(nullptr, PageSize, &m_more);
    if (first)
        m_rows = std::move(first.value());
    m_logEmpty = m_rows.isEmpty() && m_query.logIsEmpty();
    endResetModel();
    if (m_newerWaiting) {
        m_newerWaiting = false;
        emit newerRowsAvailable(false);
    }
    if (!first)
        emit errorOccurred(first.error().message);
    emit loaded();
}

void DeliveryListModel::reload()
{
    setFilter(m_query.filter());
}

void DeliveryListModel::setFollowing(bool following)
{
    if (m_following == following)
        return;
    m_following = following;
    if (m_following && m_newerWaiting)
        armLive();
}

void DeliveryListModel::noteArrivals()
{
    m_arrivals = true;
    armLive();
}

void DeliveryListModel::noteChanged(const QString& deliveryId)
{
    m_changed.insert(deliveryId);
    armLive();
}

void DeliveryListModel::noteAllChanged()
{
    m_refreshAll = true;
    m_arrivals = true; // a requeue from elsewhere may have been a new delivery too
    armLive();
}

void DeliveryListModel::armLive()
{
    if (!m_liveTimer.isActive())
        m_liveTimer.start();
}

void DeliveryListModel::flushLive()
{
    m_liveTimer.stop();
    applyLive();
}

void DeliveryListModel::applyLive()
{
    if (m_arrivals || m_newerWaiting) {
        m_arrivals = false;
        if (!insertNewer())
            return; // reloaded: everything is fresh
    }
    QStringList ids;
    if (m_refreshAll) {
        const int n = std::min(int(m_rows.size()), MaxRowsWhileFollowing);
        for (int i = 0; i < n; ++i)
            ids << m_rows.at(i).id;
    }
    for (const QString& id : std::as_const(m_changed)) {
        if (!m_refreshAll || rowOf(id) < 0 || rowOf(id) >= MaxRowsWhileFollowing)
            ids << id;
    }
    m_refreshAll = false;
    m_changed.clear();
    if (!ids.isEmpty())
        refreshChanged(ids);
}

// Inserts the rows newer than the top one when following; otherwise only says whether there are any.
// Returns false when it reloaded the model instead (a burst larger than one batch).
bool DeliveryListModel::insertNewer()
{
    if (m_rows.isEmpty()) {
        bool more = false;
        auto first = m_query.older(nullptr, PageSize, &more);
        if (!first) {
            emit errorOccurred(first.error().message);
            return true;
        }
        if (first->isEmpty())
            return true;
        beginInsertRows({}, 0, int(first->size()) - 1);
        m_rows = std::move(first.value());
        m_more = more;
        m_logEmpty = false;
        m_indexStale = true;
        endInsertRows();
        return true;
    }
    if (!m_following) {
        bool more = false;
        auto probe = m_query.newer(m_rows.first(), 1, &more);
        const bool waiting = probe && !probe->isEmpty();
        if (waiting != m_newerWaiting) {
            m_newerWaiting = waiting;
            emit newerRowsAvailable(waiting);
        }
        return true;
    }
    bool more = false;
    auto newer = m_query.newer(m_rows.first(), LiveBatchLimit, &more);
    if (!newer) {
        emit errorOccurred(newer.error().message);
        return true;
    }
    if (m_newerWaiting) {
        m_newerWaiting = false;
        emit newerRowsAvailable(false);
    }
    if (more) {
        reload();
        return false;
    }
    if (newer->isEmpty())
        return true;
    beginInsertRows({}, 0, int(newer->size()) - 1);
    m_rows = newer.value() + m_rows;
    m_indexStale = true;
    endInsertRows();
    trimTail();
    return true;
}

// Keeps a following view's model small: the tail is dropped and fetched again if the user scrolls there.
void DeliveryListModel::trimTail()
{
    if (!m_following || m_rows.size() <= MaxRowsWhileFollowing)
        return;
    beginRemoveRows({}, MaxRowsWhileFollowing, int(m_rows.size()) - 1);
    m_rows.resize(MaxRowsWhileFollowing);
    m_indexStale = true;
    m_more = true;
    endRemoveRows();
}

void DeliveryListModel::refreshChanged(QStringList ids)
{
    QStringList refreshed;
    while (!ids.isEmpty()) {
        const QStringList chunk = ids.mid(0, RefreshChunk);
        ids.remove(0, std::min<qsizetype>(RefreshChunk, ids.size()));
        QSet<QString> matching;
        auto rows = m_query.byIds(chunk, &matching);
        if (!rows) {
            emit errorOccurred(rows.error().message);
            return;
        }
        for (const DeliveryRow& row : std::as_const(rows.value())) {
            const int at = rowOf(row.id);
            if (at >= 0) {
                // A loaded row stays even when it no longer matches: it does not vanish under the user.
                m_rows[at] = row;
                emit dataChanged(index(at, 0), index(at, ColumnCount - 1));
                refreshed << row.id;
            } else if (m_following && matching.contains(row.id)) {
                insertInOrder(row);
            }
        }
    }
    if (!refreshed.isEmpty())
        emit rowsRefreshed(refreshed);
}

// A row that came to match (a delivery that just failed, under the Failed filter) goes where it belongs
// among the loaded rows; one older than all of them is left for fetchMore.
void DeliveryListModel::insertInOrder(const DeliveryRow& row)
{
    if (!m_rows.isEmpty() && m_more && m_rows.last().isNewerThan(row))
        return;
    const auto at = std::lower_bound(m_rows.cbegin(), m_rows.cend(), row,
                                     [](const DeliveryRow& a, const DeliveryRow& b) { return a.isNewerThan(b); });
    const int position = int(at - m_rows.cbegin());
    beginInsertRows({}, position, position);
    m_rows.insert(position, row);
    m_indexStale = true;
    m_logEmpty = false;
    endInsertRows();
}

void DeliveryListModel::setWebhookNames(const QHash<QString, QString>& names)
{
    m_webhookNames = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, WebhookColumn), index(int(m_rows.size()) - 1, WebhookColumn));
}

const DeliveryRow* DeliveryListModel::rowAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

void DeliveryListModel::reindex() const
{
    m_index.clear();
    m_index.reserve(m_rows.size());
    for (int i = 0; i < m_rows.size(); ++i)
        m_index.insert(m_rows.at(i).id, i);
    m_indexStale = false;
}

int DeliveryListModel::rowOf(const QString& deliveryId) const
{
    if (m_indexStale)
        reindex();
    return m_index.value(deliveryId, -1);
}

int DeliveryListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DeliveryListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool DeliveryListModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && m_more;
}

void DeliveryListModel::fetchMore(const QModelIndex& parent)
{
    if (parent.isValid() || !m_more || m_rows.isEmpty())
        return;
    bool more = false;
    auto page = m_query.older(&m_rows.last(), PageSize, &more);
    if (!page) {
        m_more = false;
        emit errorOccurred(page.error().message);
        return;
    }
    m_more = more;
    if (page->isEmpty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page->size()) - 1);
    m_rows.append(page.value());
    m_indexStale = true;
    endInsertRows();
}

QString DeliveryListModel::displayText(const DeliveryRow& row, int column) const
{
    switch (column) {
    case TimeColumn:
        return LocalTime::seconds(row.receivedAtMs);
    case WebhookColumn: {
        const QString name = m_webhookNames.value(row.webhookId);
        return name.isEmpty() ? row.webhookId : name;
    }
    case ProviderColumn:
        return StatusStyle::providerLabel(row.provider);
    case EventColumn:
        return row.eventType.isEmpty() ? Dash : row.eventType;
    case StatusColumn:
        return StatusStyle::label(row.status);
    case AttemptsColumn:
        return QString::number(row.attemptCount);
    case CodeColumn:
        return row.lastStatusCode ? QString::number(*row.lastStatusCode) : Dash;
    case LatencyColumn:
        return row.lastLatencyMs ? latencyText(*row.lastLatencyMs) : Dash;
    default:
        return {};
    }
}

QIcon DeliveryListModel::statusDot(int tone) const
{
    const QPalette palette = QGuiApplication::palette();
    if (palette.cacheKey() != m_dotsPalette) {
        m_dots.clear();
        m_dotsPalette = palette.cacheKey();
    }
    auto it = m_dots.find(tone);
    if (it == m_dots.end())
        it = m_dots.insert(tone, StatusStyle::dot(StatusStyle::Tone(tone), palette));
    return it.value();
}

QVariant DeliveryListModel::data(const QModelIndex& index, int role) const
{
    const DeliveryRow* row = index.isValid() ? rowAt(index.row()) : nullptr;
    if (!row)
        return {};
    const int column = index.column();
    const int tone = int(StatusStyle::tone(row->status));
    switch (role) {
    case Qt::DisplayRole:
        return displayText(*row, column);
    case Qt::ToolTipRole:
        if (column == TimeColumn)
            return QDateTime::fromMSecsSinceEpoch(row->receivedAtMs, Qt::UTC).toString(Qt::ISODateWithMs);
        if (column == WebhookColumn)
            return row->webhookId;
        if (column == StatusColumn && !row->duplicateOf.isEmpty())
            return tr("Duplicate of %1; not forwarded again").arg(row->duplicateOf);
        if (column == EventColumn)
            return row->eventType;
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn)
            return StatusStyle::color(StatusStyle::Tone(tone), QGuiApplication::palette());
        if (column == CodeColumn && row->lastStatusCode && (*row->lastStatusCode < 200 || *row->lastStatusCode > 299))
            return StatusStyle::color(StatusStyle::Tone::Bad, QGuiApplication::palette());
        return {};
    case Qt::DecorationRole:
        return column == StatusColumn ? QVariant(statusDot(tone)) : QVariant();
    case Qt::TextAlignmentRole:
        if (column == AttemptsColumn || column == CodeColumn || column == LatencyColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case IdRole:
        return row->id;
    case WebhookIdRole:
        return row->webhookId;
    case StatusRole:
        return deliveryStatusName(row->status);
    case StatusToneRole:
        return tone;
    case ReceivedAtRole:
        return row->receivedAtMs;
    default:
        return {};
    }
}

QVariant DeliveryListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole) {
        if (section == AttemptsColumn || section == CodeColumn || section == LatencyColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case WebhookColumn:
        return tr("Webhook");
    case ProviderColumn:
        return tr("Provider");
    case EventColumn:
        return tr("Event");
    case StatusColumn:
        return tr("Status");
    case AttemptsColumn:
        return tr("Attempts");
    case CodeColumn:
        return tr("Last code");
    case LatencyColumn:
        return tr("Latency");
    default:
        return {};
    }
}

} // namespace Alfe
