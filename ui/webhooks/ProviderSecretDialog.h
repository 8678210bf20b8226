#pragma once

#include "domain/Domain.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace Alfe {

class ProviderSecretEdit;
class Backend;

// Import the signing secret a provider generated (Stripe's whsec_…, Slack's Signing Secret, the secret typed
// into GitHub, a Standard Webhooks sender's), so the ingress verifies the provider's own signature header; and
// the timestamp tolerance of those signatures. Import stays disabled while the text cannot be such a secret, and
// says why. With one already imported, the field may stay empty to change only the tolerance. On accept the
// dialog stores them (the store's refusal shows in the dialog, which stays open), then forgets the secret: the
// field is emptied and the bytes cleansed.
class ProviderSecretDialog final : public QDialog
{
    Q_OBJECT

public:
    ProviderSecretDialog(Backend& backend, const Webhook& webhook, QWidget* parent = nullptr);

    // The webhook as stored after the import (valid once accepted).
    const Webhook& webhook() const { return m_webhook; }
    // Whether a secret was imported (else only the tolerance changed).
    bool imported() const { return m_imported; }
    qint64 graceSeconds() const;

    void accept() override;

private:
    void updateButton();
    void saveTolerance();
    void showError(const QString& message);

    Backend& m_backend;
    Webhook m_webhook;
    ProviderSecretEdit* m_secret = nullptr;
    QComboBox* m_grace = nullptr; // only when a provider secret is already imported
    QSpinBox* m_tolerance = nullptr;
    QLabel* m_error = nullptr;
    QPushButton* m_import = nullptr;
    bool m_imported = false;
};

} // namespace Alfe
