#include "common/StatusStyle.h"

#include "common/DotIconEngine.h"
#include "common/ToneFollower.h"

#include <QCoreApplication>
#include <QLabel>
#include <QWidget>

#include <algorithm>
#include <cmath>

namespace Alfe::StatusStyle {

namespace {
// WCAG 2 relative luminance of an opaque sRGB colour.
double luminance(const QColor& colour)
{
    const auto linear = [](float channel) {
        return channel <= 0.04045f ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
    };
    const QColor rgb = colour.toRgb();
    return 0.2126 * linear(rgb.redF()) + 0.7152 * linear(rgb.greenF()) + 0.0722 * linear(rgb.blueF());
}

// `a` moved towards `b` by `amount` (0: a, 1: b), opaque.
QColor mix(const QColor& a, const QColor& b, double amount)
{
    const auto channel = [amount](float x, float y) {
        return float(x * (1 - amount) + y * amount);
    };
    return QColor::fromRgbF(channel(a.redF(), b.redF()), channel(a.greenF(), b.greenF()),
                            channel(a.blueF(), b.blueF()));
}

// `foreground` drawn over the opaque `background`: what the eye sees.
QColor over(const QColor& foreground, const QColor& background)
{
    return mix(background, foreground, foreground.alphaF());
}

// The palette's own text colour on `background`.
QPalette::ColorRole textRoleOn(QPalette::ColorRole background)
{
    switch (background) {
    case QPalette::Window:
        return QPalette::WindowText;
    case QPalette::Button:
        return QPalette::ButtonText;
    case QPalette::ToolTipBase:
        return QPalette::ToolTipText;
    default:
        break;
    }
    return QPalette::Text;
}

// The shade of `tone` meant for a light (or a dark) background; invalid for the tones the palette gives.
QColor shade(Tone tone, bool dark)
{
    switch (tone) {
    case Tone::Good:
        return dark ? QColor(0x56, 0xd3, 0x64) : QColor(0x11, 0x63, 0x29);
    case Tone::Bad:
        return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc6, 0x28, 0x28);
    case Tone::Pending:
        return dark ? QColor(0xe3, 0xb3, 0x41) : QColor(0x7d, 0x4e, 0x00);
    case Tone::Accent:
        return dark ? QColor(0x79, 0xc0, 0xff) : QColor(0x05, 0x50, 0xae);
    case Tone::Special:
        return dark ? QColor(0xd2, 0xa8, 0xff) : QColor(0x66, 0x39, 0xba);
    case Tone::Muted:
    case Tone::Neutral:
        break;
    }
    return {};
}
} // namespace

Tone tone(DeliveryStatus status)
{
    switch (status) {
    case DeliveryStatus::Delivered:
        return Tone::Good;
    case DeliveryStatus::Failed:
        return Tone::Bad;
    case DeliveryStatus::Delivering:
    case DeliveryStatus::Retrying:
        return Tone::Pending;
    case DeliveryStatus::Duplicate:
        return Tone::Muted;
    case DeliveryStatus::Queued:
        break;
    }
    return Tone::Neutral;
}

Tone tone(AgentStatus status)
{
    switch (status) {
    case AgentStatus::Online:
        return Tone::Good;
    case AgentStatus::Paused:
        return Tone::Pending;
    case AgentStatus::Offline:
        break;
    }
    return Tone::Muted;
}

QString label(AgentStatus status)
{
    switch (status) {
    case AgentStatus::Online:
        return QCoreApplication::translate("AgentStatus", "Online");
    case AgentStatus::Paused:
        return QCoreApplication::translate("AgentStatus", "Paused");
    case AgentStatus::Offline:
        break;
    }
    return QCoreApplication::translate("AgentStatus", "Offline");
}

Tone tone(const Agent& agent)
{
    return agent.streaming() ? Tone::Good : tone(agent.status);
}

QString viaLabel(const QString& via)
{
    if (via == QLatin1String("stream"))
        return QCoreApplication::translate("AttemptVia", "stream");
    if (via.isEmpty() || via == QLatin1String("http"))
        return QStringLiteral("HTTP");
    return via; // a way a newer version records
}

QString label(DeliveryStatus status)
{
    switch (status) {
    case DeliveryStatus::Queued:
        return QCoreApplication::translate("DeliveryStatus", "Queued");
    case DeliveryStatus::Delivering:
        return QCoreApplication::translate("DeliveryStatus", "Delivering");
    case DeliveryStatus::Retrying:
        return QCoreApplication::translate("DeliveryStatus", "Retrying");
    case DeliveryStatus::Delivered:
        return QCoreApplication::translate("DeliveryStatus", "Delivered");
    case DeliveryStatus::Failed:
        return QCoreApplication::translate("DeliveryStatus", "Failed");
    case DeliveryStatus::Duplicate:
        return QCoreApplication::translate("DeliveryStatus", "Duplicate");
    }
    return {};
}

QString providerLabel(Provider provider)
{
    switch (provider) {
    case Provider::GitHub:
        return QStringLiteral("GitHub");
    case Provider::Stripe:
        return QStringLiteral("Stripe");
    case Provider::Slack:
        return QStringLiteral("Slack");
    case Provider::Generic:
        break;
    }
    return QCoreApplication::translate("DeliveryStatus", "Generic");
}

double contrast(const QColor& foreground, const QColor& background)
{
    const QColor opaqueBackground = over(background, Qt::white); // a translucent background is not expected
    const double a = luminance(over(foreground, opaqueBackground));
    const double b = luminance(opaqueBackground);
    return (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05);
}

bool isDark(const QPalette& palette, QPalette::ColorRole background)
{
    return palette.color(background).lightness() < 128;
}

QColor color(Tone tone, const QPalette& palette, QPalette::ColorRole background)
{
    const QColor ground = palette.color(background);
    const QColor text = palette.color(textRoleOn(background));
    if (tone == Tone::Neutral)
        return text;
    // Two shades per tone, the darker one on a light background, the lighter one on a dark background; muted is
    // the palette's placeholder grey, as drawn.
    const QColor wanted = tone == Tone::Muted ? over(palette.color(QPalette::PlaceholderText), ground)
                                              : shade(tone, isDark(palette, background));
    // A theme's own colours may still leave too little contrast (a mid-grey base, a pale placeholder): then
    // the colour goes towards the text colour, one step at a time, until it reads on every row.
    QList<QColor> grounds{ground};
    if (background == QPalette::Base)
        grounds.append(palette.color(QPalette::AlternateBase));
    const QColor target = over(text, ground);
    for (int step = 0; step <= 10; ++step) {
        const QColor candidate = mix(wanted, target, step / 10.0);
        if (std::all_of(grounds.cbegin(), grounds.cend(),
                        [&](const QColor& g) { return contrast(candidate, g) >= MinimumTextContrast; }))
            return candidate;
    }
    return text;
}

void setTextTone(QWidget* widget, Tone tone)
{
    ToneFollower::follow(widget, tone);
}

QLabel* problemLabel(QWidget* parent, const QString& objectName)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    setTextTone(label, Tone::Bad);
    label->hide();
    return label;
}

QIcon dot(Tone tone, const QPalette& palette)
{
    return QIcon(new DotIconEngine(color(tone, palette)));
}

} // namespace Alfe::StatusStyle
