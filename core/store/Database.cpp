#include "store/Database.h"

#include "domain/Logging.h"
#include "store/DatabaseLocation.h"
#include "store/Migrations.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QStorageInfo>
#include <QVariant>

namespace Alfe {

namespace {
QString nextConnectionName()
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("alfe-%1").arg(counter.fetchAndAddRelaxed(1));
}

// `databasePath`: to tell a full disk from other failures (SQLite reports one as "disk I/O error" when it
// cannot even create its WAL file), so that the message says what to do.
Error sqlError(const QString& what, const QSqlError& error, const QString& databasePath)
{
    qCWarning(lcStore) << what << "failed:" << error.text();
    if (databasePath.isEmpty()) // PostgreSQL: the server says what is wrong
        return Errors::storage(QStringLiteral("The database could not %1: %2").arg(what, error.text()));
    const QString folder = QFileInfo(databasePath).absolutePath();
    const QStorageInfo storage(folder);
    constexpr qint64 nearlyFull = 1024 * 1024;
    if (storage.isValid() && storage.bytesAvailable() >= 0 && storage.bytesAvailable() < nearlyFull) {
        return Errors::storage(QStringLiteral("The disk holding %1 is full (%2 bytes free); free some space and try "
                                              "again. (The database could not %3: %4)")
                                   .arg(QDir::toNativeSeparators(folder))
                                   .arg(storage.bytesAvailable())
                                   .arg(what, error.text()));
    }
    return Errors::storage(QStringLiteral("The database could not %1: %2").arg(what, error.text()));
}
} // namespace

Database::Database()
    : m_connectionName(nextConnectionName())
{}

Database::~Database()
{
    close();
}

qint64 Database::dataVersion()
{
    if (m_postgres)
        return m_notifications;
    QSqlQuery& q = prepared(QStringLiteral("PRAGMA data_version"));
    const qint64 version = q.exec() && q.next() ? q.value(0).toLongLong() : -1;
    q.finish();
    return version;
}

Result<void> Database::open(const QString& location, int targetVersion)
{
    close();
    auto at = DatabaseLocation::parse(location);
    if (!at)
        return at.error();
    m_path = location;
    m_display = at->display();
    if (at->postgres)
        return openPostgres(at.value());
    const QString& path = at->file;
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid())
        return Errors::storage(QStringLiteral("The Qt SQLite driver (QSQLITE) is not available."));
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!m_db.open())
        return sqlError(QStringLiteral("open %1").arg(path), m_db.lastError(), path);

    // journal_size_limit: after a checkpoint the WAL file is cut back to 64 MiB, whatever a burst grew it to.
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                               "PRAGMA journal_size_limit=67108864"}) {
        if (auto ok = exec(QString::fromLatin1(pragma)); !ok)
            return ok;
    }
    return migrate(targetVersion < 0 ? Migrations::latestVersion() : targetVersion);
}

Result<void> Database::openPostgres(const DatabaseLocation& at)
{
    m_postgres = true;
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
    if (!m_db.isValid()) {
        return Errors::storage(QStringLiteral("The Qt PostgreSQL driver (QPSQL) is not available; install the Debian "
                                              "package libqt6sql6-psql."));
    }
    if (!at.host.isEmpty())
        m_db.setHostName(at.host);
    if (at.port > 0)
        m_db.setPort(at.port);
    m_db.setUserName(at.user);
    m_db.setPassword(at.password);
    m_db.setDatabaseName(at.name);
    m_db.setConnectOptions(at.connectOptions);
    if (!m_db.open()) {
        return Errors::storage(
            QStringLiteral("Could not connect to %1: %2").arg(m_display, m_db.lastError().text().trimmed()));
    }
    // Quiet notices ("relation already exists, skipping"); times and ids are compared as bytes, like SQLite.
    for (const char* setting : {"SET client_min_messages TO warning", "SET TIME ZONE 'UTC'"}) {
        if (auto ok = exec(QString::fromLatin1(setting)); !ok)
            return ok;
    }
    if (auto migrated = migratePostgres(Migrations::latestVersion()); !migrated)
        return migrated;
    // Another node's change to webhooks or agents arrives as a notification (the triggers send it on commit).
    QSqlDriver* driver = m_db.driver();
    // New deliveries stored by any node arrive as alfe_deliveries (one per committing transaction).
    if (driver->subscribeToNotification(QStringLiteral("alfe_changes")) &&
        driver->subscribeToNotification(QStringLiteral("alfe_deliveries"))) {
        m_notifications = 0;
        m_deliveryNotices = 0;
        QObject::connect(driver, &QSqlDriver::notification, driver, [this](const QString& channel) {
            if (channel == QLatin1String("alfe_changes"))
                ++m_notifications;
            else if (channel == QLatin1String("alfe_deliveries"))
                ++m_deliveryNotices;
        });
    }
    return {};
}

