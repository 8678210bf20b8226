#pragma once

#include "domain/Delivery.h"

#include <QColor>
#include <QIcon>
#include <QString>

class QLabel;
class QPalette;
class QWidget;

namespace Alfe::StatusStyle {

// The one place the console picks colours: how a status (or a piece of highlighted JSON, or a filter's
// state) reads at a glance. Every colour is chosen for the palette in use, light or dark, never a fixed
// black-on-white.
enum class Tone
{
    Neutral, // queued; plain text
    Pending, // delivering, retrying, paused; JSON numbers
    Good,    // delivered, online, a valid filter; JSON strings
    Bad,     // failed, an invalid filter, errors
    Muted,   // duplicate, offline
    Accent,  // JSON keys
    Special, // JSON true/false/null
};

Tone tone(DeliveryStatus status);
Tone tone(AgentStatus status);
QString label(DeliveryStatus status); // "Delivered", "Failed", ...
QString label(AgentStatus status);    // "Online", "Offline", "Paused"
// An agent's dot: Good while its live stream is open, whatever its forwarding status (its deliveries go over
// the stream then); otherwise its status's.
Tone tone(const Agent& agent);
// How an attempt went out (Attempt::via): "HTTP" to the forward URL, "stream" over the agent's live stream.
QString viaLabel(const QString& via);
QString providerLabel(Provider provider); // "GitHub", "Stripe", ...
// The palette's base colour is dark (a dark theme).
bool isDark(const QPalette& palette);
// A text colour for `tone` that reads well on the palette's base colour.
QColor color(Tone tone, const QPalette& palette);
// Draws `widget`'s text (a label's, an edit's) in the colour of `tone`.
void setTextTone(QWidget* widget, Tone tone);
// A hidden, word-wrapped label in the Bad tone, for what is wrong with a form; shown when there is something.
QLabel* problemLabel(QWidget* parent, const QString& objectName);
// A small filled dot of that colour, for the status column.
QIcon dot(Tone tone, const QPalette& palette);

} // namespace Alfe::StatusStyle
