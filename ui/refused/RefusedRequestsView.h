#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;
class QTimer;
class QTreeWidget;

namespace Alfe {

class Backend;
class RefusedRequestsModel;

// Requests the ingress turned away (bad signature, unknown or disabled webhook, too large, rate limited…),
// newest first, with the headers and kept body head of the selected one, so a user can see why a sender
// fails. New entries appear while the view is visible (it polls the log's rowid, which costs nothing).
class RefusedRequestsView final : public QWidget
{
    Q_OBJECT

public:
    explicit RefusedRequestsView(Backend& backend, QWidget* parent = nullptr);

    RefusedRequestsModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QComboBox* webhookCombo() const { return m_webhook; }
    QTreeWidget* headersList() const { return m_headers; }
    QPlainTextEdit* bodyView() const { return m_body; }
    QLabel* summaryLabel() const { return m_summary; }
    bool isShowingEmptyState() const;
    void setPollInterval(int ms);

    // A sentence for an ingress error code ("invalid_signature" -> what it means and what to check).
    static QString explain(const QString& reason);

public slots:
    void refresh();
    void reloadWebhooks();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void currentChanged();
    void updateEmptyState();

    void showEntry(const Result<RefusedEntry>& entry);

    Backend& m_backend;
    qint64 m_shownId = -1; // the entry whose headers and body are asked for or shown
    RefusedRequestsModel* m_model = nullptr;
    QComboBox* m_webhook = nullptr;
    QStackedWidget* m_pages = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_summary = nullptr;
    QTreeWidget* m_headers = nullptr;
    QPlainTextEdit* m_body = nullptr;
    QTimer* m_poll = nullptr;
};

} // namespace Alfe
