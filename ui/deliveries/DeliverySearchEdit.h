#pragma once

#include <QLineEdit>

namespace Alfe {

// The deliveries filter's text field. Like Wireshark's SyntaxLineEdit it shows what it holds through a
// property a style sheet can select on: Alfe--DeliverySearchEdit[filterState="invalid"] { ... }. Without
// one, it tints its base colour from the application palette (green-ish valid, red-ish invalid).
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
    void applyTint();

    State m_state = State::Empty;
    QString m_hint;
    bool m_tinting = false;
};

} // namespace Alfe
