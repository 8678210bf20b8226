#pragma once

#include <QLineEdit>

namespace Alfe {

// The deliveries filter's text field. Like Wireshark's SyntaxLineEdit it shows what it holds through a
// property a style sheet can select on: DeliverySearchEdit[filterState="invalid"] { ... }. The default
// sheet tints the field from the current palette (green-ish valid, red-ish invalid).
class DeliverySearchEdit final : public QLineEdit
{
    Q_OBJECT
    Q_PROPERTY(QString filterState READ filterState NOTIFY filterStateChanged)

public:
    enum class State
    {
        Empty,
        Valid,
        Invalid,
    };

    explicit DeliverySearchEdit(QWidget* parent = nullptr);

    State state() const { return m_state; }
    QString filterState() const; // "empty", "valid" or "invalid"
    // Sets the state and the tooltip that explains it (the problem when invalid).
    void setState(State state, const QString& explanation = {});
    void setHint(const QString& hint); // what the tooltip says when there is nothing to explain

signals:
    void filterStateChanged(const QString& state);

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyStyleSheet();

    State m_state = State::Empty;
    QString m_hint;
};

} // namespace Alfe
