// Engine's reading of what `alfe serve` and the console's local ingress run with: command-line overrides first,
// then alfe.ini (Settings), each checked with a message that names the option or setting at fault.
#include "Engine.h"

#include "store/Settings.h"

#include <QDir>
#include <QUrl>

#include <limits>

namespace Alfe {

Result<QHostAddress> Engine::parseBindAddress(const QString& text)
{
    if (text == QLatin1String("localhost"))
        return QHostAddress(QHostAddress::LocalHost);
    QHostAddress address;
    if (!address.setAddress(text))
        return Errors::invalid(QStringLiteral("\"%1\" is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1).").arg(text));
    return address;
}

Result<QString> Engine::parsePublicUrl(const QString& text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!text.isEmpty() && (!url.isValid() || url.host().isEmpty() || url.hasQuery() || url.hasFragment() ||
                            (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))) {
        return Errors::invalid(QStringLiteral("\"%1\" is not an absolute http:// or https:// base URL.").arg(text));
    }
    return text;
}

Result<TlsCredentials> Engine::loadTls(const ServeOverrides& overrides)
{
    if (!overrides.tlsCertFile && !overrides.tlsKeyFile)
        return TlsCredentials();
    if (!overrides.tlsKeyFile)
        return Errors::invalid(QStringLiteral("--tls-cert needs --tls-key FILE, the certificate's private key."));
    if (!overrides.tlsCertFile)
        return Errors::invalid(QStringLiteral("--tls-key needs --tls-cert FILE, the certificate it belongs to."));
    return TlsCredentials::load(*overrides.tlsCertFile, *overrides.tlsKeyFile);
}

Result<ServeOptions> Engine::serveOptions(const ServeOverrides& overrides) const
{
    if (!m_settings)
        return Errors::storage(QStringLiteral("The data directory is not open."));
    using K = Settings::Key;
    const Settings& settings = *m_settings;
    const auto invalid = [&settings](K key, const QString& problem) {
        return Error{QStringLiteral("invalid_setting"),
                     QStringLiteral("The setting %1 in %2 is not valid: %3")
                         .arg(Settings::name(key), QDir::toNativeSeparators(settings.filePath()), problem)};
    };
    const auto integer = [&](K key, qint64 min, qint64 max) -> Result<qint64> {
        bool ok = false;
        const qint64 value = settings.get(key).toLongLong(&ok);
        if (!ok || value < min || value > max)
            return invalid(key, QStringLiteral("\"%1\" is not a whole number from %2 to %3.")
                                    .arg(settings.get(key).toString())
                                    .arg(min)
                                    .arg(max));
        return value;
    };

    ServeOptions options;
    IngressOptions& ingress = options.ingress;
    if (overrides.bindAddress) {
        auto address = parseBindAddress(*overrides.bindAddress);
        if (!address)
            return Errors::invalid(QStringLiteral("--bind %1").arg(address.error().message));
        ingress.bindAddress = address.value();
    } else {
        auto address = parseBindAddress(settings.get(K::BindAddress).toString());
        if (!address)
            return invalid(K::BindAddress, address.error().message);
        ingress.bindAddress = address.value();
    }
    if (overrides.port) {
        if (*overrides.port < 0 || *overrides.port > 65535)
            return Errors::invalid(QStringLiteral("--port %1 is not a port from 0 to 65535.").arg(*overrides.port));
        ingress.port = quint16(*overrides.port);
    } else {
        auto port = integer(K::Port, 0, 65535);
        if (!port)
            return port.error();
        ingress.port = quint16(port.value());
    }
    if (overrides.publicUrl) {
        auto url = parsePublicUrl(*overrides.publicUrl);
        if (!url)
            return Errors::invalid(QStringLiteral("--public-url %1").arg(url.error().message));
        ingress.publicUrl = url.value();
    } else {
        auto url = parsePublicUrl(settings.get(K::PublicUrl).toString());
        if (!url)
            return invalid(K::PublicUrl, url.error().message);
        ingress.publicUrl = url.value();
    }
    if (overrides.bodyLimitBytes) {
        ingress.bodyLimitBytes = *overrides.bodyLimitBytes;
    } else {
        auto limit = integer(K::BodyLimitBytes, 1, MaxBodyLimitBytes);
        if (!limit)
            return limit.error();
        ingress.bodyLimitBytes = limit.value();
    }
    if (overrides.rateLimitPerSecond) {
        ingress.rateLimitPerSecond = *overrides.rateLimitPerSecond;
    } else {
        auto rate = integer(K::RateLimitPerSecond, 0, MaxRateLimitPerSecond);
        if (!rate)
            return rate.error();
        ingress.rateLimitPerSecond = int(rate.value());
    }
    auto requestTimeout = integer(K::RequestTimeoutSeconds, 1, 3600);
    if (!requestTimeout)
        return requestTimeout.error();
    ingress.requestTimeoutMs = int(requestTimeout.value() * 1000);
    auto bodyMemory = integer(K::BodyMemoryBytes, 1024 * 1024, std::numeric_limits<qint64>::max());
    if (!bodyMemory)
        return bodyMemory.error();
    ingress.bodyMemoryBytes = bodyMemory.value();
    auto refusedRate = integer(K::RefusedPerSecond, 0, MaxRateLimitPerSecond);
    if (!refusedRate)
        return refusedRate.error();
    ingress.refusedPerSecond = int(refusedRate.value());
    auto refusedLog = integer(K::RefusedLogBytes, 1024 * 1024, std::numeric_limits<qint64>::max());
    if (!refusedLog)
        return refusedLog.error();
    ingress.refusedLogBytes = refusedLog.value();
    auto window = integer(K::DedupWindowSeconds, 0, 7 * 24 * 3600);
    if (!window)
        return window.error();
    ingress.dedupWindowSeconds = window.value();
    auto tls = loadTls(overrides);
    if (!tls)
        return tls.error();
    ingress.tls = tls.value();

    auto schedule = RetrySchedule::parse(settings.get(K::RetrySchedule).toString());
    if (!schedule)
        return invalid(K::RetrySchedule, schedule.error().message);
    options.delivery.schedule = schedule.value();
    auto retention = integer(K::RetentionDays, 0, 3650);
    if (!retention)
        return retention.error();
    options.delivery.retentionDays = int(retention.value());
    auto concurrency = integer(K::DeliveryConcurrency, 1, 256);
    if (!concurrency)
        return concurrency.error();
    options.delivery.perAgentConcurrency = int(concurrency.value());
    if (clustered()) {
        // Several nodes on one database: this one delivers the agents it holds a lease on (SPEC §14).
        options.delivery.nodeId = nodeId();
        if (overrides.leaseSeconds) {
            if (*overrides.leaseSeconds < 2 || *overrides.leaseSeconds > 3600)
                return Errors::invalid(QStringLiteral("--lease-seconds %1 is not a whole number from 2 to 3600.")
                                           .arg(*overrides.leaseSeconds));
            options.delivery.leaseMs = *overrides.leaseSeconds * 1000;
        }
    }
    return options;
}

} // namespace Alfe
