#pragma once

namespace Alfe::Translations {

// Installs the console's translators on the running application: alfe_en (the English plural forms of every
// "%n …" string, so one reads "1 delivery", not "1 deliveries") and, over it, the system locale's
// translation when one is shipped. Call once after the QApplication exists.
void install();

} // namespace Alfe::Translations
