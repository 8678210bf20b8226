#include "deliveries/DeliveryListModel.h"

#include "common/LocalTime.h"
#include "common/StatusStyle.h"

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

DeliveryListModel::DeliveryListModel(Backend& backend, QObject* parent)
    : QAbstractTableModel(parent)
    , m_log(backend.deliveryLog())
{
    m_liveTimer.setSingleShot(true);
    m_liveTimer.setInterval(100);
    connect(&m_liveTimer, &QTimer::timeout, this, &DeliveryListModel::applyLive);
    connect(&backend, &Backend::deliveriesArrived, this, &DeliveryListModel::noteArrivals);
    connect(&backend, &Backend::deliveryChanged, this, &DeliveryListModel::noteChanged);
    connect(&backend, &Backend::deliveriesRequeued, this, &DeliveryListModel::noteAllChanged);
}

DeliveryListModel::~DeliveryListModel() = default;

bool DeliveryListModel::searchWindowed() const
{
    return m_log->searchWindowed();
}

void DeliveryListModel::setFilter(const DeliveryViewFilter& filter)
{
    // The rows stay until the first page of the new filter is in: one reset, never an empty flash.
    m_filter = filter;
    const quint64 generation = ++m_generation;
    m_loading = true;
    m_fetching = false;
    m_log->setFilter(filter, [this, generation](Result<void> planned) {
        if (generation != m_generation)
            return;
        if (!planned)
            return finishReset({}, planned.error().message);
        m_log->older(nullptr, PageSize, [this, generation](Result<DeliveryLog::Page> first) {
            if (generation != m_generation)
                return;
            if (!first)
                return finishReset({}, first.error().message);
            if (!first->rows.isEmpty())
                return finishReset(std::move(first.value()), {});
            m_log->logIsEmpty([this, generation](Result<bool> empty) {
                if (generation != m_generation)
                    return;
                m_logEmpty = empty && empty.value();
                finishReset({}, {});
            });
        });
    });
}

void DeliveryListModel::finishReset(DeliveryLog::Page first, const QString& error)
{
    beginResetModel();
    m_rows = std::move(first.rows);
    m_more = first.more;
    if (!m_rows.isEmpty())
        m_logEmpty = false;
    m_indexStale = true;
    m_changed.clear();
    m_refreshAll = false;
    m_arrivals = false;
    m_loading = false;
    endResetModel();
    if (m_newerWaiting) {
        m_newerWaiting = false;
        emit newerRowsAvailable(false);
    }
    if (!error.isEmpty())
        emit errorOccurred(error);
    emit loaded();
    if (std::exchange(m_livePending, false))
        armLive();
}

void DeliveryListModel::reload()
{
    setFilter(m_filter);
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
    // One pass at a time (a server answers later); what is noted meanwhile waits for the next.
    if (m_loading || m_liveBusy) {
        m_livePending = true;
        return;
    }
    m_liveBusy = true;
    if (!m_arrivals && !m_newerWaiting)
        return refreshNoted();
    m_arrivals = false;
    insertNewer([this](bool reloaded) {
        if (reloaded)
            return liveDone(); // everything is fresh
        refreshNoted();
    });
}

void DeliveryListModel::refreshNoted()
{
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
    refreshChanged(ids, {});
}

void DeliveryListModel::liveDone()
{
    m_liveBusy = false;
    if (std::exchange(m_livePending, false))
        armLive();
}

