#pragma once

#include "domain/Result.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>

namespace Alfe {

// One connection (QtSql) to the store: the data directory's SQLite file (WAL, synchronous=FULL, foreign keys,
// schema version in PRAGMA user_version) or a PostgreSQL database shared by several nodes (QPSQL; schema version
// in `meta`, migrations under an advisory lock). The stores write SQLite's SQL; sql() turns what differs into
// PostgreSQL's, so no dialect leaks out of store/. A connection belongs to the thread that opened it.
class Database final
{
public:
    Database();
    ~Database();
    Q_DISABLE_COPY_MOVE(Database)

    // Opens (creating if needed) and migrates to `targetVersion` (default: the latest). A database newer
    // than this program is refused rather than touched. `location`: a file path or a postgresql:// URL
    // (DatabaseLocation).
    Result<void> open(const QString& location, int targetVersion = -1);
    void close();
    bool isOpen() const;

    QString path() const { return m_path; }
    bool isPostgres() const { return m_postgres; }
    // The location for messages: the file, or the URL without a password.
    QString displayName() const { return m_display; }
    int userVersion() const;
    QSqlDatabase& connection() { return m_db; }

    // Changes whenever another connection (of this or any process) may have changed webhooks or agents since
    // this connection last asked: SQLite's PRAGMA data_version; on PostgreSQL the count of `alfe_changes`
    // notifications this connection received (-1, "ask the table", when it cannot listen). No table is read.
    qint64 dataVersion();
    // PostgreSQL: how many transactions that stored deliveries (any node's) this connection heard of; -1 on SQLite,
    // where one process writes and tells its queue itself.
    qint64 deliveryNotices() const { return m_deliveryNotices; }

    // This connection's SQL for SQLite-dialect `sql`: unchanged on SQLite; on PostgreSQL without INDEXED BY,
    // with BEGIN for BEGIN IMMEDIATE, ILIKE for LIKE (SQLite's LIKE ignores ASCII case), byte lengths of text.
    QString sql(const QString& sql) const;
    // q.prepare(sql(text)).
    bool prepare(QSqlQuery& query, const QString& text) const;

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
    Result<void> openPostgres(const struct DatabaseLocation& at);
    Result<void> migratePostgres(int targetVersion);
    // For telling a full disk apart: the SQLite file, empty on PostgreSQL.
    QString sqliteFile() const { return m_postgres ? QString() : m_db.databaseName(); }

    QString m_connectionName;
    QString m_path;
    QString m_display;
    bool m_postgres = false;
    qint64 m_notifications = -1;   // PostgreSQL: alfe_changes notifications received, -1 when not listening
    qint64 m_deliveryNotices = -1; // PostgreSQL: alfe_deliveries notifications received
    QSqlDatabase m_db;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_prepared;
};

} // namespace Alfe
