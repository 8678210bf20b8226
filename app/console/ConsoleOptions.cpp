#include "ConsoleOptions.h"

#include "Engine.h"

#include <QCoreApplication>

#include <cstring>

ConsoleOptions::ConsoleOptions()
    : dataDir(QStringLiteral("data-dir"),
              QStringLiteral("Data directory (default: %1).").arg(Alfe::Engine::defaultDataDir()),
              QStringLiteral("DIR"))
    , database(QStringLiteral("database"),
               QStringLiteral("The store: a postgresql://user@host:port/dbname URL shared with `alfe serve` nodes "
                              "(default: alfe.ini's store/database, else the data directory's SQLite file)."),
               QStringLiteral("URL"))
    , keyFile(QStringLiteral("key-file"),
              QStringLiteral("Keep the master key in FILE (created 0600) instead of the system keychain."),
              QStringLiteral("FILE"))
    , bind(QStringLiteral("bind"),
           QStringLiteral("Address the ingress listens on (default: the settings', 127.0.0.1)."),
           QStringLiteral("ADDRESS"))
    , port(QStringLiteral("port"), QStringLiteral("Port of the ingress (default: the settings', 8787; 0 = any free)."),
           QStringLiteral("N"))
    , tlsCert(QStringLiteral("tls-cert"),
              QStringLiteral("Serve the ingress over HTTPS with this PEM certificate (or chain, the server's own "
                             "first). Needs --tls-key."),
              QStringLiteral("FILE"))
    , tlsKey(QStringLiteral("tls-key"),
             QStringLiteral("The certificate's PEM private key, unencrypted. Needs --tls-cert."),
             QStringLiteral("FILE"))
    , server(QStringLiteral("server"),
             QStringLiteral("Manage a running `alfe serve` at URL through its admin API instead of a data directory."),
             QStringLiteral("URL"))
    , tokenFile(QStringLiteral("token-file"),
                QStringLiteral("With --server: read the admin token from FILE (mode 0600). Without it, the token kept "
                               "in the system keychain."),
                QStringLiteral("FILE"))
    , caFile(QStringLiteral("ca-file"),
             QStringLiteral("With --server: also trust the CA certificate(s) in this PEM file."),
             QStringLiteral("FILE"))
    , screenshot(QStringLiteral("screenshot"),
                 QStringLiteral("Save a picture of the main window to FILE (PNG) once it has settled, then quit. The "
                                "window's remembered size, splitters and tab are neither used nor changed."),
                 QStringLiteral("FILE"))
    , tab(QStringLiteral("tab"),
          QStringLiteral("Open on this tab (0 = Webhooks, 1 = Deliveries, 2 = Refused) rather than the one open when "
                         "the console last closed."),
          QStringLiteral("N"))
    , row(QStringLiteral("row"),
          QStringLiteral("Select row N of the open tab's table (for screenshots of the details panes)."),
          QStringLiteral("N"))
    , palette(QStringLiteral("palette"),
              QStringLiteral("For screenshots and testing: draw the console with the Fusion style in a light or dark "
                             "palette, the same on every machine (default: follow the desktop's)."),
              QStringLiteral("light|dark"))
{
    parser.setApplicationDescription(QStringLiteral("Receive, verify and debug webhooks that feed software agents."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({dataDir, database, keyFile, bind, port, tlsCert, tlsKey, server, tokenFile, caFile, screenshot,
                       tab, row, palette});
}

void ConsoleOptions::setIdentity()
{
    QCoreApplication::setApplicationName(QStringLiteral("alfe-console"));
    QCoreApplication::setOrganizationName(QStringLiteral("Alfe"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ALFE_VERSION));
}

void ConsoleOptions::answerWithoutDisplay(int argc, char* argv[])
{
    bool asks = false;
    for (int i = 1; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        for (const char* question : {"--help", "-h", "-?", "--version", "-v"})
            asks = asks || std::strcmp(argv[i], question) == 0;
    }
    if (!asks)
        return;
    int count = argc;
    QCoreApplication app(count, argv);
    ConsoleOptions options;
    if (!options.parser.parse(QCoreApplication::arguments()))
        return;
    // QCommandLineParser prints the version or the help and ends the process, as it does in the GUI.
    if (options.parser.isSet(QStringLiteral("version")) || options.parser.isSet(QStringLiteral("help")))
        options.parser.process(app);
}
