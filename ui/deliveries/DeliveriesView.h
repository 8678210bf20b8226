#pragma once

#include "deliveries/DeliveryDetailsPane.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace Alfe {

class DeliveryFilterBar;
class DeliveryListModel;
class Backend;

// The delivery log browser: the filter bar, a lazy table over the whole log (stays instant at
// 1,000,000 rows), the details pane of the selected delivery, and the actions Retry, Retry all failed
// (progress, cancel), Copy as cURL and Export JSON. New deliveries appear at the top while the table
// shows the newest rows; otherwise a button offers to jump to them. Local or remote alike (Backend).
class DeliveriesView final : public QWidget
{
    Q_OBJECT

public:
    explicit DeliveriesView(Backend& backend, QWidget* parent = nullptr);
    ~DeliveriesView() override;

    DeliveryListModel* model() const { return m_model; }
    DeliveryFilterBar* filterBar() const { return m_filterBar; }
    DeliveryDetailsPane* detailsPane() const { return m_details; }
    QTableView* table() const { return m_table; }
    QPushButton* retryAllButton() const { return m_retryAll; }
    QPushButton* newerButton() const { return m_newer; }
    // The empty-state message, when it is showing.
    QString emptyMessage() const;
    bool isShowingEmptyState() const;

    // Where Export JSON asks for a path (tests give one without a dialog).
    void setFileChooser(DeliveryDetailsPane::FileChooser chooser);
    // How many deliveries Retry all failed queues per event-loop turn.
    void setBulkRetryChunkSize(int size) { m_bulkChunk = std::max(1, size); }

public slots:
    // Filters the log to this delivery and selects it.
    void showDelivery(const QString& deliveryId);
    // Re-reads the webhook list (names and the webhook filter); the lead calls it when webhooks change.
    void reloadWebhooks();
    // Reads the first page again.
    void refresh();
    void retrySelected();
    void retryAllFailed();

signals:
    // The empty state's "Send a test event…" was clicked (the button shows only when this is connected).
    void sendTestEventRequested();
    void statusMessage(const QString& message);

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* buildEmptyState();
    void setupTable();
    void applyFilter();
    void updateSearchNote();
    void currentChanged();
    void updateEmptyState();
    void updateInfo();
    void rowsRefreshed(const QStringList& ids);
    QStringList selectedIds() const;

    Backend& m_backend;
    DeliveryFilterBar* m_filterBar = nullptr;
    DeliveryListModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    DeliveryDetailsPane* m_details = nullptr;
    QStackedWidget* m_listPages = nullptr;
    QLabel* m_emptyLabel = nullptr;
    QPushButton* m_emptyClear = nullptr;
    QPushButton* m_emptySendTest = nullptr;
    QLabel* m_info = nullptr;
    QPushButton* m_newer = nullptr;
    QPushButton* m_retryAll = nullptr;
    QString m_selectedBeforeReset;
    int m_bulkChunk = 100;
};

} // namespace Alfe
