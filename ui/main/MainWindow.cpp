#include "main/MainWindow.h"

#include "Engine.h"
#include "agents/AgentListModel.h"
#include "backend/LocalBackend.h"
#include "common/StatusStyle.h"
#include "crypto/Secrets.h"
#include "deliveries/DeliveriesView.h"
#include "main/ConnectDialog.h"
#include "main/SettingsDialog.h"
#include "main/WindowLayout.h"
#include "refused/RefusedRequestsView.h"
#include "secrets/SecretClipboard.h"
#include "secrets/SecretDialog.h"
#include "store/Settings.h"
#include "webhooks/NewWebhookDialog.h"
#include "webhooks/ProviderSecretDialog.h"
#include "webhooks/RotateDialog.h"
#include "webhooks/SendTestDialog.h"
#include "webhooks/WebhookDetailsPane.h"
#include "webhooks/WebhookListModel.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace Alfe {

MainWindow::MainWindow(Engine& engine, QWidget* parent)
    : MainWindow(*new LocalBackend(engine), parent)
{
    m_backend.setParent(this);
}

MainWindow::MainWindow(Backend& backend, QWidget* parent)
    : QMainWindow(parent)
    , m_backend(backend)
    , m_local(qobject_cast<LocalBackend*>(&backend))
    , m_clipboard(new SecretClipboard(this))
{
    setWindowTitle(backend.isRemote() ? tr("%1 — Alfe Console").arg(backend.location()) : tr("Alfe Console"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/alfe-console.svg")));
    resize(1240, 720);

    m_pages = new QStackedWidget(this);
    m_message = new QLabel(m_pages);
    m_message->setObjectName(QStringLiteral("stateMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setContentsMargins(48, 48, 48, 48);
    m_pages->addWidget(m_message);
    // Over a server: says when the connection is lost and that it is being tried again.
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_banner->setWordWrap(true);
    m_banner->setContentsMargins(12, 6, 12, 6);
    m_banner->setAutoFillBackground(true);
    m_banner->setBackgroundRole(QPalette::ToolTipBase);
    m_banner->setForegroundRole(QPalette::ToolTipText);
    m_banner->hide();
    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_pages, 1);
    setCentralWidget(central);
    connect(&backend, &Backend::connectionChanged, this, &MainWindow::showConnection);

    m_ingressLabel = new QLabel(this);
    m_ingressLabel->setObjectName(QStringLiteral("ingressLabel"));
    m_ingressLabel->setToolTip(tr("Click to copy the ingress URL"));
    m_ingressLabel->setTextInteractionFlags(Qt::LinksAccessibleByMouse);
    connect(m_ingressLabel, &QLabel::linkActivated, this, [this](const QString& link) {
        QGuiApplication::clipboard()->setText(link);
        statusBar()->showMessage(tr("Copied %1").arg(link), 3000);
    });
    m_agentsLabel = new QLabel(this);
    m_agentsLabel->setObjectName(QStringLiteral("agentsLabel"));
    m_queueLabel = new QLabel(this);
    m_queueLabel->setObjectName(QStringLiteral("queueLabel"));
    statusBar()->addWidget(m_ingressLabel, 1);
    statusBar()->addPermanentWidget(m_agentsLabel);
    statusBar()->addPermanentWidget(m_queueLabel);
    m_ingressLabel->setText(backend.isRemote() ? tr("Server: %1").arg(backend.location())
                                               : tr("Data: %1").arg(backend.location()));

    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setSingleShot(true);
    // Live updates coalesced: the per-webhook counts are indexed queries on the GUI thread, so under a
    // flood they run at most once a second, and not at all while the window is hidden.
    m_refreshTimer->setInterval(1000);
    connect(m_refreshTimer, &QTimer::timeout, this, &MainWindow::refresh);
    // Armed by the first change, not restarted by the next: a steady stream of events still refreshes once a second.
    const auto arm = [this] {
        if (!m_refreshTimer->isActive())
            m_refreshTimer->start();
    };
    connect(&backend, &Backend::deliveriesArrived, this, arm);
    connect(&backend, &Backend::deliveryChanged, this, arm);
    connect(&backend, &Backend::agentsChanged, this, arm);
    connect(&backend, &Backend::deliveryFailed, this, &MainWindow::notifyFailed);
    buildActions();
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* hooks = menuBar()->addMenu(tr("&Webhook"));
    auto* toolbar = addToolBar(tr("Webhooks"));
    toolbar->setObjectName(QStringLiteral("webhookToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->setMovable(false);

    auto add = [&](QAction*& action, const QString& text, const QKeySequence& keys, void (MainWindow::*slot)(),
                   const char* name) {
        action = new QAction(text, this);
        action->setObjectName(QString::fromLatin1(name));
        action->setShortcut(keys);
        connect(action, &QAction::triggered, this, slot);
        hooks->addAction(action);
        toolbar->addAction(action);
    };
    add(m_newAction, tr("&New webhook…"), QKeySequence::New, &MainWindow::newWebhook, "newAction");
    add(m_rotateAction, tr("&Rotate secret…"), QKeySequence(Qt::CTRL | Qt::Key_R), &MainWindow::rotateSelected,
        "rotateAction");
    add(m_toggleAction, tr("&Disable"), QKeySequence(Qt::CTRL | Qt::Key_E), &MainWindow::toggleSelectedEnabled,
        "toggleAction");
    add(m_deleteAction, tr("De&lete…"), QKeySequence::Delete, &MainWindow::deleteSelected, "deleteAction");
    add(m_sendTestAction, tr("Send &test event…"), QKeySequence(Qt::CTRL | Qt::Key_T), &MainWindow::sendTestToSelected,
        "sendTestAction");
    add(m_copyUrlAction, tr("&Copy URL"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), &MainWindow::copySelectedUrl,
        "copyUrlAction");
    // Less frequent than the toolbar's: in the menu and beside the selected webhook's details.
    hooks->addSeparator();
    m_importSecretAction = hooks->addAction(tr("&Import provider secret…"), this, &MainWindow::importProviderSecret);
    m_importSecretAction->setObjectName(QStringLiteral("importProviderSecretAction"));
    m_importSecretAction->setToolTip(
        tr("Import the signing secret the provider generated, or change the timestamp tolerance of its signatures"));
    m_clearSecretAction = hooks->addAction(tr("Clear provider &secret…"), this, &MainWindow::clearProviderSecret);
    m_clearSecretAction->setObjectName(QStringLiteral("clearProviderSecretAction"));
    // The settings are the data directory's: a server keeps its own (alfe.ini beside its data).
    if (m_local)
        file->addAction(tr("&Settings…"), QKeySequence::Preferences, this, &MainWindow::openSettings);
    auto* connectAction =
        file->addAction(tr("&Connect to server…"), this, [this] { ConnectDialog::connectFrom(this); });
    connectAction->setObjectName(QStringLiteral("connectAction"));
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
}

QWidget* MainWindow::buildWebhooksPage()
{
    auto* splitter = new QSplitter(this);
    splitter->setObjectName(QStringLiteral("webhooksSplitter"));
    m_agents = new AgentListModel(this);
    m_agentView = new QListView(splitter);
    m_agentView->setObjectName(QStringLiteral("agentList"));
    m_agentView->setAccessibleName(tr("Agents"));
    m_agentView->setModel(m_agents);
    m_agentView->setItemDelegate(new AgentItemDelegate(m_agentView));
    m_agentView->setUniformItemSizes(true);
    m_agentView->setMinimumWidth(200);
    m_agentView->setCurrentIndex(m_agents->index(0));
    connect(m_agentView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        m_webhooks->setAgentFilter(currentAgentId());
        updateActions();
    });

    m_webhookStack = new QStackedWidget(splitter);
    auto* empty = new QWidget(m_webhookStack);
    auto* emptyLayout = new QVBoxLayout(empty);
    auto* emptyText =
        new QLabel(tr("<h2>No webhooks yet</h2><p>1. Create an agent and a webhook — its secret is shown once.<br>"
                      "2. Send it a test event: a signed sample posted through the ingress.<br>"
                      "3. Watch the delivery arrive in the Deliveries tab.</p>"),
                   empty);
    emptyText->setObjectName(QStringLiteral("emptyStateMessage"));
    emptyText->setAlignment(Qt::AlignCenter);
    emptyText->setWordWrap(true);
    auto* start = new QPushButton(tr("Create agent and webhook…"), empty);
    start->setObjectName(QStringLiteral("emptyStateButton"));
    connect(start, &QPushButton::clicked, this, &MainWindow::newWebhook);
    emptyLayout->addStretch();
    emptyLayout->addWidget(emptyText);
    emptyLayout->addWidget(start, 0, Qt::AlignHCenter);
    emptyLayout->addStretch();
    m_webhookStack->addWidget(empty);

    auto* list = new QWidget(m_webhookStack);
    m_webhookView = new QTableView(list);
    m_webhookView->setObjectName(QStringLiteral("webhookTable"));
    m_webhooks = new WebhookListModel(this);
    m_webhookView->setModel(m_webhooks);
    m_webhookView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_webhookView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_webhookView->verticalHeader()->hide();
    m_webhookView->horizontalHeader()->setStretchLastSection(false);
    m_webhookView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_webhookView->horizontalHeader()->setSectionResizeMode(WebhookListModel::DescriptionColumn, QHeaderView::Stretch);
    m_webhookView->setAlternatingRowColors(true);
    m_webhookView->setWordWrap(false);
    m_webhookView->verticalHeader()->setDefaultSectionSize(m_webhookView->fontMetrics().height() + 10);
    connect(m_webhookView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::updateActions);
    connect(m_webhookView, &QTableView::doubleClicked, this, &MainWindow::copySelectedUrl);
    connect(m_webhooks, &QAbstractItemModel::modelReset, this, [this] {
        m_webhookStack->setCurrentIndex(m_webhooks->hasWebhooks() ? 1 : 0);
        updateActions();
    });
    m_webhookDetails = new WebhookDetailsPane(m_backend, list);
    m_webhookDetails->addActionButton(m_importSecretAction);
    m_webhookDetails->addActionButton(m_clearSecretAction);
    auto* listLayout = new QVBoxLayout(list);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addWidget(m_webhookView, 1);
    listLayout->addWidget(m_webhookDetails);
    m_webhookStack->addWidget(list);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({220, 880});
    return splitter;
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    refresh(); // what changed while hidden
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_remembersLayout)
        WindowLayout::save(*this, m_tabs);
    QMainWindow::closeEvent(event);
}

void MainWindow::setRemembersLayout(bool remembers)
{
    m_remembersLayout = remembers;
    if (!remembers)
        return;
    WindowLayout::restoreGeometry(*this);
    if (m_tabs)
        WindowLayout::restoreTabs(*this, *m_tabs);
}

void MainWindow::showUnlocking()
{
    m_pages->setCurrentWidget(m_message);
    m_message->setText(tr("<h2>Unlocking the data directory…</h2><p>Reading its master key from the system keychain. "
                          "If the keychain asks for its password, unlock it.</p>"));
}

void MainWindow::showProblem(const QString& message)
{
    m_ready = false;
    m_pages->setCurrentWidget(m_message);
    m_message->setText((m_backend.isRemote() ? tr("<h2>Cannot connect to %1</h2><p>%2</p>").arg(m_backend.location())
                                             : tr("<h2>The data directory cannot be opened</h2><p>%2</p>"))
                           .arg(message.toHtmlEscaped()));
    updateActions();
}

void MainWindow::showConnecting(const QString& where)
{
    m_pages->setCurrentWidget(m_message);
    m_message->setText(tr("<h2>Connecting to %1…</h2>").arg(where.toHtmlEscaped()));
}

void MainWindow::showConnection(bool connected, const QString& problem)
{
    if (connected) {
        if (m_banner->isVisible())
            statusBar()->showMessage(
                tr("Connected to %1 again; the screens were read afresh.").arg(m_backend.location()), 8000);
        m_banner->hide();
        return;
    }
    m_banner->setText(tr("The connection to %1 was lost (%2). Reconnecting… Actions may fail until it is back; "
                         "none is retried behind your back.")
                          .arg(m_backend.location(), problem));
    m_banner->show();
}

void MainWindow::setIngressProblem(const QString& message)
{
    m_ingressProblem = message;
}

void MainWindow::showReady()
{
    if (!m_tabs) {
        m_tabs = new QTabWidget(m_pages);
        m_tabs->setObjectName(QStringLiteral("mainTabs"));
        m_tabs->setDocumentMode(true);
        m_tabs->addTab(buildWebhooksPage(), tr("Webhooks"));
        m_deliveries = new DeliveriesView(m_backend, m_tabs);
        m_tabs->addTab(m_deliveries, tr("Deliveries"));
        auto* refused = new RefusedRequestsView(m_backend, m_tabs);
        m_tabs->addTab(refused, tr("Refused"));
        m_pages->addWidget(m_tabs);
        connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::updateActions);
        connect(m_deliveries, &DeliveriesView::statusMessage, this,
                [this](const QString& message) { statusBar()->showMessage(message, 8000); });
        connect(m_deliveries, &DeliveriesView::sendTestEventRequested, this, &MainWindow::sendTestFromDeliveries);
        // The empty state offers "Send a test event…" only once someone listens: read it again now.
        m_deliveries->refresh();
        // Before ConsoleStartup and RemoteSession say ready(), where --tab is applied: the command line wins.
        if (m_remembersLayout)
            WindowLayout::restoreTabs(*this, *m_tabs);
    }
    m_ready = true;
    m_pages->setCurrentWidget(m_tabs);
    updateActions(); // New is there at once; the rest follows the selection once the lists are in
    if (m_local)
        m_clipboard->setTimeoutSeconds(
            m_local->engine().settings().get(Settings::Key::ClipboardTimeoutSeconds).toInt());
    refresh();
}

void MainWindow::refresh()
{
    if (!m_ready || !isVisible())
        return;
    // Only the latest refresh is shown: a server may answer an older one after it.
    const quint64 serial = ++m_snapshotSerial;
    QPointer<MainWindow> self(this);
    m_backend.snapshot([self, serial](Result<ConsoleSnapshot> snapshot) {
        if (!self || serial != self->m_snapshotSerial)
            return;
        if (!snapshot) {
            self->statusBar()->showMessage(snapshot.error().message, 8000);
            return;
        }
        self->showSnapshot(std::move(snapshot.value()));
    });
}

void MainWindow::showSnapshot(ConsoleSnapshot snapshot)
{
    m_snapshot = std::move(snapshot);
    const QString selected = m_pendingSelection.isEmpty() ? selectedWebhookId() : m_pendingSelection;
    const QString current = currentAgentId();
    {
        // Refreshing must not look like the user picking another agent.
        QSignalBlocker block(m_agentView->selectionModel());
        m_agents->setAgents(m_snapshot.agents);
        m_agentView->setCurrentIndex(m_agents->index(m_agents->rowOf(current)));
    }
    if (currentAgentId() != current)
        m_webhooks->setAgentFilter(currentAgentId());
    m_webhooks->setSnapshot(m_snapshot);
    m_webhookStack->setCurrentIndex(m_webhooks->hasWebhooks() ? 1 : 0);
    if (!selected.isEmpty())
        selectWebhook(selected);
    if (!m_pendingSelection.isEmpty() && m_webhooks->rowOf(m_pendingSelection) >= 0)
        m_pendingSelection.clear(); // the new webhook is listed and selected
    refreshStatus();
    updateActions();
}

QString MainWindow::currentAgentId() const
{
    return m_agentView ? m_agentView->currentIndex().data(AgentListModel::AgentIdRole).toString() : QString();
}

void MainWindow::refreshStatus()
{
    const QString url = m_backend.ingressUrl();
    if (!url.isEmpty())
        m_ingressLabel->setText(tr("Ingress: <a href=\"%1\">%1</a>").arg(url.toHtmlEscaped()));
    else if (!m_ingressProblem.isEmpty())
        m_ingressLabel->setText(tr("Ingress not running: %1").arg(m_ingressProblem.toHtmlEscaped()));
    // From the snapshot just shown: no query of its own.
    const int online = m_agents->online();
    const int offline = m_agents->rowCount() - 1 - online;
    const int streaming = m_agents->streaming();
    m_agentsLabel->setText(
        streaming > 0
            ? tr("Agents: %1 online (%2 streaming), %3 offline or paused").arg(online).arg(streaming).arg(offline)
            : tr("Agents: %1 online, %2 offline or paused").arg(online).arg(offline));
    m_queueLabel->setText(tr("Queued: %1").arg(m_agents->waiting()));
}

QString MainWindow::selectedWebhookId() const
{
    if (!m_webhookView || !m_webhookView->selectionModel())
        return {};
    const QModelIndexList rows = m_webhookView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(WebhookListModel::WebhookIdRole).toString();
}

void MainWindow::selectWebhook(const QString& webhookId)
{
    const int row = m_webhooks->rowOf(webhookId);
    if (row >= 0)
        m_webhookView->selectRow(row);
}

void MainWindow::updateActions()
{
    // On the Deliveries and Refused tabs the webhook selection is out of sight: Del or Ctrl+E there must not
    // act on it.
    const bool webhooksShown = m_tabs && m_tabs->currentIndex() == WebhooksTab;
    const bool has = m_ready && webhooksShown && !selectedWebhookId().isEmpty();
    m_newAction->setEnabled(m_ready);
    for (QAction* action :
         {m_rotateAction, m_toggleAction, m_deleteAction, m_sendTestAction, m_copyUrlAction, m_importSecretAction})
        action->setEnabled(has);
    std::optional<Webhook> selected;
    if (m_ready && !selectedWebhookId().isEmpty())
        selected = m_webhooks->webhookAt(m_webhooks->rowOf(selectedWebhookId()));
    m_clearSecretAction->setEnabled(has && selected->providerSecretVersion > 0);
    if (has)
        m_toggleAction->setText(selected->enabled ? tr("&Disable") : tr("&Enable"));
    if (m_webhookDetails)
        m_webhookDetails->showWebhook(selected);
}

void MainWindow::openSettings()
{
    if (!m_ready || !m_local)
        return;
    Settings& settings = m_local->engine().settings();
    SettingsDialog dialog(settings, this);
    if (dialog.exec() == QDialog::Accepted)
        m_clipboard->setTimeoutSeconds(settings.get(Settings::Key::ClipboardTimeoutSeconds).toInt());
}

void MainWindow::notifyFailed(const QString& deliveryId)
{
    const QString text = tr("Delivery %1 failed after its last retry.").arg(deliveryId);
    if (QSystemTrayIcon::isSystemTrayAvailable() && QSystemTrayIcon::supportsMessages()) {
        if (!m_tray) {
            m_tray = new QSystemTrayIcon(windowIcon(), this);
            m_tray->show();
        }
        m_tray->showMessage(tr("Alfe Console"), text, QSystemTrayIcon::Warning);
    }
    statusBar()->showMessage(text, 10000);
}

} // namespace Alfe
