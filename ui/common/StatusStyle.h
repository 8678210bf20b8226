#pragma once

#include "domain/Delivery.h"

#include <QColor>
#include <QIcon>
#include <QPalette>
#include <QString>

class QLabel;
class QWidget;

namespace Alfe::StatusStyle {

// The one place the console picks colours: how a status (or a piece of highlighted JSON, or a filter's
// state) reads at a glance. Every colour is chosen for the palette in use, light or dark, never a fixed
// black-on-white, and is text that reads: at least 4.5:1 contrast (WCAG AA) on the background it is drawn on.
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
// The least contrast text gets against its background (WCAG 2 AA for normal text).
constexpr double MinimumTextContrast = 4.5;
// WCAG 2 contrast ratio of `foreground` on `background`, from 1 (none) to 21 (black on white). A translucent
// foreground is composited over the background first, as it is drawn.
double contrast(const QColor& foreground, const QColor& background);
// The palette's `background` colour is dark (a dark theme): Base for views and edits, Window for labels.
bool isDark(const QPalette& palette, QPalette::ColorRole background = QPalette::Base);
// A text colour for `tone` that reads well on the palette's `background`: the shade for a light or a dark
// background, brought nearer the palette's text colour where that is what it takes to keep
// MinimumTextContrast (against AlternateBase too when the background is Base: rows alternate).
QColor color(Tone tone, const QPalette& palette, QPalette::ColorRole background = QPalette::Base);
// Draws `widget`'s text (a label's, an edit's) in the colour of `tone`, and again whenever the palette changes.
void setTextTone(QWidget* widget, Tone tone);
// A hidden, word-wrapped label in the Bad tone, for what is wrong with a form; shown when there is something.
QLabel* problemLabel(QWidget* parent, const QString& objectName);
// A small filled dot of that colour, for the status column; drawn at whatever size and pixel ratio it is shown.
QIcon dot(Tone tone, const QPalette& palette);

} // namespace Alfe::StatusStyle
