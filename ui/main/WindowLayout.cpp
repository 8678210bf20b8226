#include "main/WindowLayout.h"

#include <QDataStream>
#include <QGuiApplication>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QWidget>
#include <QWindow>

#include <algorithm>

namespace Alfe::WindowLayout {

namespace {
const QString GeometryKey = QStringLiteral("window/geometry");
const QString TabKey = QStringLiteral("window/tab");
const QString SplittersGroup = QStringLiteral("window/splitters");

// The splitters that are kept: those with a name to keep them under.
QList<QSplitter*> namedSplitters(const QWidget& window)
{
    QList<QSplitter*> named;
    for (QSplitter* splitter : window.findChildren<QSplitter*>()) {
        if (!splitter->objectName().isEmpty())
            named.append(splitter);
    }
    return named;
}

// Whether `state` is what QSplitter::saveState writes for a splitter like `splitter`: same orientation, as many
// panes. QSplitter::restoreState checks only its first bytes and would take the rest of anything that starts
// like a state (zero sizes, a zero handle width, another orientation).
bool suits(const QByteArray& state, const QSplitter& splitter)
{
    QDataStream stream(state);
    stream.setVersion(QDataStream::Qt_5_0); // as QSplitter writes it
    qint32 marker = 0;
    qint32 version = 0;
    QList<int> sizes;
    bool collapsible = false;
    qint32 handleWidth = 0;
    bool opaqueResize = false;
    qint32 orientation = 0;
    bool opaqueResizeSet = false;
    stream >> marker >> version >> sizes >> collapsible >> handleWidth >> opaqueResize >> orientation >>
        opaqueResizeSet;
    return stream.status() == QDataStream::Ok && stream.atEnd() && marker == 0xff && version == 1 &&
           sizes.size() == splitter.count() &&
           std::all_of(sizes.cbegin(), sizes.cend(), [](int s) { return s >= 0; }) &&
           std::any_of(sizes.cbegin(), sizes.cend(), [](int s) { return s > 0; }) &&
           orientation == qint32(splitter.orientation());
}

// Qt 6.4's restoreGeometry puts a window back where it was even when that no longer fits: a window kept on a
// bigger screen, or on a monitor since unplugged. Shrinks it to the screen it is on now (its minimum size
// permitting) and moves it where its title bar can be reached.
void fitToScreen(QWidget& window)
{
    if (window.isMaximized() || window.isFullScreen())
        return;
    const QRect geometry = window.geometry();
    const QScreen* screen = QGuiApplication::screenAt(geometry.center());
    if (!screen)
        screen = QGuiApplication::primaryScreen();
    if (!screen)
        return;
    // Room for the window manager's frame: the real one once the window was shown, else a title bar and a border.
    const int titleBar = window.style()->pixelMetric(QStyle::PM_TitleBarHeight);
    const QMargins frame = window.windowHandle() && window.windowHandle()->isVisible()
                               ? window.windowHandle()->frameMargins()
                               : QMargins(4, titleBar, 4, 4);
    const QRect available = screen->availableGeometry().marginsRemoved(frame);
    window.resize(geometry.size().boundedTo(available.size()));
    const QSize size = window.size(); // not below the window's minimum
    // move() places the frame's top left corner.
    const int x =
        std::clamp(geometry.x(), available.left(), std::max(available.left(), available.right() + 1 - size.width()));
    const int y =
        std::clamp(geometry.y(), available.top(), std::max(available.top(), available.bottom() + 1 - size.height()));
    window.move(x - frame.left(), y - frame.top());
}
} // namespace

void save(const QWidget& window, const QTabWidget* tabs)
{
    QSettings settings;
    settings.setValue(GeometryKey, window.saveGeometry());
    if (!tabs)
        return; // closed before it was ready: what was kept of the tabs stays
    settings.setValue(TabKey, tabs->currentIndex());
    settings.beginGroup(SplittersGroup);
    for (const QSplitter* splitter : namedSplitters(window))
        settings.setValue(splitter->objectName(), splitter->saveState());
    settings.endGroup();
}

bool restoreGeometry(QWidget& window)
{
    const QVariant kept = QSettings().value(GeometryKey);
    if (kept.userType() != QMetaType::QByteArray || !window.restoreGeometry(kept.toByteArray()))
        return false;
    fitToScreen(window);
    return true;
}

void restoreTabs(QWidget& window, QTabWidget& tabs)
{
    QSettings settings;
    settings.beginGroup(SplittersGroup);
    for (QSplitter* splitter : namedSplitters(window)) {
        const QVariant kept = settings.value(splitter->objectName());
        if (kept.userType() != QMetaType::QByteArray || !suits(kept.toByteArray(), *splitter))
            continue;
        // Whether panes collapse stays as the code sets it, whatever an older version kept.
        const bool collapsible = splitter->childrenCollapsible();
        splitter->restoreState(kept.toByteArray());
        splitter->setChildrenCollapsible(collapsible);
    }
    settings.endGroup();
    bool ok = false;
    const int tab = settings.value(TabKey).toInt(&ok);
    if (ok && tab >= 0 && tab < tabs.count())
        tabs.setCurrentIndex(tab);
}

} // namespace Alfe::WindowLayout
