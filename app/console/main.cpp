// alfe-console: the desktop console. Argument parsing and wiring only; the work is in alfe_ui/alfe_core.
#include "Engine.h"
#include "MainWindow.h"
#include "MasterKey.h"
#include "Secrets.h"

#include <QApplication>
#include <QCommandLineParser>

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
    const QCommandLineOption dataDir(QStringLiteral("data-dir"), QStringLiteral("Data directory (default: %1).")
                                                                     .arg(Alfe::Engine::defaultDataDir()),
                                     QStringLiteral("DIR"));
    const QCommandLineOption keyFile(QStringLiteral("key-file"),
                                     QStringLiteral("Keep the master key in FILE (created 0600) instead of the "
                                                    "system keychain."),
                                     QStringLiteral("FILE"));
    parser.addOptions({dataDir, keyFile});
    parser.process(app);

    Alfe::Engine engine({parser.value(dataDir), parser.value(keyFile)});
    Alfe::MainWindow window(engine);
    window.show();

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
