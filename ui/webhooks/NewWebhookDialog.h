#pragma once

#include "domain/Domain.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace Alfe {

class ProviderSecretEdit;

// New webhook: pick an agent (or create one: name and forward URL), a provider, a description and, optionally,
// the provider's signing secret. The caller creates on accept(); the dialog only validates what it can see.
class NewWebhookDialog final : public QDialog
{
    Q_OBJECT

public:
    NewWebhookDialog(const QList<Agent>& agents, const QString& preselectedAgentId, QWidget* parent = nullptr);

    bool createsAgent() const; // "New agent…" chosen
    QString agentId() const;
    QString newAgentName() const;
    QString newAgentForwardUrl() const;
    Provider provider() const;
    QString description() const;
    // The provider signing secret typed (empty: none). The caller cleanses it, and calls forgetProviderSecret().
    QByteArray providerSecret() const;
    void forgetProviderSecret();

    void accept() override;

private:
    void updateAgentFields();

    QComboBox* m_agent = nullptr;
    QLineEdit* m_agentName = nullptr;
    QLineEdit* m_forwardUrl = nullptr;
    QComboBox* m_provider = nullptr;
    QLineEdit* m_description = nullptr;
    ProviderSecretEdit* m_providerSecret = nullptr;
    QPushButton* m_create = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace Alfe
