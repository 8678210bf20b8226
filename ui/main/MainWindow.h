#pragma once

#include "backend/Backend.h"
#include "domain/Domain.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QListView;
class QStackedWidget;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;
class QTimer;

namespace Alfe {

class AgentListModel;
class DeliveriesView;
class Engine;
class LocalBackend;
class SecretClipboard;
class WebhookDetailsPane;
class WebhookListModel;

// The console's main window: agents and their webhooks, the actions on them, the delivery browser and the
// refused requests, and a status bar with the ingress URL, agent states and the queue. The webhook actions
// act on the webhook selected on the Webhooks tab, so they are enabled only while that tab is shown.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    // Manages what `backend` reaches: this machine's data directory or a server.
    explicit MainWindow(Backend& backend, QWidget* parent = nullptr);
    // Over `engine`, through a LocalBackend of its own.
    explicit MainWindow(Engine& engine, QWidget* parent = nullptr);
    ~MainWindow() override;

    void showUnlocking();
    void showReady();
    void showProblem(const QString& message);
    void showConnecting(const QString& where);
    // A server's connection lost (a banner that says it is being tried again) or back.
    void showConnection(bool connected, const QString& problem);
    void setIngressProblem(const QString& message);

    // Keep the window's size, its splitters and the open tab in the settings when it closes, and start from what
    // was kept (WindowLayout): the geometry now, the tabs' layout once they are built. Off by default, so tests
    // and `--screenshot` neither read nor write it.
    void setRemembersLayout(bool remembers);
    bool remembersLayout() const { return m_remembersLayout; }

    SecretClipboard& secretClipboard() { return *m_clipboard; }
    QString selectedWebhookId() const;
    void selectWebhook(const QString& webhookId);
    QTabWidget* tabs() const { return m_tabs; }

    enum Tab
    {
        WebhooksTab,
        DeliveriesTab,
        RefusedTab,
    };

public slots:
    void newWebhook();
    void rotateSelected();
    void toggleSelectedEnabled();
    void deleteSelected();
    void sendTestToSelected();
    void copySelectedUrl();
    void importProviderSecret();
    void clearProviderSecret();
    void openSettings();

protected:
    void showEvent(QShowEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    QWidget* buildWebhooksPage();
    void refresh();
    void showSnapshot(ConsoleSnapshot snapshot);
    std::optional<Webhook> selectedWebhook() const;
    // What New webhook asked for, kept while its steps are answered; the provider secret is cleansed with it.
    struct NewWebhookRequest
    {
        ~NewWebhookRequest();
        Provider provider = Provider::Generic;
        QString description;
        QByteArray providerSecret;
    };
    void createWebhookFor(const QString& agentId, const std::shared_ptr<NewWebhookRequest>& request);
    void showCreated(const NewSecret& created, const QString& note);
    // Says why an action failed; when its answer was lost on the way, that it may have happened anyway.
    void answerLost(const QString& title, const Error& error);
    QString currentAgentId() const;
    void sendTestFromDeliveries();
    void refreshStatus();
    void updateActions();
    void presentSecret(const QString& title, const QString& webhookId, const QByteArray& secret, const QString& note);
    void notifyFailed(const QString& deliveryId);

    Backend& m_backend;
    LocalBackend* m_local = nullptr; // the data directory's engine, when managing this machine
    ConsoleSnapshot m_snapshot;      // what the Webhooks tab shows
    QString m_pendingSelection;      // a webhook to select once a snapshot lists it
    quint64 m_snapshotSerial = 0;    // the latest refresh asked for
    SecretClipboard* m_clipboard = nullptr;
    QStackedWidget* m_pages = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_banner = nullptr;
    QTabWidget* m_tabs = nullptr;
    QListView* m_agentView = nullptr;
    AgentListModel* m_agents = nullptr;
    DeliveriesView* m_deliveries = nullptr;
    QStackedWidget* m_webhookStack = nullptr;
    QTableView* m_webhookView = nullptr;
    WebhookListModel* m_webhooks = nullptr;
    WebhookDetailsPane* m_webhookDetails = nullptr;
    QLabel* m_ingressLabel = nullptr;
    QLabel* m_agentsLabel = nullptr;
    QLabel* m_queueLabel = nullptr;
    QTimer* m_refreshTimer = nullptr;
    QSystemTrayIcon* m_tray = nullptr; // only where the desktop has a tray
    QString m_ingressProblem;
    QAction* m_newAction = nullptr;
    QAction* m_rotateAction = nullptr;
    QAction* m_toggleAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_sendTestAction = nullptr;
    QAction* m_copyUrlAction = nullptr;
    QAction* m_importSecretAction = nullptr;
    QAction* m_clearSecretAction = nullptr;
    bool m_ready = false;
    bool m_remembersLayout = false;
};

} // namespace Alfe