Result<void> Database::migratePostgres(int targetVersion)
{
    // Nodes that start together migrate one after the other: the second finds the work done.
    return transaction([&]() -> Result<void> {
        if (auto locked = exec(QStringLiteral("SELECT pg_advisory_xact_lock(4242424242)")); !locked)
            return locked;
        const int current = userVersion();
        if (current > Migrations::latestVersion()) {
            return Errors::storage(QStringLiteral("%1 has schema version %2, newer than this program understands "
                                                  "(%3). Use a newer Alfe Console.")
                                       .arg(m_display)
                                       .arg(current)
                                       .arg(Migrations::latestVersion()));
        }
        const auto& steps = Migrations::steps(Migrations::Dialect::Postgres);
        for (int version = current; version < targetVersion; ++version) {
            for (const QString& sql : steps.at(version)) {
                if (auto ok = exec(sql); !ok)
                    return ok;
            }
            if (version + 1 == targetVersion || version + 1 == int(steps.size()))
                qCInfo(lcStore) << "migrated" << m_display << "to schema version" << targetVersion;
        }
        if (current >= targetVersion)
            return {};
        return setMeta(QStringLiteral("schema_version"), QByteArray::number(targetVersion));
    });
}

QString Database::sql(const QString& text) const
{
    if (!m_postgres)
        return text;
    static const QRegularExpression indexedBy(QStringLiteral("\\s+INDEXED BY\\s+\\w+"));
    static const QRegularExpression like(QStringLiteral("\\bLIKE\\b"));
    static const QRegularExpression blobLength(QStringLiteral("length\\(CAST\\((\\w+) AS BLOB\\)\\)"));
    QString out = text;
    if (out == QLatin1String("BEGIN IMMEDIATE"))
        return QStringLiteral("BEGIN");
    if (out == QLatin1String("PRAGMA synchronous=NORMAL"))
        return QStringLiteral("SET synchronous_commit TO off");
    if (out == QLatin1String("PRAGMA synchronous=FULL"))
        return QStringLiteral("SET synchronous_commit TO on");
    out.replace(indexedBy, QString());
    out.replace(like, QStringLiteral("ILIKE"));
    out.replace(blobLength, QStringLiteral("octet_length(\\1)"));
    out.replace(QLatin1String(" AS BLOB)"), QLatin1String(" AS BYTEA)"));
    // SQLite's two-argument min() is PostgreSQL's LEAST(); X'' (an empty blob) is decode('', 'hex').
    static const QRegularExpression scalarMin(QStringLiteral("\\bmin\\((\\w+), \\?\\)"));
    out.replace(scalarMin, QStringLiteral("LEAST(\\1, ?)"));
    out.replace(QLatin1String("X''"), QLatin1String("decode('', 'hex')"));
    return out;
}

bool Database::prepare(QSqlQuery& query, const QString& text) const
{
    return query.prepare(sql(text));
}

