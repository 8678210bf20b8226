// alfe-console: the desktop console. Argument parsing and wiring only; the work is in alfe_ui/alfe_core.
#include "ConsoleOptions.h"
#include "Engine.h"
#include "RemoteStart.h"
#include "common/ColorScheme.h"
#include "common/Translations.h"
#include "main/ConsoleStartup.h"
#include "main/MainWindow.h"

#include <QApplication>
#include <QHostAddress>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <cstdio>

int main(int argc, char* argv[])
{
    ConsoleOptions::setIdentity();
    // Before QApplication, which needs a display: `alfe-console --version` answers on a machine without one.
    ConsoleOptions::answerWithoutDisplay(argc, argv);

    // High DPI: Qt 6 scales by the screen's factor, fractional ones included (PassThrough is its default
    // rounding policy), and the icons are SVG or painted at the size asked: nothing to set here.
    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(QStringLiteral("Alfe Console"));
    QApplication::setDesktopFileName(QStringLiteral("alfe-console"));
    Alfe::Translations::install();

    ConsoleOptions options;
    QCommandLineParser& parser = options.parser;
    parser.process(app);

    if (parser.isSet(options.palette)) {
        const auto scheme = Alfe::ColorScheme::fromName(parser.value(options.palette));
        if (!scheme) {
            std::fprintf(stderr, "alfe-console: --palette must be light or dark\n");
            return 2;
        }
        Alfe::ColorScheme::apply(*scheme);
    }

    if (parser.isSet(options.server)) {
        for (const QCommandLineOption* local : {&options.dataDir, &options.database, &options.keyFile, &options.bind,
                                                &options.port, &options.tlsCert, &options.tlsKey}) {
            if (parser.isSet(*local)) {
                std::fprintf(stderr, "alfe-console: --%s is for a data directory on this machine, not --server\n",
                             qPrintable(local->names().first()));
                return 2;
            }
        }
        return runRemoteConsole({parser.value(options.server), parser.value(options.tokenFile),
                                 parser.value(options.caFile), parser.value(options.screenshot),
                                 parser.isSet(options.tab) ? parser.value(options.tab).toInt() : -1,
                                 parser.isSet(options.row) ? parser.value(options.row).toInt() : -1});
    }
    for (const QCommandLineOption* remote : {&options.tokenFile, &options.caFile}) {
        if (parser.isSet(*remote)) {
            std::fprintf(stderr, "alfe-console: --%s goes with --server\n", qPrintable(remote->names().first()));
            return 2;
        }
    }

    int portValue = -1;
    if (parser.isSet(options.port)) {
        bool ok = false;
        portValue = parser.value(options.port).toInt(&ok);
        if (!ok || portValue < 0 || portValue > 65535) {
            std::fprintf(stderr, "alfe-console: --port must be a number from 0 to 65535\n");
            return 2;
        }
    }
    if (parser.isSet(options.bind) && QHostAddress(parser.value(options.bind)).isNull()) {
        std::fprintf(stderr, "alfe-console: --bind must be an IP address, e.g. 127.0.0.1\n");
        return 2;
    }

    Alfe::ServeOverrides tls;
    if (parser.isSet(options.tlsCert))
        tls.tlsCertFile = parser.value(options.tlsCert);
    if (parser.isSet(options.tlsKey))
        tls.tlsKeyFile = parser.value(options.tlsKey);
    if (auto loaded = Alfe::Engine::loadTls(tls); !loaded) {
        std::fprintf(stderr, "alfe-console: %s\n", qPrintable(loaded.error().message));
        return 2;
    }

    Alfe::Engine engine(
        {parser.value(options.dataDir), parser.value(options.keyFile), true, parser.value(options.database)});
    Alfe::MainWindow window(engine);
    // A screenshot is the same on every run: it neither starts from nor keeps the user's layout.
    const bool screenshot = parser.isSet(options.screenshot);
    window.setRemembersLayout(!screenshot);
    window.show();
    Alfe::ConsoleStartup startup(engine, window);
    startup.setIngressOverrides(parser.value(options.bind), portValue);
    startup.setTlsFiles(tls.tlsCertFile, tls.tlsKeyFile);
    if (parser.isSet(options.tab)) {
        // After the window restored the remembered tab (in showReady, before ready()): --tab wins.
        QObject::connect(&startup, &Alfe::ConsoleStartup::ready, &window,
                         [&] { window.tabs()->setCurrentIndex(parser.value(options.tab).toInt()); });
    }
    if (parser.isSet(options.row)) {
        QObject::connect(&startup, &Alfe::ConsoleStartup::ready, &window, [&] {
            // After the tab switch above (connected first) and once the models have loaded.
            QTimer::singleShot(500, &window, [&] {
                if (auto* table = window.tabs()->currentWidget()->findChild<QTableView*>())
                    table->selectRow(parser.value(options.row).toInt());
            });
        });
    }
    if (screenshot) {
        QTimer::singleShot(qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS") > 0
                               ? qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS")
                               : 1500,
                           &window, [&] {
                               const bool saved = window.grab().save(parser.value(options.screenshot), "PNG");
                               QApplication::exit(saved ? 0 : 1);
                           });
    }
    startup.start();
    const int code = QApplication::exec();
    engine.close();
    return code;
}
