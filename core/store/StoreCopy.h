#pragma once

#include "domain/Result.h"

#include <QList>
#include <QString>

#include <functional>

namespace Alfe {

class Database;

// `alfe migrate`: copies an embedded store (the data directory's SQLite file) into an empty PostgreSQL store of
// the same schema version, all or nothing. Every table of user data goes over row by row, by column name (BLOB to
// BYTEA, INTEGER to BIGINT), sealed secrets as the sealed bytes they are: nothing is decrypted, and the meta keys
// that name and check the master key go with them, so the same key (key file or keychain entry) opens the copy.
// Node-local meta (a running ingress's URLs and certificate) and the schema version stay behind.
namespace StoreCopy {

struct TableCount
{
    QString table;
    qint64 source = 0;
    qint64 target = 0;
};

struct Report
{
    QList<TableCount> tables; // in copy order; meta counts only the keys copied
    qint64 rows = 0;          // rows written
    qint64 bytes = 0;         // bytes of blob and text values written
    qint64 elapsedMs = 0;
    bool countsMatch() const;
};

struct Options
{
    int batchRows = 500;                 // rows per multi-row INSERT
    qint64 batchBytes = 8 * 1024 * 1024; // a batch ends early past this many bytes of values
    // Called after each batch: the table and the rows of it copied so far.
    std::function<void(const QString& table, qint64 copied, qint64 total)> progress;
};

// Whether `file` is an SQLite store of Alfe (schema version 1 or later), looked at read-only: nothing is created
// or migrated. An error says what it is instead.
Result<void> probeSqliteStore(const QString& file);

// The user-data tables of the store, in an order that satisfies their foreign keys.
QStringList tables();

// Copies `source` (SQLite, read in one read transaction: a consistent snapshot) into `target` (PostgreSQL) in one
// transaction. Refuses a target that holds rows in any of tables() (nothing is merged or removed). The counts of
// every table are compared inside the transaction; a difference rolls it back (the report says where, and the
// result is an error only for failures: check Report::countsMatch()). After the rows, the identity of
// refused_requests is advanced past every id the source used, and the change counters have moved, so that
// running nodes reload agents and webhooks.
Result<Report> copy(Database& source, Database& target, const Options& options = {});

} // namespace StoreCopy
} // namespace Alfe
