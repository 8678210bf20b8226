#include "TestEngine.h"
#include "main/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Alfe;

namespace {
// The settings live here, never in the real ~/.config: set as XDG_CONFIG_HOME before QApplication exists.
QTemporaryDir* configHome = nullptr;

// What the user sees of the layout, read from the widgets.
struct Layout
{
    QSize size;
    int tab = -1;
    QMap<QString, QList<int>> splitters; // by object name
};

QList<QSplitter*> splittersOf(MainWindow& window)
{
    return window.findChildren<QSplitter*>();
}

// Shows every tab once, so the splitters of hidden tabs are laid out too, and comes back to the open one.
void layOutEveryTab(MainWindow& window)
{
    const int open = window.tabs()->currentIndex();
    for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        QCoreApplication::processEvents();
    }
    window.tabs()->setCurrentIndex(open);
    QCoreApplication::processEvents();
}

Layout layoutOf(MainWindow& window)
{
    layOutEveryTab(window);
    Layout layout;
    layout.size = window.size();
    layout.tab = window.tabs()->currentIndex();
    for (QSplitter* splitter : splittersOf(window))
        layout.splitters.insert(splitter->objectName(), splitter->sizes());
    return layout;
}

// A window over `engine` as alfe-console opens one: remembering its layout, shown, its tabs built.
std::unique_ptr<MainWindow> openWindow(Engine& engine, bool remembers = true)
{
    auto window = std::make_unique<MainWindow>(engine);
    window->setRemembersLayout(remembers);
    window->show();
    window->showReady();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return nullptr;
    return window;
}

QByteArray settingsFileBytes()
{
    QFile file(QSettings().fileName());
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}
} // namespace

// The main window's size, splitters and open tab are kept in the settings when it closes and given back when the
// next one opens; a value that does not read is ignored.
class TestWindowLayout : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Test::TestEngine> m_engine;
    Layout m_defaults; // a window's layout with nothing kept

