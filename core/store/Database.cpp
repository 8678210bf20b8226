#include "store/Database.h"

#include "domain/Logging.h"
#include "store/Migrations.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
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
    QSqlQuery& q = prepared(QStringLiteral("PRAGMA data_version"));
    const qint64 version = q.exec() && q.next() ? q.value(0).toLongLong() : -1;
    q.finish();
    return version;
}

Result<void> Database::open(const QString& path, int targetVersion)
{
    close();
    m_path = path;
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

void Database::close()
{
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
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return -1;
    return query.value(0).toInt();
}

Result<void> Database::exec(QSqlQuery& query)
{
    if (!query.exec())
        return sqlError(QStringLiteral("run a statement"), query.lastError(), m_db.databaseName());
    return {};
}

QSqlQuery& Database::prepared(const QString& sql)
{
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) {
        auto query = std::make_shared<QSqlQuery>(m_db);
        query->prepare(sql);
        it = m_prepared.insert(sql, query);
    }
    return **it;
}

Result<void> Database::execPrepared(const QString& sql)
{
    QSqlQuery& query = prepared(sql);
    const bool ok = query.exec();
    query.finish();
    if (!ok)
        return sqlError(QStringLiteral("run \"%1\"").arg(sql.left(60)), query.lastError(), m_db.databaseName());
    return {};
}

Result<void> Database::exec(const QString& sql)
{
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        return sqlError(QStringLiteral("run \"%1\"").arg(sql.left(60)), query.lastError(), m_db.databaseName());
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
    const auto& steps = Migrations::steps();
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
    query.prepare(QStringLiteral("SELECT value FROM meta WHERE key = ?"));
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
