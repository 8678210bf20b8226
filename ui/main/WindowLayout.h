#pragma once

class QTabWidget;
class QWidget;

namespace Alfe::WindowLayout {

// The main window as the user left it, kept in QSettings under "window/": its size and place (saveGeometry),
// the sizes of every named splitter in it (QSplitter::saveState, by object name) and which tab was open.
// Nothing secret, nothing but layout. A value that does not read — garbage, another version's, a splitter
// that no longer exists — is ignored and the window keeps its defaults for it.

// Saves `window`'s geometry and, once its tabs are built (`tabs` not null), its splitters and the open tab.
void save(const QWidget& window, const QTabWidget* tabs);
// Gives `window` the geometry kept, fitted to the screen it is on now (Qt moves and shrinks a window that
// would not fit). False when none was kept or it did not read.
bool restoreGeometry(QWidget& window);
// Gives the splitters under `window` their kept sizes (their orientation and collapsibility stay the code's)
// and opens the tab kept, when there is still such a tab.
void restoreTabs(QWidget& window, QTabWidget& tabs);

} // namespace Alfe::WindowLayout
