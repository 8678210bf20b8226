#pragma once

#include <QPalette>
#include <QString>

#include <optional>

namespace Alfe::ColorScheme {

// The console follows the desktop's palette, light or dark. For screenshots and tests it can be given one of
// its own (`alfe-console --palette light|dark`), the same on every machine.
enum class Scheme
{
    System, // the desktop's palette and style
    Light,  // Fusion's own light palette
    Dark,   // a dark palette for Fusion, every text colour at least 4.5:1 on its background
};

// "system", "light" or "dark"; nothing for anything else.
std::optional<Scheme> fromName(const QString& name);
// The palette of a scheme; for System, the application's current one.
QPalette palette(Scheme scheme);
// Sets the Fusion style and the scheme's palette on the whole application (System: changes nothing).
void apply(Scheme scheme);

} // namespace Alfe::ColorScheme
