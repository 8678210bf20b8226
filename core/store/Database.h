#pragma once

#include "domain/Result.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>

namespace Alfe {

// One SQLite connection (QtSql) to the data directory's database: WAL, synchronous=FULL, foreign keys,
// schema migrations keyed by PRAGMA user_version. A connection belongs to the thread that opened it.
class Database final
{
public:
    Database();
    ~Database();
    Q_DISABLE_COPY_MOVE(Database)

    // Opens (creating if needed) and migrates to `targetVersion` (default: the latest). A database newer
    // than this program is refused rather than touched.
    Result<void> open(const QString& path, int targetVersion = -1);
    void close();
    bool isOpen() const;

    QString path() const { return m_path; }
    int userVersion() const;
    QSqlDatabase& connection() { return m_db; }

    // PRAGMA data_version: changes whenever another connection (of this or any process) committed since
    // this connection last asked. Cheap: no table is read.
    qint64 dataVersion();

    // A statement of constant SQL, prepared once on this connection and reused, so that SQLite parses it once
    // (the writer runs a few per stored delivery). Bind by index, exec, read what it returns, then finish()
    // it, so that it keeps no read snapshot open. Never evicted: only for SQL text that does not vary.
    QSqlQuery& prepared(const QString& sql);
    // Runs constant SQL through prepared() and finishes it.
    Result<void> execPrepared(const QString& sql);

    // Runs a prepared statement, logging and mapping failures to a storage error.
    Result<void> exec(QSqlQuery& query);
    Result<void> exec(const QString& sql);

    // BEGIN IMMEDIATE ... COMMIT; rolled back when `work` fails.
    template <typename F>
    Result<void> transaction(F&& work)
    {
        if (auto begun = execPrepared(QStringLiteral("BEGIN IMMEDIATE")); !begun)
            return begun;
        Result<void> result = work();
        if (result) {
            result = execPrepared(QStringLiteral("COMMIT"));
            if (result)
                return result;
        }
        execPrepared(QStringLiteral("ROLLBACK"));
        return result;
    }

    // SQLite stores a null QString as NULL; NOT NULL text columns get "" instead.
    static QString text(const QString& value) { return value.isNull() ? QStringLiteral("") : value; }

    // Typed access to the small key/value `meta` table; an empty value removes the key.
    QByteArray meta(const QString& key) const;
    Result<void> setMeta(const QString& key, const QByteArray& value);

private:
    Result<void> migrate(int targetVersion);

    QString m_connectionName;
    QString m_path;
    QSqlDatabase m_db;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_prepared;
};

} // namespace Alfe
