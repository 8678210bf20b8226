#pragma once

#include "domain/Domain.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;

namespace Alfe {

// Where a provider's signing secret is typed or pasted: a masked field with a Show toggle, a line saying where
// that provider shows its secret, and the reason the text cannot be one (WebhookStore::providerSecretProblem),
// checked as it is typed.
class ProviderSecretEdit final : public QWidget
{
    Q_OBJECT

public:
    explicit ProviderSecretEdit(Provider provider, QWidget* parent = nullptr);

    void setProvider(Provider provider);
    // Optional: an empty field is acceptable (nothing to import), and `placeholder` says so (empty: "optional").
    void setOptional(bool optional, const QString& placeholder = {});
    bool isEmpty() const;
    // Empty and optional, or a secret the provider could have made.
    bool isAcceptable() const;
    // The secret typed, as bytes. The caller cleanses them.
    QByteArray secret() const;
    // Empties the field and its undo history.
    void clear();

    // Where the provider shows its signing secret, in a sentence.
    static QString hint(Provider provider);

signals:
    void acceptableChanged(bool acceptable);
    // The text changed (its acceptability may not have).
    void changed();

private:
    void check();
    void updatePlaceholder();

    Provider m_provider;
    bool m_optional = false;
    QString m_optionalPlaceholder;
    bool m_acceptable = false;
    QLineEdit* m_edit = nullptr;
    QCheckBox* m_show = nullptr;
    QLabel* m_problem = nullptr;
    QLabel* m_hint = nullptr;
};

} // namespace Alfe
