#include "DeliverySearchEdit.h"

#include <QEvent>
#include <QGuiApplication>
#include <QStyle>

namespace Alfe {

namespace {
QColor mix(const QColor& base, const QColor& tint, double amount)
{
    return QColor::fromRgbF(float(base.redF() * (1 - amount) + tint.redF() * amount),
                            float(base.greenF() * (1 - amount) + tint.greenF() * amount),
                            float(base.blueF() * (1 - amount) + tint.blueF() * amount));
}
} // namespace

DeliverySearchEdit::DeliverySearchEdit(QWidget* parent)
    : QLineEdit(parent)
{
    setClearButtonEnabled(true);
    applyStyleSheet();
}

QString DeliverySearchEdit::filterState() const
{
    switch (m_state) {
    case State::Valid:
        return QStringLiteral("valid");
    case State::Invalid:
        return QStringLiteral("invalid");
    case State::Empty:
        break;
    }
    return QStringLiteral("empty");
}

void DeliverySearchEdit::setHint(const QString& hint)
{
    m_hint = hint;
    if (m_state != State::Invalid)
        setToolTip(m_hint);
}

void DeliverySearchEdit::setState(State state, const QString& explanation)
{
    setToolTip(explanation.isEmpty() ? m_hint : explanation);
    if (state == m_state)
        return;
    m_state = state;
    // A property selector is evaluated at polish time: polish again so the sheet sees the new value.
    style()->unpolish(this);
    style()->polish(this);
    update();
    emit filterStateChanged(filterState());
}

void DeliverySearchEdit::applyStyleSheet()
{
    // Tints of the palette's own base colour, so they suit light and dark themes alike.
    const QPalette p = QGuiApplication::palette();
    const QColor base = p.color(QPalette::Base);
    const bool dark = base.lightness() < 128;
    const QColor valid = mix(base, dark ? QColor(0x3f, 0xb9, 0x50) : QColor(0x2e, 0xa0, 0x43), dark ? 0.25 : 0.18);
    const QColor invalid = mix(base, dark ? QColor(0xf8, 0x51, 0x49) : QColor(0xe5, 0x39, 0x35), dark ? 0.30 : 0.20);
    const QString sheet = (QStringLiteral("Alfe--DeliverySearchEdit[filterState=\"valid\"] { background-color: %1; }"
                                 " Alfe--DeliverySearchEdit[filterState=\"invalid\"] { background-color: %2; }")
                               .arg(valid.name(), invalid.name()));
    if (sheet != styleSheet())
        setStyleSheet(sheet);
}

void DeliverySearchEdit::changeEvent(QEvent* event)
{
    QLineEdit::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyStyleSheet();
}

} // namespace Alfe
