#include "store/DatabaseLocation.h"

#include <QUrl>
#include <QUrlQuery>

namespace Alfe {

namespace {
Error badUrl(const QString& why)
{
    return Errors::invalid(QStringLiteral("The database URL is not usable: %1 Expected "
                                          "postgresql://user@host:port/dbname.")
                               .arg(why));
}
} // namespace

bool DatabaseLocation::isUrl(const QString& location)
{
    return location.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive) ||
           location.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
}

Result<DatabaseLocation> DatabaseLocation::parse(const QString& location)
{
    DatabaseLocation at;
    if (!isUrl(location)) {
        if (location.contains(QLatin1String("://")))
            return badUrl(QStringLiteral("only postgresql:// URLs are supported (or a SQLite file path)."));
        at.file = location;
        return at;
    }
    const QUrl url(location, QUrl::StrictMode);
    if (!url.isValid())
        return badUrl(QStringLiteral("%1.").arg(url.errorString().replace(url.password(), QStringLiteral("***"))));
    at.postgres = true;
    at.host = url.host();
    at.port = url.port(-1);
    at.user = url.userName();
    at.password = url.password();
    at.name = url.path().mid(1);
    if (at.name.isEmpty() || at.name.contains(QLatin1Char('/')))
        return badUrl(QStringLiteral("it names no database (the path after the host, e.g. /alfe)."));
    if (url.hasFragment())
        return badUrl(QStringLiteral("it has a fragment (#...)."));
    QStringList options;
    const QUrlQuery query(url);
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("host")) {
            at.host = value;
        } else if (key == QLatin1String("port")) {
            bool ok = false;
            at.port = value.toInt(&ok);
            if (!ok || at.port < 1 || at.port > 65535)
                return badUrl(QStringLiteral("port \"%1\" is not a number from 1 to 65535.").arg(value));
        } else if (key == QLatin1String("sslmode") || key == QLatin1String("sslrootcert") ||
                   key == QLatin1String("connect_timeout") || key == QLatin1String("application_name") ||
                   key == QLatin1String("sslcert") || key == QLatin1String("sslkey")) {
            if (value.contains(QLatin1Char(';')))
                return badUrl(QStringLiteral("the value of %1 contains ';'.").arg(key));
            options << QStringLiteral("%1=%2").arg(key, value);
        } else {
            return badUrl(QStringLiteral("unknown parameter \"%1\" (known: host, port, sslmode, sslrootcert, sslcert, "
                                         "sslkey, connect_timeout, application_name).")
                              .arg(key));
        }
    }
    if (!options.join(QLatin1Char(';')).contains(QLatin1String("connect_timeout")))
        options << QStringLiteral("connect_timeout=10");
    at.connectOptions = options.join(QLatin1Char(';'));
    return at;
}

QString DatabaseLocation::display() const
{
    if (!postgres)
        return file;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setUserName(user);
    url.setHost(host.startsWith(QLatin1Char('/')) ? QString() : host);
    url.setPort(port);
    url.setPath(QLatin1Char('/') + name);
    QString text = url.toString();
    if (host.startsWith(QLatin1Char('/')))
        text += QStringLiteral("?host=") + host;
    return text;
}

} // namespace Alfe
