// alfe-console: the desktop console. Argument parsing and wiring only; the work is in alfe_ui/alfe_core.
#include "Engine.h"
#include "RemoteStart.h"
#include "common/Translations.h"
#include "main/ConsoleStartup.h"
#include "main/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QHostAddress>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <cstdio>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("alfe-console"));
    QApplication::setOrganizationName(QStringLiteral("Alfe"));
    QApplication::setApplicationDisplayName(QStringLiteral("Alfe Console"));
    QApplication::setApplicationVersion(QStringLiteral(ALFE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("alfe-console"));
    Alfe::Translations::install();

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
    const QCommandLineOption database(QStringLiteral("database"),
                                      QStringLiteral("The store: a postgresql://user@host:port/dbname URL shared with "
                                                     "`alfe serve` nodes (default: alfe.ini's store/database, else the "
                                                     "data directory's SQLite file)."),
                                      QStringLiteral("URL"));
    const QCommandLineOption bind(QStringLiteral("bind"),
                                  QStringLiteral("Address the ingress listens on (default: "
                                                 "the settings', 127.0.0.1)."),
                                  QStringLiteral("ADDRESS"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("Port of the ingress (default: the settings', 8787; 0 = any free)."),
                                  QStringLiteral("N"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a picture of the main window to FILE (PNG) once it has "
                                                       "settled, then quit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption tab(QStringLiteral("tab"),
                                 QStringLiteral("Open on this tab (0 = Webhooks, 1 = "
                                                "Deliveries, 2 = Refused)."),
                                 QStringLiteral("N"));
    const QCommandLineOption row(QStringLiteral("row"),
                                 QStringLiteral("Select row N of the open tab's table (for screenshots of the details "
                                                "panes)."),
                                 QStringLiteral("N"));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"),
                                     QStringLiteral("Serve the ingress over HTTPS with this PEM certificate (or "
                                                    "chain, the server's own first). Needs --tls-key."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"),
                                    QStringLiteral("The certificate's PEM private key, unencrypted. Needs --tls-cert."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption server(QStringLiteral("server"),
                                    QStringLiteral("Manage a running `alfe serve` at URL through its admin API "
                                                   "instead of a data directory."),
                                    QStringLiteral("URL"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("With --server: read the admin token from FILE (mode 0600). "
                                                      "Without it, the token kept in the system keychain."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
                                    QStringLiteral("With --server: also trust the CA certificate(s) in this PEM "
                                                   "file."),
                                    QStringLiteral("FILE"));
    parser.addOptions(
        {dataDir, database, keyFile, bind, port, tlsCert, tlsKey, server, tokenFile, caFile, screenshot, tab, row});
    parser.process(app);

    if (parser.isSet(server)) {
        for (const QCommandLineOption* local : {&dataDir, &database, &keyFile, &bind, &port, &tlsCert, &tlsKey}) {
            if (parser.isSet(*local)) {
                std::fprintf(stderr, "alfe-console: --%s is for a data directory on this machine, not --server\n",
                             qPrintable(local->names().first()));
                return 2;
            }
        }
        return runRemoteConsole({parser.value(server), parser.value(tokenFile), parser.value(caFile),
                                 parser.value(screenshot), parser.isSet(tab) ? parser.value(tab).toInt() : -1,
                                 parser.isSet(row) ? parser.value(row).toInt() : -1});
    }
    for (const QCommandLineOption* remote : {&tokenFile, &caFile}) {
        if (parser.isSet(*remote)) {
            std::fprintf(stderr, "alfe-console: --%s goes with --server\n", qPrintable(remote->names().first()));
            return 2;
        }
    }

    int portValue = -1;
    if (parser.isSet(port)) {
        bool ok = false;
        portValue = parser.value(port).toInt(&ok);
        if (!ok || portValue < 0 || portValue > 65535) {
            std::fprintf(stderr, "alfe-console: --port must be a number from 0 to 65535\n");
            return 2;
        }
    }
    if (parser.isSet(bind) && QHostAddress(parser.value(bind)).isNull()) {
        std::fprintf(stderr, "alfe-console: --bind must be an IP address, e.g. 127.0.0.1\n");
        return 2;
    }

    Alfe::ServeOverrides tls;
    if (parser.isSet(tlsCert))
        tls.tlsCertFile = parser.value(tlsCert);
    if (parser.isSet(tlsKey))
        tls.tlsKeyFile = parser.value(tlsKey);
    if (auto loaded = Alfe::Engine::loadTls(tls); !loaded) {
        std::fprintf(stderr, "alfe-console: %s\n", qPrintable(loaded.error().message));
        return 2;
    }

    Alfe::Engine engine({parser.value(dataDir), parser.value(keyFile), true, parser.value(database)});
    Alfe::MainWindow window(engine);
    window.show();
    Alfe::ConsoleStartup startup(engine, window);
    startup.setIngressOverrides(parser.value(bind), portValue);
    startup.setTlsFiles(tls.tlsCertFile, tls.tlsKeyFile);
    if (parser.isSet(tab)) {
        QObject::connect(&startup, &Alfe::ConsoleStartup::ready, &window,
                         [&] { window.tabs()->setCurrentIndex(parser.value(tab).toInt()); });
    }
    if (parser.isSet(row)) {
        QObject::connect(&startup, &Alfe::ConsoleStartup::ready, &window, [&] {
            // After the tab switch above (connected first) and once the models have loaded.
            QTimer::singleShot(500, &window, [&] {
                if (auto* table = window.tabs()->currentWidget()->findChild<QTableView*>())
                    table->selectRow(parser.value(row).toInt());
            });
        });
    }
    if (parser.isSet(screenshot)) {
        QTimer::singleShot(qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS") > 0
                               ? qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS")
                               : 1500,
                           &window, [&] {
                               const bool saved = window.grab().save(parser.value(screenshot), "PNG");
                               QApplication::exit(saved ? 0 : 1);
                           });
    }
    startup.start();
    const int code = QApplication::exec();
    engine.close();
    return code;
}
