#pragma once

#include "domain/DeliveryRow.h"
#include "domain/DeliveryViewFilter.h"
#include "store/DeliveryQuery.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QSet>
#include <QTimer>

namespace Alfe {

class Engine;

// The delivery log as a lazy table: rows come a page at a time (canFetchMore/fetchMore) through
// DeliveryQuery's keyset paging, display strings are built in data(), and live changes are coalesced:
// arrivals and finished attempts are noted and applied together on a short timer, by inserting the
// newer rows at the top (while the view follows the newest rows) and updating the rows whose status
// changed. A filter change resets the model; an arrival never does.
class DeliveryListModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        TimeColumn,
        WebhookColumn,
        ProviderColumn,
        EventColumn,
        StatusColumn,
        AttemptsColumn,
        CodeColumn,
        LatencyColumn,
        ColumnCount,
    };
    enum Role
    {
        IdRole = Qt::UserRole + 1,
        WebhookIdRole,
        StatusRole,     // the status name ("failed")
        StatusToneRole, // int(StatusStyle::Tone): how to colour it
        ReceivedAtRole, // ms since the epoch
    };

    static constexpr int PageSize = 200;
    static constexpr int LiveBatchLimit = 2000;        // newer rows inserted per flush; past that, reload
    static constexpr int MaxRowsWhileFollowing = 5000; // rows kept at the top; the rest is fetched again
    static constexpr int RefreshChunk = 400;

    explicit DeliveryListModel(Engine& engine, QObject* parent = nullptr);
    ~DeliveryListModel() override;
    Q_DISABLE_COPY_MOVE(DeliveryListModel)

    // Resets the model to the first page of `filter`.
    void setFilter(const DeliveryViewFilter& filter);
    const DeliveryViewFilter& filter() const { return m_query.filter(); }
    const DeliveryQuery& query() const { return m_query; }
    // Reads the first page again (after a bulk change).
    void reload();

    // The view shows the newest rows: arrivals are inserted. Otherwise they only raise newerRowsAvailable.
    void setFollowing(bool following);
    bool isFollowing() const { return m_following; }
    // Applies what was noted now instead of on the timer.
    void flushLive();
    // Reads these rows again soon (after a manual retry).
    void noteChanged(const QString& deliveryId);

    // Names to show for webhook ids (their descriptions).
    void setWebhookNames(const QHash<QString, QString>& names);

    const DeliveryRow* rowAt(int row) const;
    int rowOf(const QString& deliveryId) const;
    bool hasMore() const { return m_more; }
    // The log holds no delivery at all (as of the last reset).
    bool logIsEmpty() const { return m_logEmpty; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

signals:
    // After every reset: the first page is in (or known to be empty).
    void loaded();
    // Rows newer than the top one wait while the view does not follow.
    void newerRowsAvailable(bool available);
    // These loaded rows were read again.
    void rowsRefreshed(const QStringList& deliveryIds);
    void errorOccurred(const QString& message);

private:
    void noteArrivals();
    void noteAllChanged();
    void armLive();
    void applyLive();
    bool insertNewer();
    void refreshChanged(QStringList ids);
    void insertInOrder(const DeliveryRow& row);
    void trimTail();
    void reindex() const;
    QString displayText(const DeliveryRow& row, int column) const;
    QIcon statusDot(int tone) const;

    Engine& m_engine;
    DeliveryQuery m_query;
    QList<DeliveryRow> m_rows;
    mutable QHash<QString, int> m_index; // id -> row, rebuilt when stale
    mutable bool m_indexStale = true;
    QHash<QString, QString> m_webhookNames;
    bool m_more = false;
    bool m_logEmpty = false;
    bool m_following = true;
    bool m_arrivals = false;     // deliveries were committed since the last flush
    bool m_newerWaiting = false; // and some match while the view does not follow
    bool m_refreshAll = false;
    QSet<QString> m_changed;
    QTimer m_liveTimer;
    mutable QHash<int, QIcon> m_dots;
    mutable qint64 m_dotsPalette = 0;
};

} // namespace Alfe
