#pragma once

#include "domain/DeliveryViewFilter.h"

#include <QWidget>

class QComboBox;
class QTimer;
class QToolButton;

namespace Alfe {

class Clock;
class DeliverySearchEdit;

// The deliveries filter: text (delivery id prefix, webhook id prefix or event type), status, webhook,
// provider, time range, and a one-click "Failed". Text is applied after a short pause in typing (at once
// on Return); the combos and the button at once.
class DeliveryFilterBar final : public QWidget
{
    Q_OBJECT

public:
    explicit DeliveryFilterBar(const Clock& clock, QWidget* parent = nullptr);

    // The filter now; the time range counts back from the clock's present.
    DeliveryViewFilter filter() const;
    // Fills the webhook combo (keeping its choice when the webhook is still there).
    void setWebhooks(const QList<Webhook>& webhooks);
    void setText(const QString& text);
    void clearFilters();
    // Added to the text field's tooltip (e.g. that event types are searched in a window).
    void setSearchNote(const QString& note);

    DeliverySearchEdit* searchEdit() const { return m_search; }
    QComboBox* statusCombo() const { return m_status; }
    QComboBox* webhookCombo() const { return m_webhook; }
    QComboBox* providerCombo() const { return m_provider; }
    QComboBox* timeCombo() const { return m_time; }
    QToolButton* failedButton() const { return m_failed; }

signals:
    void filterChanged();

protected:
    void changeEvent(QEvent* event) override; // the Failed button's dot follows the palette

private:
    void textEdited();
    void applyNow();
    void statusChosen();
    void failedToggled(bool on);
    void updateTextState();

    const Clock& m_clock;
    DeliverySearchEdit* m_search = nullptr;
    QComboBox* m_status = nullptr;
    QComboBox* m_webhook = nullptr;
    QComboBox* m_provider = nullptr;
    QComboBox* m_time = nullptr;
    QToolButton* m_failed = nullptr;
    QToolButton* m_clear = nullptr;
    QTimer* m_typing = nullptr;
    QString m_note;
};

} // namespace Alfe
