#include "deliveries/DeliverySearchEdit.h"

#include "common/StatusStyle.h"

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
    applyTint();
    // A property selector is evaluated at polish time: polish again so a style sheet sees the new value.
    style()->unpolish(this);
    style()->polish(this);
    update();
    emit filterStateChanged(filterState());
}

void DeliverySearchEdit::applyTint()
{
    // The default look, without a style sheet (whose engine costs more than this whole view to start):
    // the base colour tinted from the application palette, so it suits light and dark themes alike. An
    // application style sheet can still select on the filterState property.
    const QPalette app = QGuiApplication::palette();
    QPalette own; // nothing set: the inherited palette
    if (m_state != State::Empty) {
        const QColor base = app.color(QPalette::Base);
        const bool dark = StatusStyle::isDark(app);
        const QColor tint =
            StatusStyle::color(m_state == State::Valid ? StatusStyle::Tone::Good : StatusStyle::Tone::Bad, app);
        own.setColor(QPalette::Base,
                     mix(base, tint, m_state == State::Valid ? (dark ? 0.22 : 0.16) : (dark ? 0.30 : 0.22)));
    }
    m_tinting = true;
    setPalette(own);
    m_tinting = false;
}

void DeliverySearchEdit::changeEvent(QEvent* event)
{
    QLineEdit::changeEvent(event);
    if (event->type() == QEvent::ApplicationPaletteChange || (event->type() == QEvent::PaletteChange && !m_tinting))
        applyTint();
}

} // namespace Alfe
