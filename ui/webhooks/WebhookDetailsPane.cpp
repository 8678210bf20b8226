#include "webhooks/WebhookDetailsPane.h"

#include "backend/Backend.h"
#include "common/MonospaceFont.h"
#include "common/StatusStyle.h"

#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace Alfe {

namespace {
QLabel* valueLabel(QWidget* parent, const QString& name)
{
    auto* label = new QLabel(parent);
    label->setObjectName(name);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}
} // namespace

WebhookDetailsPane::WebhookDetailsPane(Backend& backend, QWidget* parent)
    : QWidget(parent)
    , m_backend(backend)
{
    setObjectName(QStringLiteral("webhookDetails"));
    m_pages = new QStackedWidget(this);
    auto* placeholder =
        new QLabel(tr("Select a webhook to see its URL, its secrets and the provider's signing secret."), m_pages);
    placeholder->setObjectName(QStringLiteral("webhookDetailsPlaceholder"));
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setWordWrap(true);
    StatusStyle::setTextTone(placeholder, StatusStyle::Tone::Muted); // dimmed, still legible
    m_pages->addWidget(placeholder);

    auto* page = new QWidget(m_pages);
    m_url = valueLabel(page, QStringLiteral("urlField"));
    m_url->setFont(MonospaceFont::font());
    m_ownSecret = valueLabel(page, QStringLiteral("ownSecretField"));
    m_providerSecret = valueLabel(page, QStringLiteral("providerSecretField"));
    m_tolerance = valueLabel(page, QStringLiteral("toleranceField"));
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight);
    form->addRow(tr("URL:"), m_url);
    form->addRow(tr("Alfe secret:"), m_ownSecret);
    form->addRow(tr("Provider secret:"), m_providerSecret);
    form->addRow(tr("Timestamp tolerance:"), m_tolerance);
    m_buttons = new QVBoxLayout;
    m_buttons->addStretch();
    auto* pageLayout = new QHBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addLayout(form, 1);
    pageLayout->addLayout(m_buttons);
    m_pages->addWidget(page);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_pages);
    showWebhook(std::nullopt);
}

QString WebhookDetailsPane::localTime(qint64 ms)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
}

QString WebhookDetailsPane::providerSecretState(const Webhook& webhook)
{
    if (webhook.providerSecretVersion == 0)
        return tr("Not imported");
    if (!webhook.previousProviderSecretExpiresAtMs)
        return tr("Imported");
    return tr("Imported \u00b7 previous one valid until %1").arg(localTime(*webhook.previousProviderSecretExpiresAtMs));
}

void WebhookDetailsPane::showWebhook(const std::optional<Webhook>& webhook)
{
    m_pages->setCurrentIndex(webhook ? 1 : 0);
    if (!webhook)
        return;
    m_url->setText(m_backend.webhookUrl(webhook->id));
    QString own = tr("version %1").arg(webhook->secretVersion);
    if (webhook->previousSecretExpiresAtMs)
        own += tr(" \u00b7 previous one valid until %1").arg(localTime(*webhook->previousSecretExpiresAtMs));
    m_ownSecret->setText(own);
    m_providerSecret->setText(providerSecretState(*webhook));
    m_tolerance->setText(tr("%1 s").arg(webhook->toleranceSeconds));
}

void WebhookDetailsPane::addActionButton(QAction* action)
{
    auto* button = new QToolButton(this);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_buttons->insertWidget(m_buttons->count() - 1, button); // above the stretch
}

QString WebhookDetailsPane::providerSecretText() const
{
    return m_providerSecret->text();
}

QString WebhookDetailsPane::toleranceText() const
{
    return m_tolerance->text();
}

} // namespace Alfe
