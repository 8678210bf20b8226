#pragma once

#include "Delivery.h"

#include <QColor>
#include <QIcon>
#include <QString>

class QPalette;

namespace Alfe::DeliveryStatusStyle {

// How a status reads at a glance. Colours come from the palette in use (light or dark), never a fixed
// black-on-white.
enum class Tone
{
    Neutral, // queued
    Pending, // delivering, retrying
    Good,    // delivered
    Bad,     // failed
    Muted,   // duplicate
};

Tone tone(DeliveryStatus status);
QString label(DeliveryStatus status);     // "Delivered", "Failed", ...
QString providerLabel(Provider provider); // "GitHub", "Stripe", ...
// A text colour for `tone` that reads well on the palette's base colour.
QColor color(Tone tone, const QPalette& palette);
// A small filled dot of that colour, for the status column.
QIcon dot(Tone tone, const QPalette& palette);

} // namespace Alfe::DeliveryStatusStyle
