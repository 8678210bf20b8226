// alfe-console: the desktop console. Argument parsing and wiring only; the work is in alfe_ui/alfe_core.
#include "Engine.h"
#include "MainWindow.h"
#include "MasterKey.h"
#include "Secrets.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("alfe-console"));
    QApplication::setOrganizationName(QStringLiteral("Alfe"));
    QApplication::setApplicationDisplayName(QStringLiteral("Alfe Console"));
    QApplication::setApplicationVersion(QStringLiteral(ALFE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("alfe-console"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Receive, verify and debug webhooks that feed software agents."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption dataDir(
        QStringLiteral("data-dir"), QStringLiteral("Data directory (default: %1).").arg(Alfe::Engine::defaultDataDir()),
        QStringLiteral("DIR"));
    const QCommandLineOption keyFile(QStringLiteral("key-file"),
                                     QStringLiteral("Keep the master key in FILE (created 0600) instead of the "
                                                    "system keychain."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a picture of the main window to FILE (PNG) once it has "
                                                       "settled, then quit."),
                                        QStringLiteral("FILE"));
    parser.addOptions({dataDir, keyFile, screenshot});
    parser.process(app);

    Alfe::Engine engine({parser.value(dataDir), parser.value(keyFile)});
    Alfe::MainWindow window(engine);
    window.show();
    if (parser.isSet(screenshot)) {
        QTimer::singleShot(qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS") > 0
                               ? qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS")
                               : 1500,
                           &window, [&] {
                               const bool saved = window.grab().save(parser.value(screenshot), "PNG");
                               QApplication::exit(saved ? 0 : 1);
                           });
    }

    if (auto opened = engine.openStore(); !opened) {
        window.showProblem(opened.error().message);
        return QApplication::exec();
    }
    window.showUnlocking();
    Alfe::MasterKey::obtain(engine.masterKeySource(), &window, [&](Alfe::Result<QByteArray> key) {
        if (!key) {
            window.showProblem(key.error().message);
            return;
        }
        auto unlocked = engine.unlock(key.value());
        Alfe::Secrets::cleanse(key.value());
        if (unlocked)
            window.showReady();
        else
            window.showProblem(unlocked.error().message);
    });
    return QApplication::exec();
}
