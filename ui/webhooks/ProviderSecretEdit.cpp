#include "webhooks/ProviderSecretEdit.h"

#include "common/StatusStyle.h"
#include "crypto/Secrets.h"
#include "store/WebhookStore.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace Alfe {

ProviderSecretEdit::ProviderSecretEdit(Provider provider, QWidget* parent)
    : QWidget(parent)
    , m_provider(provider)
{
    m_edit = new QLineEdit(this);
    m_edit->setObjectName(QStringLiteral("providerSecretEdit"));
    m_edit->setEchoMode(QLineEdit::Password);
    m_edit->setAccessibleName(tr("Provider signing secret"));
    m_show = new QCheckBox(tr("Sho&w"), this);
    m_show->setObjectName(QStringLiteral("showProviderSecret"));
    m_problem = StatusStyle::problemLabel(this, QStringLiteral("providerSecretProblem"));
    m_hint = new QLabel(this);
    m_hint->setObjectName(QStringLiteral("providerSecretHint"));
    m_hint->setWordWrap(true);
    StatusStyle::setTextTone(m_hint, StatusStyle::Tone::Muted); // dimmed, still legible

    auto* row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_edit, 1);
    row->addWidget(m_show);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(row);
    layout->addWidget(m_problem);
    layout->addWidget(m_hint);
    setFocusProxy(m_edit);

    connect(m_show, &QCheckBox::toggled, this,
            [this](bool shown) { m_edit->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password); });
    connect(m_edit, &QLineEdit::textChanged, this, &ProviderSecretEdit::check);
    setProvider(provider);
}

QString ProviderSecretEdit::hint(Provider provider)
{
    switch (provider) {
    case Provider::Stripe:
        return tr("On the Stripe webhook endpoint's page, under \"Signing secret\" (whsec_…).");
    case Provider::Slack:
        return tr("In your Slack app's settings: Basic Information → App Credentials → Signing Secret.");
    case Provider::GitHub:
        return tr("The secret typed into GitHub's webhook form, if it is not this webhook's own.");
    case Provider::Generic:
        break;
    }
    return tr("A Standard Webhooks sender's secret (whsec_ and base64), for its webhook-signature header.");
}

void ProviderSecretEdit::setProvider(Provider provider)
{
    m_provider = provider;
    m_hint->setText(hint(provider));
    updatePlaceholder();
    check();
}

void ProviderSecretEdit::updatePlaceholder()
{
    const bool whsec = m_provider == Provider::Stripe || m_provider == Provider::Generic;
    if (m_optional && !m_optionalPlaceholder.isEmpty())
        m_edit->setPlaceholderText(m_optionalPlaceholder);
    else if (m_optional)
        m_edit->setPlaceholderText(whsec ? tr("whsec_… (optional)") : tr("optional"));
    else
        m_edit->setPlaceholderText(whsec ? tr("whsec_…") : QString());
}

void ProviderSecretEdit::setOptional(bool optional, const QString& placeholder)
{
    m_optional = optional;
    m_optionalPlaceholder = placeholder;
    updatePlaceholder();
    check();
}

bool ProviderSecretEdit::isEmpty() const
{
    return m_edit->text().isEmpty();
}

bool ProviderSecretEdit::isAcceptable() const
{
    return m_acceptable;
}

QByteArray ProviderSecretEdit::secret() const
{
    return m_edit->text().toUtf8();
}

void ProviderSecretEdit::clear()
{
    m_edit->setText(QString()); // unlike QLineEdit::clear(), also empties the undo history
}

void ProviderSecretEdit::check()
{
    std::optional<QString> problem;
    if (!isEmpty()) {
        QByteArray typed = secret();
        problem = WebhookStore::providerSecretProblem(m_provider, typed);
        Secrets::cleanse(typed);
    }
    m_problem->setText(problem.value_or(QString()));
    m_problem->setVisible(problem.has_value());
    // The problems name what was pasted and where the right secret is: the hint would say it again.
    m_hint->setVisible(!problem.has_value());
    const bool acceptable = isEmpty() ? m_optional : !problem;
    if (acceptable != m_acceptable) {
        m_acceptable = acceptable;
        emit acceptableChanged(acceptable);
    }
    emit changed();
}

} // namespace Alfe
