#include "MainWindow.h"

#include "AgentStore.h"
#include "Engine.h"
#include "WebhookStore.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>
#include <QVBoxLayout>

namespace Alfe {

MainWindow::MainWindow(Engine& engine, QWidget* parent)
    : QMainWindow(parent)
    , m_engine(engine)
{
    setWindowTitle(tr("Alfe Console"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/alfe-console.svg")));
    resize(960, 600);

    auto* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(48, 48, 48, 48);
    m_message = new QLabel(central);
    m_message->setObjectName(QStringLiteral("emptyStateMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addStretch();
    layout->addWidget(m_message);
    layout->addStretch();
    setCentralWidget(central);

    m_dataDirLabel = new QLabel(this);
    m_dataDirLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_countsLabel = new QLabel(this);
    statusBar()->addWidget(m_dataDirLabel, 1);
    statusBar()->addPermanentWidget(m_countsLabel);
    m_dataDirLabel->setText(tr("Data: %1").arg(m_engine.dataDir()));
}

void MainWindow::showUnlocking()
{
    m_message->setText(tr("<h2>Unlocking the data directory…</h2><p>Reading its master key from the system keychain. "
                          "If the keychain asks for its password, unlock it.</p>"));
}

void MainWindow::showReady()
{
    refreshStatus();
    const bool empty = m_engine.agents().list().isEmpty();
    m_message->setText(empty ? tr("<h2>No agents yet</h2><p>Create an agent, give it a webhook, and send a test event "
                                  "to watch a delivery arrive.</p>")
                             : tr("<h2>Ready</h2><p>Your agents and webhooks are stored in this data directory.</p>"));
}

void MainWindow::showProblem(const QString& message)
{
    m_message->setText(tr("<h2>The data directory cannot be opened</h2><p>%1</p>").arg(message.toHtmlEscaped()));
}

void MainWindow::refreshStatus()
{
    m_countsLabel->setText(tr("%n agent(s)", nullptr, int(m_engine.agents().list().size())) + QStringLiteral(" · ") +
                           tr("%n webhook(s)", nullptr, int(m_engine.webhooks().list().size())));
}

} // namespace Alfe
