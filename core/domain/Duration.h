#pragma once

#include <QString>

#include <optional>

namespace Alfe::Duration {

// "90s", "30m", "1h", "7d" (case-insensitive, spaces around allowed), or a plain number of seconds when the unit
// is optional. Empty when the text is not one. The CLI's --grace and the retry schedule both read durations so.
std::optional<qint64> parseSeconds(const QString& text, bool unitRequired);
// The shortest exact form with a unit: "0s", "90s", "30m", "1h", "7d".
QString formatSeconds(qint64 seconds);

} // namespace Alfe::Duration
