// alfe serve: the headless server. Holds the data directory exclusively until SIGINT/SIGTERM.
#include "CliContext.h"
#include "Commands.h"
#include "Engine.h"
#include "SignalWatcher.h"

#include <QCoreApplication>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace Alfe::Cli {

namespace {
// Checked before the data directory is taken: a typo is a usage error, not a half-start. The settings
// under them are checked by Engine::serveOptions, the path the console takes too.
Result<ServeOverrides> parseOverrides(const CliContext& context)
{
    ServeOverrides overrides;
    if (context.isSet(QStringLiteral("bind"))) {
        const QString text = context.value(QStringLiteral("bind"));
        if (auto address = Engine::parseBindAddress(text); !address)
            return Errors::invalid(QStringLiteral("--bind %1").arg(address.error().message));
        overrides.bindAddress = text;
    }
    if (context.isSet(QStringLiteral("port"))) {
        auto port = context.integer(QStringLiteral("port"), 0, 65535);
        if (!port)
            return port.error();
        overrides.port = int(port.value());
    }
    if (context.isSet(QStringLiteral("public-url"))) {
        auto url = Engine::parsePublicUrl(context.value(QStringLiteral("public-url")));
        if (!url)
            return Errors::invalid(QStringLiteral("--public-url %1").arg(url.error().message));
        overrides.publicUrl = url.value();
    }
    if (context.isSet(QStringLiteral("body-limit"))) {
        auto limit = context.integer(QStringLiteral("body-limit"), 1, Engine::MaxBodyLimitBytes);
        if (!limit)
            return limit.error();
        overrides.bodyLimitBytes = limit.value();
    }
    if (context.isSet(QStringLiteral("rate-limit"))) {
        auto rate = context.integer(QStringLiteral("rate-limit"), 0, Engine::MaxRateLimitPerSecond);
        if (!rate)
            return rate.error();
        overrides.rateLimitPerSecond = int(rate.value());
    }
    if (context.isSet(QStringLiteral("lease-seconds"))) {
        auto lease = context.integer(QStringLiteral("lease-seconds"), 2, 3600);
        if (!lease)
            return lease.error();
        overrides.leaseSeconds = int(lease.value());
    }
    if (context.isSet(QStringLiteral("tls-cert")))
        overrides.tlsCertFile = context.value(QStringLiteral("tls-cert"));
    if (context.isSet(QStringLiteral("tls-key")))
        overrides.tlsKeyFile = context.value(QStringLiteral("tls-key"));
    if (auto tls = Engine::loadTls(overrides); !tls)
        return tls.error();
    return overrides;
}

QString hostForUrl(const QHostAddress& address)
{
    const QString host = address.toString();
    return address.protocol() == QAbstractSocket::IPv6Protocol ? QLatin1Char('[') + host + QLatin1Char(']') : host;
}

CommandSpec serveSpec()
{
    CommandSpec command;
    command.description = QStringLiteral(
        "Run the ingress (POST /v1/hooks/<id>) and the management API on this data directory until SIGINT or "
        "SIGTERM.\nDefaults come from the data directory's settings (alfe.ini).\nWith --tls-cert and --tls-key it "
        "serves HTTPS (and WSS); without them plain HTTP, the default behind a reverse proxy on loopback.");
    command.keyFile = true;
    command.json = false;
    command.options << QCommandLineOption(QStringLiteral("bind"),
                                          QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                          QStringLiteral("ADDRESS"))
                    << QCommandLineOption(QStringLiteral("port"),
                                          QStringLiteral("Port to listen on, 0 for any free one (default 8787)."),
                                          QStringLiteral("N"))
                    << QCommandLineOption(QStringLiteral("public-url"),
                                          QStringLiteral("Base of the webhook URLs when a tunnel or reverse proxy "
                                                         "is in front."),
                                          QStringLiteral("URL"))
                    << QCommandLineOption(QStringLiteral("body-limit"),
                                          QStringLiteral("Largest accepted body in bytes (default 10485760, 10 MiB)."),
                                          QStringLiteral("BYTES"))
                    << QCommandLineOption(QStringLiteral("rate-limit"),
                                          QStringLiteral("Requests per webhook per second (default 100; 0 = off)."),
                                          QStringLiteral("N"))
                    << QCommandLineOption(QStringLiteral("lease-seconds"),
                                          QStringLiteral("With --database postgresql://…: how long this node's "
                                                         "hold on an agent's deliveries lasts unless renewed; "
                                                         "another node takes over a dead one's agents after it "
                                                         "(default 30)."),
                                          QStringLiteral("N"))
                    << QCommandLineOption(QStringLiteral("tls-cert"),
                                          QStringLiteral("Serve HTTPS (and WSS for agent streams) with this PEM "
                                                         "certificate, or chain: the server's own first, then "
                                                         "intermediates. Needs --tls-key."),
                                          QStringLiteral("FILE"))
                    << QCommandLineOption(QStringLiteral("tls-key"),
                                          QStringLiteral("The certificate's PEM private key, unencrypted (keep the "
                                                         "file 0600). Needs --tls-cert."),
                                          QStringLiteral("FILE"));
    return command;
}
} // namespace

int runServe(CliContext& context)
{
    if (auto done = context.parse(1, serveSpec()))
        return *done;
    auto overrides = parseOverrides(context);
    if (!overrides)
        return CliContext::fail(overrides.error());

    // Installed first, so a signal that arrives while starting still stops the server cleanly.
    SignalWatcher signalWatcher;
    if (!signalWatcher.watch({SIGINT, SIGTERM})) {
        return CliContext::error(QStringLiteral("Cannot install the SIGINT/SIGTERM handlers: %1.")
                                     .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    ::signal(SIGPIPE, SIG_IGN);
    // A signal may arrive while a nested event loop waits for the keychain; the flag keeps it from being lost.
    bool stopRequested = false;
    QObject::connect(&signalWatcher, &SignalWatcher::received, &signalWatcher, [&stopRequested] {
        stopRequested = true;
        QCoreApplication::quit();
    });

    Engine engine({context.dataDir(), context.value(QStringLiteral("key-file")), /*exclusive*/ true,
                   context.value(QStringLiteral("database"))});
    if (auto opened = engine.openBlocking(); !opened)
        return CliContext::fail(opened.error());
    auto options = engine.serveOptions(overrides.value());
    if (!options)
        return CliContext::fail(options.error());
    if (auto forwarding = engine.startDelivery(options->delivery); !forwarding)
        return CliContext::fail(forwarding.error());
    auto started = engine.startIngress(options->ingress);
    if (!started)
        return CliContext::fail(started.error());

    CliContext::outLine(QStringLiteral("alfe: listening on %1://%2:%3")
                            .arg(options->ingress.tls.isEnabled() ? QStringLiteral("https") : QStringLiteral("http"),
                                 hostForUrl(options->ingress.bindAddress))
                            .arg(started.value()));
    if (!options->ingress.publicUrl.isEmpty())
        CliContext::outLine(QStringLiteral("alfe: webhook URLs start with %1").arg(engine.webhookUrl(QString())));

    if (!stopRequested)
        QCoreApplication::exec();

    engine.stopIngress();
    engine.stopDelivery();
    engine.close();
    CliContext::outLine(QStringLiteral("alfe: stopped"));
    return ExitOk;
}

} // namespace Alfe::Cli
