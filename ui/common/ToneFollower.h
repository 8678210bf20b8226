#pragma once

#include "common/StatusStyle.h"

#include <QObject>

class QWidget;

namespace Alfe {

// Keeps a widget's text in the colour of a tone (StatusStyle::setTextTone): the colour is set in the widget's own
// palette, which a theme change would otherwise leave behind, light red on a light window. Watches the widget
// for palette changes and picks the colour again for the new palette.
class ToneFollower final : public QObject
{
    Q_OBJECT

public:
    // Draws `widget`'s text in `tone`'s colour from now on (a later call changes the tone).
    static void follow(QWidget* widget, StatusStyle::Tone tone);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    ToneFollower(QWidget* widget, StatusStyle::Tone tone);
    void apply();

    QWidget* m_widget;
    StatusStyle::Tone m_tone;
    bool m_applying = false;
};

} // namespace Alfe