void Database::close()
{
    m_notifications = -1;
    m_deliveryNotices = -1;
    m_postgres = false;
    m_prepared.clear();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool Database::isOpen() const
{
    return m_db.isOpen();
}

int Database::userVersion() const
{
    QSqlQuery query(m_db);
    if (m_postgres) {
        if (!query.exec(QStringLiteral("SELECT to_regclass('meta') IS NOT NULL")) || !query.next())
            return -1;
        if (!query.value(0).toBool())
            return 0;
        const QByteArray version = meta(QStringLiteral("schema_version"));
        return version.isEmpty() ? 0 : version.toInt();
    }
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return -1;
    return query.value(0).toInt();
}

Result<void> Database::exec(QSqlQuery& query)
{
    if (!query.exec())
        return sqlError(QStringLiteral("run a statement"), query.lastError(), sqliteFile());
    return {};
}

QSqlQuery& Database::prepared(const QString& sql)
{
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) {
        auto query = std::make_shared<QSqlQuery>(m_db);
        query->prepare(this->sql(sql));
        it = m_prepared.insert(sql, query);
    }
    return **it;
}

Result<void> Database::execPrepared(const QString& sql)
{
    // PostgreSQL prepares only queries and DML; BEGIN, SAVEPOINT, SET... run as they are.
    static const QRegularExpression preparable(QStringLiteral("^(SELECT|INSERT|UPDATE|DELETE|WITH)\\b"));
    if (m_postgres && !preparable.match(sql).hasMatch())
        return exec(sql);
    QSqlQuery& query = prepared(sql);
    const bool ok = query.exec();
    query.finish();
    if (!ok)
        return sqlError(QStringLiteral("run \"%1\"").arg(sql.left(60)), query.lastError(), sqliteFile());
    return {};
}

Result<void> Database::exec(const QString& sql)
{
    QSqlQuery query(m_db);
    if (!query.exec(this->sql(sql)))
        return sqlError(QStringLiteral("run \"%1\"").arg(sql.left(60)), query.lastError(), sqliteFile());
    return {};
}

Result<void> Database::migrate(int targetVersion)
{
    const int current = userVersion();
    if (current < 0)
        return Errors::storage(QStringLiteral("%1 is not a readable SQLite database.").arg(m_path));
    if (current > Migrations::latestVersion()) {
        return Errors::storage(QStringLiteral("%1 has schema version %2, newer than this program understands (%3). "
                                              "Use a newer Alfe Console.")
                                   .arg(m_path)
                                   .arg(current)
                                   .arg(Migrations::latestVersion()));
    }
    const auto& steps = Migrations::steps(Migrations::Dialect::Sqlite);
    for (int version = current; version < targetVersion; ++version) {
        auto applied = transaction([&]() -> Result<void> {
            for (const QString& sql : steps.at(version)) {
                if (auto ok = exec(sql); !ok)
                    return ok;
            }
            return exec(QStringLiteral("PRAGMA user_version=%1").arg(version + 1));
        });
        if (!applied)
            return applied;
        qCInfo(lcStore) << "migrated" << m_path << "to schema version" << version + 1;
    }
    return {};
}

QByteArray Database::meta(const QString& key) const
{
    QSqlQuery query(m_db);
    prepare(query, QStringLiteral("SELECT value FROM meta WHERE key = ?"));
    query.addBindValue(key);
    if (!query.exec() || !query.next())
        return {};
    return query.value(0).toByteArray();
}

Result<void> Database::setMeta(const QString& key, const QByteArray& value)
{
    QSqlQuery query(m_db);
    if (value.isEmpty()) {
        query.prepare(QStringLiteral("DELETE FROM meta WHERE key = ?"));
        query.addBindValue(key);
        return exec(query);
    }
    query.prepare(QStringLiteral("INSERT INTO meta (key, value) VALUES (?, ?)"
                                 " ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    query.addBindValue(key);
    query.addBindValue(value);
    return exec(query);
}

} // namespace Alfe
