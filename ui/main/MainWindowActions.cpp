// MainWindow: the actions on webhooks (new, rotate, enable/disable, delete, send test, copy URL, provider
// secret) and what the console says when one fails or its answer is lost.
#include "main/MainWindow.h"

#include "common/StatusStyle.h"
#include "crypto/Secrets.h"
#include "deliveries/DeliveriesView.h"
#include "secrets/SecretClipboard.h"
#include "secrets/SecretDialog.h"
#include "webhooks/NewWebhookDialog.h"
#include "webhooks/ProviderSecretDialog.h"
#include "webhooks/RotateDialog.h"
#include "webhooks/SendTestDialog.h"
#include "webhooks/WebhookDetailsPane.h"
#include "webhooks/WebhookListModel.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QListView>
#include <QLocale>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

namespace Alfe {

void MainWindow::newWebhook()
{
    if (!m_ready)
        return;
    QList<Agent> agents;
    for (const ConsoleSnapshot::AgentEntry& entry : std::as_const(m_snapshot.agents))
        agents << entry.agent;
    NewWebhookDialog dialog(agents, currentAgentId(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    auto request = std::make_shared<NewWebhookRequest>();
    request->providerSecret = dialog.providerSecret();
    dialog.forgetProviderSecret();
    request->provider = dialog.provider();
    request->description = dialog.description();
    if (!dialog.createsAgent())
        return createWebhookFor(dialog.agentId(), request);
    QPointer<MainWindow> self(this);
    m_backend.createAgent(dialog.newAgentName(), dialog.newAgentForwardUrl(), [self, request](Result<Agent> agent) {
        if (!self)
            return;
        if (!agent) {
            self->answerLost(tr("Agent not created"), agent.error());
            return;
        }
        self->createWebhookFor(agent->id, request);
    });
}

MainWindow::NewWebhookRequest::~NewWebhookRequest()
{
    Secrets::cleanse(providerSecret);
}

void MainWindow::createWebhookFor(const QString& agentId, const std::shared_ptr<NewWebhookRequest>& request)
{
    QPointer<MainWindow> self(this);
    m_backend.createWebhook(
        agentId, request->provider, request->description, [self, request](Result<NewSecret> created) {
            if (!self)
                return;
            if (!created) {
                self->answerLost(tr("Webhook not created"), created.error());
                return;
            }
            if (request->providerSecret.isEmpty())
                return self->showCreated(created.value(), QString());
            // The webhook exists whatever happens next: its own secret is still shown, with why the import failed.
            auto answer = std::make_shared<NewSecret>(created.value());
            self->m_backend.setProviderSecret(
                answer->webhook.id, request->providerSecret, 0, [self, answer](Result<Webhook> imported) {
                    if (!self) {
                        Secrets::cleanse(answer->secret);
                        return;
                    }
                    const QString note =
                        imported ? tr("The provider's signing secret was imported: %1's own signatures verify too.")
                                       .arg(StatusStyle::providerLabel(answer->webhook.provider))
                                 : tr("The provider's signing secret was not imported: %1 Import it with Webhook → "
                                      "Import provider secret…")
                                       .arg(imported.error().message);
                    if (!imported)
                        self->statusBar()->showMessage(note, 15000);
                    self->showCreated(*answer, note);
                    Secrets::cleanse(answer->secret);
                });
        });
}

void MainWindow::showCreated(const NewSecret& created, const QString& note)
{
    m_pendingSelection = created.webhook.id; // selected once the list has it (a server answers later)
    refresh();
    m_deliveries->reloadWebhooks();
    selectWebhook(created.webhook.id);
    presentSecret(tr("Webhook created"), created.webhook.id, created.secret, note);
}

void MainWindow::answerLost(const QString& title, const Error& error)
{
    // Over a network a request may have been carried out even though its answer never came: say so, and
    // offer to look rather than guess.
    QString text;
    if (error.code == u"unanswered")
        text = tr("%1\n\nThe server may have carried it out before the connection was lost. Check before trying "
                  "again.")
                   .arg(error.message);
    else if (error.code == u"answer_lost")
        text = tr("%1\n\nIt was done: a new secret, if it made one, cannot be shown again. Look at the current "
                  "state; rotate again if you need a secret you can see.")
                   .arg(error.message);
    if (text.isEmpty()) {
        QMessageBox::warning(this, title, error.message);
        return;
    }
    QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::NoButton, this);
    QPushButton* show = box.addButton(tr("Show current state"), QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Close);
    box.exec();
    if (box.clickedButton() == show) {
        m_tabs->setCurrentIndex(WebhooksTab);
        refresh();
    }
}

void MainWindow::rotateSelected()
{
    const QString id = selectedWebhookId();
    if (id.isEmpty())
        return;
    RotateDialog dialog(id, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const qint64 grace = dialog.graceSeconds();
    QPointer<MainWindow> self(this);
    m_backend.rotate(id, grace, [self, id, grace](Result<NewSecret> rotated) {
        if (!self)
            return;
        if (!rotated) {
            self->answerLost(tr("Secret not rotated"), rotated.error());
            return;
        }
        const QString note =
            grace == 0 ? tr("The previous secret stopped working now.")
                       : tr("The previous secret keeps working until %1.")
                             .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(rotated->previousSecretExpiresAtMs),
                                                     QLocale::ShortFormat));
        self->refresh();
        self->presentSecret(tr("Secret rotated"), id, rotated->secret, note);
    });
}

std::optional<Webhook> MainWindow::selectedWebhook() const
{
    const QString id = selectedWebhookId();
    if (id.isEmpty())
        return std::nullopt;
    const int row = m_webhooks->rowOf(id);
    if (row < 0)
        return std::nullopt;
    return m_webhooks->webhookAt(row);
}

void MainWindow::toggleSelectedEnabled()
{
    const auto webhook = selectedWebhook();
    if (!webhook)
        return;
    QPointer<MainWindow> self(this);
    m_backend.setEnabled(webhook->id, !webhook->enabled, [self](Result<void> changed) {
        if (!self)
            return;
        if (!changed)
            self->answerLost(tr("Not changed"), changed.error());
        self->refresh();
    });
}

void MainWindow::deleteSelected()
{
    const QString id = selectedWebhookId();
    if (id.isEmpty())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Delete webhook"),
        tr("Delete %1? Its URL stops working at once (senders get 404) and its secrets are destroyed. Its deliveries "
           "stay visible until they expire.")
            .arg(id),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    QPointer<MainWindow> self(this);
    m_backend.removeWebhook(id, [self](Result<void> removed) {
        if (!self)
            return;
        if (!removed)
            self->answerLost(tr("Not deleted"), removed.error());
        self->refresh();
        self->m_deliveries->reloadWebhooks();
    });
}

void MainWindow::sendTestToSelected()
{
    const auto webhook = selectedWebhook();
    if (!webhook)
        return;
    auto* dialog = new SendTestDialog(m_backend, webhook.value(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SendTestDialog::sent, m_refreshTimer, qOverload<>(&QTimer::start));
    dialog->open();
}

void MainWindow::sendTestFromDeliveries()
{
    m_tabs->setCurrentIndex(WebhooksTab);
    if (selectedWebhookId().isEmpty() && m_webhooks->rowCount() > 0)
        m_webhookView->selectRow(0);
    if (selectedWebhookId().isEmpty()) {
        // Nothing to send to yet: the first-run path creates an agent and a webhook first.
        newWebhook();
        return;
    }
    sendTestToSelected();
}

void MainWindow::copySelectedUrl()
{
    const QString id = selectedWebhookId();
    if (id.isEmpty())
        return;
    const QString url = m_backend.webhookUrl(id);
    QGuiApplication::clipboard()->setText(url);
    statusBar()->showMessage(tr("Copied %1").arg(url), 3000);
}

void MainWindow::importProviderSecret()
{
    const auto webhook = selectedWebhook();
    if (!webhook)
        return;
    ProviderSecretDialog dialog(m_backend, webhook.value(), this);
    const bool imported = dialog.exec() == QDialog::Accepted;
    refresh();
    if (!imported)
        return;
    const Webhook& w = dialog.webhook();
    QString message = tr("Imported the provider secret of %1.").arg(w.id);
    if (!dialog.imported())
        message = tr("The timestamp tolerance of %1 is now %2 s.").arg(w.id).arg(w.toleranceSeconds);
    else if (w.previousProviderSecretExpiresAtMs)
        message = tr("Imported the provider secret of %1; the previous one keeps working until %2.")
                      .arg(w.id, WebhookDetailsPane::localTime(*w.previousProviderSecretExpiresAtMs));
    statusBar()->showMessage(message, 8000);
}

void MainWindow::clearProviderSecret()
{
    const auto webhook = selectedWebhook();
    if (!webhook || webhook->providerSecretVersion == 0)
        return;
    const auto answer = QMessageBox::question(
        this, tr("Clear provider secret"),
        tr("Clear the provider secret of %1? Requests %2 signs with it (or with a previous one still in its grace "
           "period) are refused from now on. Requests signed with the webhook's own secret keep working.")
            .arg(webhook->id, StatusStyle::providerLabel(webhook->provider)),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    QPointer<MainWindow> self(this);
    m_backend.clearProviderSecret(webhook->id, [self, id = webhook->id](Result<void> cleared) {
        if (!self)
            return;
        if (!cleared)
            self->answerLost(tr("Not cleared"), cleared.error());
        else
            self->statusBar()->showMessage(tr("Cleared the provider secret of %1.").arg(id), 8000);
        self->refresh();
    });
}

void MainWindow::presentSecret(const QString& title, const QString& webhookId, const QByteArray& secret,
                               const QString& note)
{
    SecretDialog dialog(title, webhookId, m_backend.webhookUrl(webhookId), secret, note, *m_clipboard,
                        SecretDialog::keychainEntryFor(webhookId), this);
    dialog.exec();
}

} // namespace Alfe
