#include "CliRunner.h"

#include <QCoreApplication>
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>

using namespace Alfe::Test;

namespace {
// The environment of a machine without a display: no X, no Wayland, no platform chosen.
QProcessEnvironment withoutDisplay()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString& name : {QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("DISPLAY"),
                                QStringLiteral("WAYLAND_DISPLAY"), QStringLiteral("QT_QPA_PLATFORMTHEME")})
        environment.remove(name);
    return environment;
}

CliResult runConsole(const QStringList& arguments, const QProcessEnvironment& environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(ALFE_CONSOLE_PATH), arguments);
    process.closeWriteChannel();
    return CliRunner::finish(process);
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}
} // namespace

// The built alfe-console as a packaging test or a user runs it: --version and --help where there is no display,
// and --screenshot leaving the layout the user's console keeps alone.
class TestConsoleCommandLine : public QObject
{
    Q_OBJECT

private slots:
    // An unpacked .deb's smoke test runs `alfe-console --version` on a machine without X.
    void versionWithoutADisplay()
    {
        for (const QString& option : {QStringLiteral("--version"), QStringLiteral("-v")}) {
            const CliResult run = runConsole({option}, withoutDisplay());
            QVERIFY2(!run.crashed && run.exitCode == 0, run.describe().constData());
            QCOMPARE(run.out, QByteArray("alfe-console " ALFE_VERSION "\n"));
            QVERIFY2(run.err.isEmpty(), run.describe().constData());
        }
    }

    void helpWithoutADisplay()
    {
        for (const QString& option : {QStringLiteral("--help"), QStringLiteral("-h")}) {
            const CliResult run = runConsole({option}, withoutDisplay());
            QVERIFY2(!run.crashed && run.exitCode == 0, run.describe().constData());
            QVERIFY2(run.err.isEmpty(), run.describe().constData());
            const QString help = QString::fromUtf8(run.out);
            QVERIFY2(help.startsWith(QStringLiteral("Usage: %1 [options]\n").arg(QStringLiteral(ALFE_CONSOLE_PATH))),
                     qPrintable(help));
            QVERIFY(help.contains(QLatin1String("Receive, verify and debug webhooks that feed software agents.")));
            for (const char* listed : {"-v, --version", "--data-dir <DIR>", "--server <URL>", "--screenshot <FILE>",
                                       "--tab <N>", "--palette <light|dark>"})
                QVERIFY2(help.contains(QLatin1String(listed)), listed);
        }
    }

    // --screenshot gives the same picture on every run: it starts from the default layout, not the one kept
    // (here a small window on the Refused tab), and keeps nothing when it quits.
    void screenshotLeavesTheKeptLayoutAlone()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(QStringLiteral("config/Alfe/alfe-console.conf"));
        const QSize keptSize(520, 410);
        {
            QSettings kept(config, QSettings::IniFormat);
            // A real window's geometry, as the console keeps it.
            QWidget window;
            window.resize(keptSize);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            const QByteArray geometry = window.saveGeometry();
            QWidget check;
            QVERIFY(check.restoreGeometry(geometry));
            QCOMPARE(check.size(), keptSize);
            kept.setValue(QStringLiteral("window/geometry"), geometry);
            kept.setValue(QStringLiteral("window/tab"), 2);
        }
        const QByteArray before = readAll(config);
        QVERIFY(before.contains("geometry"));

        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
        environment.insert(QStringLiteral("ALFE_SCREENSHOT_DELAY_MS"), QStringLiteral("500"));
        const QString picture = dir.filePath(QStringLiteral("shot.png"));
        const CliResult run =
            runConsole({QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("data")),
                        QStringLiteral("--key-file"), dir.filePath(QStringLiteral("master.key")),
                        QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--screenshot"), picture},
                       environment);
        QVERIFY2(!run.crashed && run.exitCode == 0, run.describe().constData());
        const QImage shot(picture);
        QVERIFY(!shot.isNull());
        QCOMPARE(shot.size(), QSize(1240, 720)); // the window's default size, not the one kept
        QCOMPARE(readAll(config), before);
    }

    // --palette takes light or dark; anything else is refused before a window opens.
    void unknownPaletteIsRefused()
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        const CliResult run = runConsole({QStringLiteral("--palette"), QStringLiteral("blue")}, environment);
        QVERIFY2(!run.crashed && run.exitCode == 2, run.describe().constData());
        QVERIFY2(run.err.endsWith("alfe-console: --palette must be light or dark\n"), run.describe().constData());
    }
};

QTEST_MAIN(TestConsoleCommandLine)
#include "tst_consolecommandline.moc"
