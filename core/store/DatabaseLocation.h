#pragma once

#include "domain/Result.h"

#include <QString>

namespace Alfe {

// Where the store lives: a SQLite file (the embedded default) or a PostgreSQL database named by a URL in
// libpq's form, postgresql://[user[:password]@][host][:port]/dbname[?param=value&...]. The query takes
// `host` (a socket directory too), `port`, `sslmode`, `sslrootcert`, `connect_timeout` and `application_name`.
// A password is better kept out of the URL (~/.pgpass or PGPASSWORD, which libpq reads itself).
struct DatabaseLocation
{
    bool postgres = false;
    QString file; // SQLite
    QString host;
    int port = -1;
    QString user;
    QString password;
    QString name;
    QString connectOptions; // "sslmode=require;connect_timeout=5" for QPSQL

    // A file path is taken as it is; postgresql:// and postgres:// URLs are parsed. A malformed URL is an
    // error that says what is wrong with it (never echoing a password).
    static Result<DatabaseLocation> parse(const QString& location);
    static bool isUrl(const QString& location);
    // For messages and logs: the file, or the URL without its password.
    QString display() const;
};

} // namespace Alfe
