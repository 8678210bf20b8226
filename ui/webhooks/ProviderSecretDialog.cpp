#include "webhooks/ProviderSecretDialog.h"

#include "backend/Backend.h"
#include "common/StatusStyle.h"
#include "crypto/Secrets.h"
#include "crypto/SignatureSchemes.h"
#include "store/WebhookStore.h"
#include "webhooks/GraceCombo.h"
#include "webhooks/ProviderSecretEdit.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace Alfe {

ProviderSecretDialog::ProviderSecretDialog(Backend& backend, const Webhook& webhook, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_webhook(webhook)
{
    setWindowTitle(tr("Import provider secret"));
    setMinimumWidth(520);
    const bool replacing = webhook.providerSecretVersion > 0;
    auto* intro =
        new QLabel(tr("Requests to <b>%1</b> are then verified the way %2 signs them (<code>%3</code>), "
                      "with the signing secret %2 generated. It is sealed like the webhook's own secret "
                      "and never shown again.")
                       .arg(webhook.id.toHtmlEscaped(), StatusStyle::providerLabel(webhook.provider),
                            QString::fromLatin1(SignatureSchemes::importedSecretScheme(webhook.provider).header())),
                   this);
    intro->setObjectName(QStringLiteral("introLabel"));
    intro->setWordWrap(true);

    m_secret = new ProviderSecretEdit(webhook.provider, this);
    if (replacing)
        m_secret->setOptional(true, tr("Empty: keep the imported one"));
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Signing secret:"), m_secret);
    if (replacing) {
        m_grace = GraceCombo::create(this);
        form->addRow(tr("&Current one keeps working:"), m_grace);
    }
    m_tolerance = new QSpinBox(this);
    m_tolerance->setObjectName(QStringLiteral("toleranceSpin"));
    m_tolerance->setRange(WebhookStore::MinToleranceSeconds, WebhookStore::MaxToleranceSeconds);
    m_tolerance->setSuffix(tr(" s"));
    m_tolerance->setValue(webhook.toleranceSeconds);
    m_tolerance->setToolTip(tr("How far the time a provider signs (Stripe, Slack, Standard Webhooks) may be from "
                               "this computer's clock, either way, before its request is refused."));
    form->addRow(tr("&Timestamp tolerance:"), m_tolerance);

    m_error = StatusStyle::problemLabel(this, QStringLiteral("errorLabel"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_import = buttons->button(QDialogButtonBox::Ok);
    m_import->setText(replacing ? tr("Replace") : tr("Import"));
    m_import->setObjectName(QStringLiteral("importButton"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ProviderSecretDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ProviderSecretDialog::reject);
    connect(m_secret, &ProviderSecretEdit::changed, this, &ProviderSecretDialog::updateButton);
    connect(m_tolerance, &QSpinBox::valueChanged, this, &ProviderSecretDialog::updateButton);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    m_secret->setFocus();
    updateButton();
}

qint64 ProviderSecretDialog::graceSeconds() const
{
    return m_grace ? GraceCombo::seconds(m_grace) : 0;
}

void ProviderSecretDialog::updateButton()
{
    // With a secret already imported, an empty field keeps it: only the tolerance is saved, if it changed.
    const bool toleranceChanged = m_tolerance->value() != m_webhook.toleranceSeconds;
    m_import->setEnabled(m_secret->isAcceptable() && (!m_secret->isEmpty() || toleranceChanged));
    if (m_webhook.providerSecretVersion > 0)
        m_import->setText(m_secret->isEmpty() ? tr("Save") : tr("Replace"));
}

void ProviderSecretDialog::accept()
{
    if (!m_import->isEnabled())
        return;
    if (m_secret->isEmpty())
        return saveTolerance();
    QByteArray secret = m_secret->secret();
    m_import->setEnabled(false);
    QPointer<ProviderSecretDialog> self(this);
    m_backend.setProviderSecret(m_webhook.id, secret, graceSeconds(), [self](Result<Webhook> imported) {
        if (!self)
            return;
        if (!imported) {
            self->showError(imported.error().message);
            return;
        }
        self->m_secret->clear();
        self->m_webhook = imported.value();
        self->m_imported = true;
        self->saveTolerance();
    });
    Secrets::cleanse(secret);
}

void ProviderSecretDialog::saveTolerance()
{
    if (m_tolerance->value() == m_webhook.toleranceSeconds)
        return QDialog::accept();
    m_import->setEnabled(false);
    QPointer<ProviderSecretDialog> self(this);
    m_backend.setToleranceSeconds(m_webhook.id, m_tolerance->value(), [self](Result<Webhook> tolerance) {
        if (!self)
            return;
        if (!tolerance) {
            self->showError(self->m_imported ? tr("The secret was imported, but the tolerance was not changed: %1")
                                                   .arg(tolerance.error().message)
                                             : tolerance.error().message);
            return;
        }
        self->m_webhook = tolerance.value();
        self->QDialog::accept();
    });
}

void ProviderSecretDialog::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
    updateButton();
}

} // namespace Alfe
