#include "webhooks/NewWebhookDialog.h"

#include "common/StatusStyle.h"
#include "store/AgentStore.h"
#include "webhooks/ProviderSecretEdit.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Alfe {

NewWebhookDialog::NewWebhookDialog(const QList<Agent>& agents, const QString& preselectedAgentId, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("New webhook"));
    setMinimumWidth(480);
    auto* form = new QFormLayout;
    m_agent = new QComboBox(this);
    m_agent->setObjectName(QStringLiteral("agentCombo"));
    for (const Agent& agent : agents)
        m_agent->addItem(agent.name + QStringLiteral("  (") + agent.id + QLatin1Char(')'), agent.id);
    m_agent->addItem(tr("New agent…"), QString());
    const int preselected = m_agent->findData(preselectedAgentId);
    m_agent->setCurrentIndex(preselected >= 0 ? preselected : 0);
    form->addRow(tr("&Agent:"), m_agent);

    m_agentName = new QLineEdit(this);
    m_agentName->setObjectName(QStringLiteral("agentNameEdit"));
    m_agentName->setPlaceholderText(tr("e.g. triage bot"));
    form->addRow(tr("Agent &name:"), m_agentName);
    m_forwardUrl = new QLineEdit(this);
    m_forwardUrl->setObjectName(QStringLiteral("forwardUrlEdit"));
    m_forwardUrl->setPlaceholderText(tr("http://127.0.0.1:9000/webhooks (optional)"));
    form->addRow(tr("&Forward to:"), m_forwardUrl);

    m_provider = new QComboBox(this);
    m_provider->setObjectName(QStringLiteral("providerCombo"));
    m_provider->addItem(tr("Generic (any JSON sender)"), QStringLiteral("generic"));
    m_provider->addItem(tr("GitHub"), QStringLiteral("github"));
    m_provider->addItem(tr("Stripe"), QStringLiteral("stripe"));
    m_provider->addItem(tr("Slack"), QStringLiteral("slack"));
    form->addRow(tr("&Provider:"), m_provider);
    m_description = new QLineEdit(this);
    m_description->setObjectName(QStringLiteral("descriptionEdit"));
    m_description->setPlaceholderText(tr("What sends to it, e.g. \"octo-org/agent-demo pushes\""));
    m_description->setMaxLength(1000);
    form->addRow(tr("&Description:"), m_description);
    m_providerSecret = new ProviderSecretEdit(provider(), this);
    m_providerSecret->setOptional(true);
    form->addRow(tr("Provider &signing secret:"), m_providerSecret);

    m_error = StatusStyle::problemLabel(this, QStringLiteral("errorLabel"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_create = buttons->button(QDialogButtonBox::Ok);
    m_create->setText(tr("Create"));
    m_create->setObjectName(QStringLiteral("createButton"));
    connect(buttons, &QDialogButtonBox::accepted, this, &NewWebhookDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &NewWebhookDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    connect(m_agent, &QComboBox::currentIndexChanged, this, &NewWebhookDialog::updateAgentFields);
    connect(m_provider, &QComboBox::currentIndexChanged, this, [this] { m_providerSecret->setProvider(provider()); });
    connect(m_providerSecret, &ProviderSecretEdit::acceptableChanged, m_create, &QPushButton::setEnabled);
    updateAgentFields();
}

void NewWebhookDialog::updateAgentFields()
{
    auto* form = qobject_cast<QFormLayout*>(static_cast<QVBoxLayout*>(layout())->itemAt(0)->layout());
    const bool creating = createsAgent();
    for (QWidget* w : {static_cast<QWidget*>(m_agentName), static_cast<QWidget*>(m_forwardUrl)}) {
        w->setVisible(creating);
        if (form && form->labelForField(w))
            form->labelForField(w)->setVisible(creating);
    }
    if (creating)
        m_agentName->setFocus();
    adjustSize();
}

bool NewWebhookDialog::createsAgent() const
{
    return m_agent->currentData().toString().isEmpty();
}
QString NewWebhookDialog::agentId() const
{
    return m_agent->currentData().toString();
}
QString NewWebhookDialog::newAgentName() const
{
    return m_agentName->text();
}
QString NewWebhookDialog::newAgentForwardUrl() const
{
    return m_forwardUrl->text();
}
QString NewWebhookDialog::description() const
{
    return m_description->text();
}

Provider NewWebhookDialog::provider() const
{
    return providerFromName(m_provider->currentData().toString()).value_or(Provider::Generic);
}

QByteArray NewWebhookDialog::providerSecret() const
{
    return m_providerSecret->secret();
}

void NewWebhookDialog::forgetProviderSecret()
{
    m_providerSecret->clear();
}

void NewWebhookDialog::accept()
{
    if (!m_providerSecret->isAcceptable())
        return; // its problem is shown under it
    if (createsAgent()) {
        auto name = AgentStore::validateName(m_agentName->text());
        auto url = AgentStore::validateForwardUrl(m_forwardUrl->text());
        const QString problem = !name ? name.error().message : !url ? url.error().message : QString();
        if (!problem.isEmpty()) {
            m_error->setText(problem);
            m_error->show();
            return;
        }
    }
    QDialog::accept();
}

} // namespace Alfe
