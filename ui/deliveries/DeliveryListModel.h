#pragma once

#include "backend/Backend.h"
#include "domain/DeliveryRow.h"
#include "domain/DeliveryViewFilter.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>

namespace Alfe {

class Backend;

// The delivery log as a lazy table: rows come a page at a time (canFetchMore/fetchMore) through a
// Backend's DeliveryLog (the local engine's keyset paging, or the admin API's, whose answers come later:
// answers to a superseded filter are dropped), display strings are built in data(), and live changes are coalesced:
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

    explicit DeliveryListModel(Backend& backend, QObject* parent = nullptr);
    ~DeliveryListModel() override;
    Q_DISABLE_COPY_MOVE(DeliveryListModel)

    // Resets the model to the first page of `filter`.
    void setFilter(const DeliveryViewFilter& filter);
    const DeliveryViewFilter& filter() const { return m_filter; }
    // Where the rows come from (LocalDeliveryLog exposes its DeliveryQuery's plan).
    const DeliveryLog& log() const { return *m_log; }
    // Event-type text is searched among the newest rows only.
    bool searchWindowed() const;
    // The first page of the filter is being read (from a server, it takes a round trip).
    bool isLoading() const { return m_loading; }
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
    void finishReset(DeliveryLog::Page first, const QString& error);
    void noteArrivals();
    void noteAllChanged();
    void armLive();
    void applyLive();
    void refreshNoted();
    void liveDone();
    void insertNewer(const std::function<void(bool reloaded)>& then);
    void refreshChanged(QStringList ids, QStringList refreshed);
    void insertInOrder(const DeliveryRow& row);
    void trimTail();
    void reindex() const;
    QString displayText(const DeliveryRow& row, int column) const;
    QIcon statusDot(int tone) const;

    std::unique_ptr<DeliveryLog> m_log;
    DeliveryViewFilter m_filter;
    quint64 m_generation = 0; // bumped by every reset: answers to an older one are dropped
    bool m_loading = false;   // the first page of m_filter is on its way
    bool m_fetching = false;  // fetchMore's page is on its way
    bool m_liveBusy = false;  // a live pass is between its request and its answer
    bool m_livePending = false;
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