private slots:
    void initTestCase()
    {
        // The test's own settings file, not the user's.
        QVERIFY2(QSettings().fileName().startsWith(configHome->path()), qPrintable(QSettings().fileName()));
        QSettings().clear();
        m_engine = std::make_unique<Test::TestEngine>();
        auto window = openWindow(**m_engine, false);
        QVERIFY(window);
        m_defaults = layoutOf(*window);
        QCOMPARE(m_defaults.tab, int(MainWindow::WebhooksTab));
        // Every splitter has a name to be kept under (an unnamed one would silently be forgotten).
        const QStringList names = m_defaults.splitters.keys();
        QCOMPARE(names, (QStringList{QStringLiteral("deliveriesSplitter"), QStringLiteral("refusedDetailsSplitter"),
                                     QStringLiteral("refusedSplitter"), QStringLiteral("webhooksSplitter")}));
        QCOMPARE(splittersOf(*window).size(), names.size());
    }
    void init() { QSettings().clear(); }
    void cleanupTestCase() { m_engine.reset(); }

    // Resized, every splitter moved, another tab open: the next window opens the same.
    void layoutIsKeptForTheNextWindow()
    {
        Layout chosen;
        {
            auto window = openWindow(**m_engine);
            QVERIFY(window);
            // Within the screen where the window's minimum size allows (the offscreen screen is small).
            const QSize available = window->screen()->availableGeometry().size();
            const QSize minimum = window->minimumSizeHint();
            const QSize size = (minimum + QSize(37, 23)).boundedTo(available - QSize(20, 60)).expandedTo(minimum);
            QVERIFY(size != m_defaults.size);
            window->resize(size);
            layOutEveryTab(*window);
            QCOMPARE(window->size(), size);
            for (int i = 0; i < window->tabs()->count(); ++i) {
                window->tabs()->setCurrentIndex(i);
                QCoreApplication::processEvents();
                for (QSplitter* splitter : window->tabs()->widget(i)->findChildren<QSplitter*>()) {
                    if (!splitter->isVisible())
                        continue;
                    // 31 pixels to the first pane, or from it where the last is at its minimum already.
                    const QList<int> before = splitter->sizes();
                    for (const int by : {31, -31}) {
                        QList<int> sizes = before;
                        sizes.first() += by;
                        sizes.last() -= by;
                        splitter->setSizes(sizes);
                        if (splitter->sizes() != before)
                            break;
                    }
                    QVERIFY2(splitter->sizes() != before, qPrintable(splitter->objectName()));
                }
            }
            window->tabs()->setCurrentIndex(MainWindow::RefusedTab);
            chosen = layoutOf(*window);
            for (const QString& name : chosen.splitters.keys())
                QVERIFY2(chosen.splitters.value(name) != m_defaults.splitters.value(name), qPrintable(name));
            QVERIFY(window->close());
        }
        QSettings settings;
        QVERIFY(settings.contains(QStringLiteral("window/geometry")));
        QCOMPARE(settings.value(QStringLiteral("window/tab")).toInt(), int(MainWindow::RefusedTab));
        for (const QString& name : chosen.splitters.keys())
            QVERIFY2(settings.contains(QStringLiteral("window/splitters/") + name), qPrintable(name));

        auto again = openWindow(**m_engine);
        QVERIFY(again);
        const Layout kept = layoutOf(*again);
        QCOMPARE(kept.size, chosen.size);
        QCOMPARE(kept.tab, int(MainWindow::RefusedTab));
        for (const QString& name : chosen.splitters.keys())
            QCOMPARE(kept.splitters.value(name), chosen.splitters.value(name));
    }

    // A window kept on a bigger screen (or a second monitor since unplugged) opens fitted to this screen.
    void keptWindowFitsASmallerScreen()
    {
        {
            auto window = openWindow(**m_engine);
            QVERIFY(window);
            const QRect available = window->screen()->availableGeometry();
            window->setGeometry(QRect(available.topLeft() + QPoint(available.width() / 2, available.height() / 2),
                                      available.size() + QSize(600, 400)));
            QCoreApplication::processEvents();
            QVERIFY2(!available.contains(window->geometry()), "the window must not fit the screen for this test");
            QVERIFY(window->close());
        }
        auto again = openWindow(**m_engine);
        QVERIFY(again);
        // As big as the screen's available area where the window's minimum size allows, its frame on the screen.
        const QRect available = again->screen()->availableGeometry();
        const QRect frame = again->frameGeometry();
        const QString where = QStringLiteral("frame %1,%2 %3x%4 on %5x%6")
                                  .arg(frame.x())
                                  .arg(frame.y())
                                  .arg(frame.width())
                                  .arg(frame.height())
                                  .arg(available.width())
                                  .arg(available.height());
        if (again->minimumSizeHint().width() < available.width())
            QVERIFY2(available.contains(frame), qPrintable(where));
        else
            QCOMPARE(again->width(), again->minimumSizeHint().width());
        QVERIFY2(frame.top() >= available.top() && frame.bottom() <= available.bottom(), qPrintable(where));
        QVERIFY2(frame.left() >= available.left(), qPrintable(where));
    }

    // Garbage, a tab that is not there, another splitter's state: ignored, the defaults stay, nothing breaks.
    void unreadableValuesAreIgnored_data()
    {
        QTest::addColumn<QVariant>("geometry");
        QTest::addColumn<QVariant>("tab");
        QTest::addColumn<QVariant>("splitter");
        QTest::newRow("bytes") << QVariant(QByteArray("\x01\xd9\xd0\xcb\xff\x00garbage", 14))
                               << QVariant(QByteArray("\xff\xfe")) << QVariant(QByteArray("\x00\x00\x00\xff", 4));
        QTest::newRow("text") << QVariant(QStringLiteral("big")) << QVariant(QStringLiteral("refused"))
                              << QVariant(QStringLiteral("50,50"));
        QTest::newRow("numbers") << QVariant(1240) << QVariant(7) << QVariant(-1);
        QTest::newRow("negative tab") << QVariant(QByteArray()) << QVariant(-1) << QVariant(QByteArray());
        QTest::newRow("lists") << QVariant(QStringList{QStringLiteral("a")}) << QVariant(QVariantList{1, 2})
                               << QVariant(QVariantList{200, 800});
    }
    void unreadableValuesAreIgnored()
    {
        QFETCH(QVariant, geometry);
        QFETCH(QVariant, tab);
        QFETCH(QVariant, splitter);
        {
            QSettings settings;
            settings.setValue(QStringLiteral("window/geometry"), geometry);
            settings.setValue(QStringLiteral("window/tab"), tab);
            for (const QString& name : m_defaults.splitters.keys())
                settings.setValue(QStringLiteral("window/splitters/") + name, splitter);
        }
        auto window = openWindow(**m_engine);
        QVERIFY(window);
        const Layout layout = layoutOf(*window);
        QCOMPARE(layout.size, m_defaults.size);
        QCOMPARE(layout.tab, m_defaults.tab);
        for (const QString& name : m_defaults.splitters.keys())
            QCOMPARE(layout.splitters.value(name), m_defaults.splitters.value(name));
    }

    // A state kept from a splitter laid out otherwise (another version's) is ignored when it is turned the other
    // way; when it fits, it brings back sizes only: whether panes collapse stays what the code says.
    void keptSplitterStateCannotTurnASplitter()
    {
        const auto stateOf = [](Qt::Orientation orientation) {
            QSplitter other(orientation);
            other.setChildrenCollapsible(true);
            other.addWidget(new QWidget);
            other.addWidget(new QWidget);
            other.setSizes({90, 300});
            return other.saveState();
        };
        QSettings().setValue(QStringLiteral("window/splitters/deliveriesSplitter"), stateOf(Qt::Horizontal));
        {
            auto window = openWindow(**m_engine);
            QVERIFY(window);
            const Layout layout = layoutOf(*window);
            QCOMPARE(layout.splitters.value(QStringLiteral("deliveriesSplitter")),
                     m_defaults.splitters.value(QStringLiteral("deliveriesSplitter")));
            auto* deliveries = window->findChild<QSplitter*>(QStringLiteral("deliveriesSplitter"));
            QCOMPARE(deliveries->orientation(), Qt::Vertical);
            QVERIFY(!deliveries->childrenCollapsible());
        }
        QSettings().setValue(QStringLiteral("window/splitters/deliveriesSplitter"), stateOf(Qt::Vertical));
        auto window = openWindow(**m_engine);
        QVERIFY(window);
        const Layout layout = layoutOf(*window);
        const QList<int> sizes = layout.splitters.value(QStringLiteral("deliveriesSplitter"));
        QVERIFY(sizes != m_defaults.splitters.value(QStringLiteral("deliveriesSplitter")));
        QVERIFY2(sizes.first() < sizes.last(), "the kept proportions, the list smaller than the details");
        auto* deliveries = window->findChild<QSplitter*>(QStringLiteral("deliveriesSplitter"));
        QCOMPARE(deliveries->orientation(), Qt::Vertical);
        QVERIFY(!deliveries->childrenCollapsible());
    }

    // A window that does not remember (tests, --screenshot) neither starts from what is kept nor changes it.
    void windowThatDoesNotRememberLeavesTheSettingsAlone()
    {
        {
            auto window = openWindow(**m_engine);
            QVERIFY(window);
            window->resize(m_defaults.size - QSize(50, 40));
            window->tabs()->setCurrentIndex(MainWindow::DeliveriesTab);
            QVERIFY(window->close());
        }
        const QByteArray kept = settingsFileBytes();
        QVERIFY(kept.contains("geometry"));
        auto window = openWindow(**m_engine, false);
        QVERIFY(window);
        const Layout layout = layoutOf(*window);
        QCOMPARE(layout.size, m_defaults.size);
        QCOMPARE(layout.tab, m_defaults.tab);
        window->resize(m_defaults.size - QSize(80, 80));
        window->tabs()->setCurrentIndex(MainWindow::RefusedTab);
        QVERIFY(window->close());
        QCOMPARE(settingsFileBytes(), kept);
    }

    // File → Quit (Ctrl+Q) closes the window on its way out: the layout is kept then too. (Last: it ends the
    // application's event loop.)
    void quittingKeepsTheLayout()
    {
        auto window = openWindow(**m_engine);
        QVERIFY(window);
        window->tabs()->setCurrentIndex(MainWindow::DeliveriesTab);
        QAction* quit = nullptr;
        for (QAction* action : window->findChildren<QAction*>()) {
            if (action->text() == u"&Quit")
                quit = action;
        }
        QVERIFY(quit);
        QTimer::singleShot(0, quit, &QAction::trigger);
        QTimer::singleShot(10'000, qApp, [] { QApplication::exit(1); }); // a quit that did not quit
        QCOMPARE(QApplication::exec(), 0);
        QVERIFY(!window->isVisible());
        QCOMPARE(QSettings().value(QStringLiteral("window/tab")).toInt(), int(MainWindow::DeliveriesTab));
    }
};

int main(int argc, char* argv[])
{
    QTemporaryDir config;
    configHome = &config;
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(config.path()));
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Alfe"));
    QApplication::setApplicationName(QStringLiteral("alfe-console"));
    TestWindowLayout test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_windowlayout.moc"
