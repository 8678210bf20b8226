// alfe serve: the headless server. Holds the data directory exclusively until SIGINT/SIGTERM.
#include "CliContext.h"
#include "Commands.h"
#include "DeliveryOptions.h"
#include "Engine.h"
#include "IngressOptions.h"
#include "Settings.h"
#include "SignalWatcher.h"

#include <QCoreApplication>
#include <QUrl>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>

namespace Alfe::Cli {

namespace {
// SQLite refuses blobs over its default SQLITE_MAX_LENGTH, so a larger body could never be stored.
constexpr qint64 MaxBodyLimit = 1'000'000'000;
constexpr qint64 MaxRateLimit = 1'000'000;

// What the command line sets; the rest comes from the data directory's settings.
struct Overrides
{
    std::optional<QHostAddress> bindAddress;
    std::optional<quint16> port;
    std::optional<QString> publicUrl;
    std::optional<qint64> bodyLimitBytes;
    std::optional<int> rateLimitPerSecond;
};

Result<QHostAddress> parseBindAddress(const QString& text)
{
    if (text == QLatin1String("localhost"))
        return QHostAddress(QHostAddress::LocalHost);
    QHostAddress address;
    if (!address.setAddress(text))
        return Errors::invalid(
            QStringLiteral("--bind \"%1\" is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1).").arg(text));
    return address;
}

Result<QString> parsePublicUrl(const QString& text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!text.isEmpty() && (!url.isValid() || url.host().isEmpty() || url.hasQuery() || url.hasFragment() ||
                            (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))) {
        return Errors::invalid(
            QStringLiteral("--public-url \"%1\" is not an absolute http:// or https:// base URL.").arg(text));
    }
    return text;
}

// Checked before the data directory is taken: a typo is a usage error, not a half-start.
Result<Overrides> parseOverrides(const CliContext& context)
{
    Overrides overrides;
    if (context.isSet(QStringLiteral("bind"))) {
        auto address = parseBindAddress(context.value(QStringLiteral("bind")));
        if (!address)
            return address.error();
        overrides.bindAddress = address.value();
    }
    if (context.isSet(QStringLiteral("port"))) {
        auto port = context.integer(QStringLiteral("port"), 0, 65535);
        if (!port)
            return port.error();
        overrides.port = quint16(port.value());
    }
    if (context.isSet(QStringLiteral("public-url"))) {
        auto url = parsePublicUrl(context.value(QStringLiteral("public-url")));
        if (!url)
            return url.error();
        overrides.publicUrl = url.value();
    }
    if (context.isSet(QStringLiteral("body-limit"))) {
        auto limit = context.integer(QStringLiteral("body-limit"), 1, MaxBodyLimit);
        if (!limit)
            return limit.error();
        overrides.bodyLimitBytes = limit.value();
    }
    if (context.isSet(QStringLiteral("rate-limit"))) {
        auto rate = context.integer(QStringLiteral("rate-limit"), 0, MaxRateLimit);
        if (!rate)
            return rate.error();
        overrides.rateLimitPerSecond = int(rate.value());
    }
    return overrides;
}

// Forwarding from the settings: retry schedule and retention.
Result<DeliveryOptions> deliveryOptions(const Settings& settings)
{
    DeliveryOptions options;
    auto schedule = RetrySchedule::parse(settings.get(Settings::Key::RetrySchedule).toString());
    if (!schedule) {
        return Error{schedule.error().code, QStringLiteral("The retry schedule in %1 is not valid: %2")
                                                .arg(settings.filePath(), schedule.error().message)};
    }
    options.schedule = schedule.value();
    options.retentionDays = settings.get(Settings::Key::RetentionDays).toInt();
    return options;
}

Result<IngressOptions> ingressOptions(const Overrides& overrides, const Settings& settings)
{
    IngressOptions options;
    if (overrides.bindAddress) {
        options.bindAddress = *overrides.bindAddress;
    } else {
        auto address = parseBindAddress(settings.get(Settings::Key::BindAddress).toString());
        if (!address)
            return Error{QStringLiteral("invalid_setting"),
                         QStringLiteral("The bind address in %1 is not an IP address.").arg(settings.filePath())};
        options.bindAddress = address.value();
    }
    options.port = overrides.port.value_or(quint16(settings.get(Settings::Key::Port).toUInt()));
    options.publicUrl = overrides.publicUrl.value_or(settings.get(Settings::Key::PublicUrl).toString());
    options.bodyLimitBytes =
        overrides.bodyLimitBytes.value_or(settings.get(Settings::Key::BodyLimitBytes).toLongLong());
    options.rateLimitPerSecond =
        overrides.rateLimitPerSecond.value_or(settings.get(Settings::Key::RateLimitPerSecond).toInt());
    options.dedupWindowSeconds = settings.get(Settings::Key::DedupWindowSeconds).toLongLong();
    return options;
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
        "SIGTERM.\nDefaults come from the data directory's settings (alfe.ini).");
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
                                          QStringLiteral("N"));
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

    Engine engine({context.dataDir(), context.value(QStringLiteral("key-file")), /*exclusive*/ true});
    if (auto opened = engine.openBlocking(); !opened)
        return CliContext::fail(opened.error());
    auto options = ingressOptions(overrides.value(), engine.settings());
    if (!options)
        return CliContext::fail(options.error());
    auto delivery = deliveryOptions(engine.settings());
    if (!delivery)
        return CliContext::fail(delivery.error());
    if (auto forwarding = engine.startDelivery(delivery.value()); !forwarding)
        return CliContext::fail(forwarding.error());
    auto started = engine.startIngress(options.value());
    if (!started)
        return CliContext::fail(started.error());

    CliContext::outLine(
        QStringLiteral("alfe: listening on http://%1:%2").arg(hostForUrl(options->bindAddress)).arg(started.value()));
    if (!options->publicUrl.isEmpty())
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
