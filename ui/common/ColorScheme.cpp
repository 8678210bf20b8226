#include "common/ColorScheme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

#include <memory>

namespace Alfe::ColorScheme {

namespace {
const QString FusionStyle = QStringLiteral("Fusion");

QPalette darkPalette()
{
    // Greys a little apart, so frames, alternating rows and buttons stay visible; text near white, links and
    // the selection light or dark enough for their text (checked by tst_palettes).
    const QColor window(0x32, 0x32, 0x32);
    const QColor base(0x26, 0x26, 0x26);
    const QColor text(0xee, 0xee, 0xee);
    const QColor disabledText(0x8a, 0x8a, 0x8a);
    QPalette palette(text, window, QColor(0x4a, 0x4a, 0x4a), QColor(0x1e, 0x1e, 0x1e), QColor(0x2b, 0x2b, 0x2b), text,
                     QColor(0xff, 0xff, 0xff), base, window);
    palette.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3a));
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::Midlight, QColor(0x42, 0x42, 0x42));
    palette.setColor(QPalette::Shadow, QColor(0x14, 0x14, 0x14));
    palette.setColor(QPalette::AlternateBase, QColor(0x2f, 0x2f, 0x2f));
    palette.setColor(QPalette::ToolTipBase, QColor(0x3c, 0x3c, 0x3c));
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, QColor(0xa0, 0xa0, 0xa0));
    palette.setColor(QPalette::Highlight, QColor(0x1f, 0x62, 0xa8));
    palette.setColor(QPalette::HighlightedText, QColor(0xff, 0xff, 0xff));
    palette.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
    palette.setColor(QPalette::LinkVisited, QColor(0xc0, 0x9c, 0xff));
    palette.setColor(QPalette::BrightText, QColor(0xff, 0x7b, 0x72));
    for (const QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(QPalette::Disabled, role, disabledText);
    palette.setColor(QPalette::Disabled, QPalette::Base, window);
    palette.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x45, 0x45, 0x45));
    palette.setColor(QPalette::Disabled, QPalette::HighlightedText, disabledText);
    palette.setColor(QPalette::Disabled, QPalette::PlaceholderText, QColor(0x70, 0x70, 0x70));
    return palette;
}
} // namespace

std::optional<Scheme> fromName(const QString& name)
{
    if (name == u"system")
        return Scheme::System;
    if (name == u"light")
        return Scheme::Light;
    if (name == u"dark")
        return Scheme::Dark;
    return std::nullopt;
}

QPalette palette(Scheme scheme)
{
    switch (scheme) {
    case Scheme::Light: {
        const std::unique_ptr<QStyle> fusion(QStyleFactory::create(FusionStyle));
        return fusion->standardPalette();
    }
    case Scheme::Dark:
        return darkPalette();
    case Scheme::System:
        break;
    }
    return QApplication::palette();
}

void apply(Scheme scheme)
{
    if (scheme == Scheme::System)
        return;
    QApplication::setStyle(FusionStyle);
    QApplication::setPalette(palette(scheme));
}

} // namespace Alfe::ColorScheme
