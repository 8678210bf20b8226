#include "TestEngine.h"
#include "common/StatusStyle.h"
#include "main/MainWindow.h"

#include <QApplication>
#include <QFile>
#include <QIcon>
#include <QImageReader>
#include <QTest>

using namespace Alfe;

// The console's icons are drawn at the size and pixel ratio they are shown at, so they stay sharp on a 2x (or
// 1.5x) screen: the window icon from its SVG, the status dots painted. Run once at 1x and once with
// QT_SCALE_FACTOR=2 (tst_icons_hidpi).
class TestIcons : public QObject
{
    Q_OBJECT

private slots:
    // Qt renders SVG through the svg image format and icon engine plugins (Debian: libqt6svg6): without them the
    // window icon would be missing, not merely blurred.
    void svgPluginsArePresent()
    {
        QVERIFY(QFile::exists(QStringLiteral(":/icons/alfe-console.svg")));
        QVERIFY2(QImageReader::supportedImageFormats().contains("svg"),
                 "no SVG image format plugin (imageformats/libqsvg.so, Debian package libqt6svg6)");
        QImageReader reader(QStringLiteral(":/icons/alfe-console.svg"));
        QVERIFY2(reader.canRead(), qPrintable(reader.errorString()));
    }

    void windowIconIsDrawnForThePixelRatio()
    {
        Test::TestEngine engine;
        MainWindow window(*engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const qreal expectedRatio =
            qEnvironmentVariableIsSet("QT_SCALE_FACTOR") ? qEnvironmentVariable("QT_SCALE_FACTOR").toDouble() : 1.0;
        QCOMPARE(window.devicePixelRatioF(), expectedRatio);
        const QIcon icon = window.windowIcon();
        QVERIFY(!icon.isNull());
        for (const qreal ratio : {window.devicePixelRatioF(), 1.0, 1.5, 2.0}) {
            const QPixmap pixmap = icon.pixmap(QSize(32, 32), ratio);
            QCOMPARE(pixmap.size(), QSize(32, 32) * ratio);
            QCOMPARE(pixmap.devicePixelRatio(), ratio);
        }
        // Drawn from the vector, not blown up from a bitmap: far beyond the SVG's 64 pixels and still sized so.
        QCOMPARE(icon.pixmap(QSize(256, 256), 2.0).size(), QSize(512, 512));
        // The icon's blue square fills its middle (not an empty or placeholder pixmap).
        const QImage image = icon.pixmap(QSize(32, 32), 2.0).toImage();
        QCOMPARE(image.pixelColor(10, 32), QColor(0x2f, 0x6f, 0xdb));
    }

    // alfe-console leaves Qt 6's default: a desktop's fractional scale (1.25, 1.5) is used as it is, not rounded to
    // 1 or 2, and everything above is drawn for it.
    void fractionalScaleFactorsAreKept()
    {
        QCOMPARE(QGuiApplication::highDpiScaleFactorRoundingPolicy(),
                 Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
    }

    void statusDotsAreDrawnForThePixelRatio()
    {
        const QPalette palette = QApplication::palette();
        const QIcon dot = StatusStyle::dot(StatusStyle::Tone::Bad, palette);
        const QColor bad = StatusStyle::color(StatusStyle::Tone::Bad, palette);
        for (const qreal ratio : {1.0, 1.5, 2.0}) {
            const QPixmap pixmap = dot.pixmap(QSize(16, 16), ratio);
            QCOMPARE(pixmap.size(), QSize(16, 16) * ratio);
            QCOMPARE(pixmap.devicePixelRatio(), ratio);
            const QImage image = pixmap.toImage();
            const int middle = image.width() / 2;
            QCOMPARE(image.pixelColor(middle, middle), bad);
            // A dot half the icon wide, with a solid edge: a pixel near its rim is the colour, not a blur of it.
            QCOMPARE(image.pixelColor(middle - int(3 * ratio), middle), bad);
            QCOMPARE(image.pixelColor(1, 1).alpha(), 0);
        }
        QCOMPARE(dot.pixmap(QSize(16, 16), 1.0, QIcon::Disabled).toImage().pixelColor(8, 8).alpha(), qRound(255 * 0.4));
    }
};

QTEST_MAIN(TestIcons)
#include "tst_icons.moc"
