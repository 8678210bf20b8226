#pragma once

#include "domain/Domain.h"

#include <QWidget>

class QAction;
class QVBoxLayout;
class QLabel;
class QStackedWidget;

namespace Alfe {

class Backend;

// What the selected webhook's row has no room for: its URL, its own secret's version and the provider secret
// ("Not imported", "Imported", and while a replaced one is in its grace period until when it still works), the
// timestamp tolerance; with buttons for the actions on them.
class WebhookDetailsPane final : public QWidget
{
    Q_OBJECT

public:
    explicit WebhookDetailsPane(Backend& backend, QWidget* parent = nullptr);

    // Shows `webhook`, or the placeholder when there is none.
    void showWebhook(const std::optional<Webhook>& webhook);
    // A button for `action` (which keeps its text and enabled state).
    void addActionButton(QAction* action);

    QString providerSecretText() const;
    QString toleranceText() const;

    // "Not imported", "Imported", or "Imported · previous one valid until <local time>".
    static QString providerSecretState(const Webhook& webhook);
    // A moment as the console shows a grace period's end (the locale's short date and time).
    static QString localTime(qint64 ms);

private:
    Backend& m_backend;
    QStackedWidget* m_pages = nullptr;
    QLabel* m_url = nullptr;
    QLabel* m_ownSecret = nullptr;
    QLabel* m_providerSecret = nullptr;
    QLabel* m_tolerance = nullptr;
    QVBoxLayout* m_buttons = nullptr;
};

} // namespace Alfe
