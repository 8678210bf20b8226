#include "common/ToneFollower.h"

#include <QApplication>
#include <QEvent>
#include <QWidget>

namespace Alfe {

ToneFollower::ToneFollower(QWidget* widget, StatusStyle::Tone tone)
    : QObject(widget)
    , m_widget(widget)
    , m_tone(tone)
{
    widget->installEventFilter(this);
}

void ToneFollower::follow(QWidget* widget, StatusStyle::Tone tone)
{
    auto* follower = widget->findChild<ToneFollower*>(QString(), Qt::FindDirectChildrenOnly);
    if (follower)
        follower->m_tone = tone;
    else
        follower = new ToneFollower(widget, tone);
    follower->apply();
}

void ToneFollower::apply()
{
    // From the palette the widget would have without its text colours: its parent's, or the application's.
    const QPalette natural = m_widget->parentWidget() && !m_widget->isWindow() ? m_widget->parentWidget()->palette()
                                                                               : QApplication::palette(m_widget);
    const QColor colour = StatusStyle::color(m_tone, natural, m_widget->backgroundRole());
    QPalette palette = m_widget->palette();
    palette.setColor(QPalette::WindowText, colour);
    palette.setColor(QPalette::Text, colour);
    m_applying = true; // setPalette sends a PaletteChange of its own
    m_widget->setPalette(palette);
    m_applying = false;
}

bool ToneFollower::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_widget && !m_applying &&
        (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange))
        apply();
    return QObject::eventFilter(watched, event);
}

} // namespace Alfe