// Inserts the rows newer than the top one when following; otherwise only says whether there are any.
// `then(true)` when it reloaded the model instead (a burst larger than one batch) or the filter changed.
void DeliveryListModel::insertNewer(const std::function<void(bool reloaded)>& then)
{
    const quint64 generation = m_generation;
    if (m_rows.isEmpty()) {
        m_log->older(nullptr, PageSize, [this, generation, then](Result<DeliveryLog::Page> first) {
            if (generation != m_generation)
                return then(true);
            if (!first) {
                emit errorOccurred(first.error().message);
                return then(false);
            }
            if (!first->rows.isEmpty() && m_rows.isEmpty()) {
                beginInsertRows({}, 0, int(first->rows.size()) - 1);
                m_rows = std::move(first->rows);
                m_more = first->more;
                m_logEmpty = false;
                m_indexStale = true;
                endInsertRows();
            }
            then(false);
        });
        return;
    }
    if (!m_following) {
        m_log->newer(m_rows.first(), 1, [this, generation, then](Result<DeliveryLog::Page> probe) {
            if (generation != m_generation)
                return then(true);
            const bool waiting = probe && !probe->rows.isEmpty();
            if (waiting != m_newerWaiting) {
                m_newerWaiting = waiting;
                emit newerRowsAvailable(waiting);
            }
            then(false);
        });
        return;
    }
    m_log->newer(m_rows.first(), LiveBatchLimit, [this, generation, then](Result<DeliveryLog::Page> newer) {
        if (generation != m_generation)
            return then(true);
        if (!newer) {
            emit errorOccurred(newer.error().message);
            return then(false);
        }
        if (m_newerWaiting) {
            m_newerWaiting = false;
            emit newerRowsAvailable(false);
        }
        if (newer->more) {
            reload();
            return then(true);
        }
        // Rows the model took meanwhile (another pass) are left out: each row once.
        QList<DeliveryRow> rows;
        for (const DeliveryRow& row : std::as_const(newer->rows)) {
            if (m_rows.isEmpty() || row.isNewerThan(m_rows.first()))
                rows << row;
        }
        if (!rows.isEmpty()) {
            beginInsertRows({}, 0, int(rows.size()) - 1);
            m_rows = rows + m_rows;
            m_indexStale = true;
            endInsertRows();
            trimTail();
        }
        then(false);
    });
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

// Reads `ids` again, a chunk at a time, then ends the live pass.
void DeliveryListModel::refreshChanged(QStringList ids, QStringList refreshed)
{
    if (ids.isEmpty()) {
        if (!refreshed.isEmpty())
            emit rowsRefreshed(refreshed);
        return liveDone();
    }
    const QStringList chunk = ids.mid(0, RefreshChunk);
    ids.remove(0, std::min<qsizetype>(RefreshChunk, ids.size()));
    const quint64 generation = m_generation;
    m_log->byIds(chunk, [this, generation, ids, refreshed](Result<DeliveryLog::Rows> rows) mutable {
        if (generation != m_generation)
            return liveDone();
        if (!rows) {
            emit errorOccurred(rows.error().message);
            return liveDone();
        }
        for (const DeliveryRow& row : std::as_const(rows->rows)) {
            const int at = rowOf(row.id);
            if (at >= 0) {
                // A loaded row stays even when it no longer matches: it does not vanish under the user.
                m_rows[at] = row;
                emit dataChanged(index(at, 0), index(at, ColumnCount - 1));
                refreshed << row.id;
            } else if (m_following && rows->matching.contains(row.id)) {
                insertInOrder(row);
            }
        }
        refreshChanged(std::move(ids), std::move(refreshed));
    });
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
    return !parent.isValid() && m_more && !m_fetching && !m_loading;
}

void DeliveryListModel::fetchMore(const QModelIndex& parent)
{
    if (parent.isValid() || !m_more || m_rows.isEmpty() || m_fetching || m_loading)
        return;
    m_fetching = true;
    const quint64 generation = m_generation;
    const DeliveryRow after = m_rows.last();
    m_log->older(&after, PageSize, [this, generation](Result<DeliveryLog::Page> page) {
        if (generation != m_generation)
            return;
        m_fetching = false;
        if (!page) {
            m_more = false;
            emit errorOccurred(page.error().message);
            return;
        }
        m_more = page->more;
        // Only rows older than the last one: a live pass may have trimmed or changed the tail meanwhile.
        QList<DeliveryRow> rows;
        for (const DeliveryRow& row : std::as_const(page->rows)) {
            if (m_rows.isEmpty() || m_rows.last().isNewerThan(row))
                rows << row;
        }
        if (rows.isEmpty())
            return;
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + rows.size()) - 1);
        m_rows.append(rows);
        m_indexStale = true;
        endInsertRows();
    });
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
