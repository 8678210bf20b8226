#include "store/StoreCopy.h"

#include "store/Database.h"

#include <QElapsedTimer>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>

#include <optional>

namespace Alfe::StoreCopy {

namespace {
// The rows of every table but meta, in an order their foreign keys accept.
const QStringList RowTables{
    QStringLiteral("agents"),
    QStringLiteral("agent_tokens"),
    QStringLiteral("webhooks"),
    QStringLiteral("secret_versions"),
    QStringLiteral("provider_secret_versions"),
    QStringLiteral("deliveries"),
    QStringLiteral("attempts"),
    QStringLiteral("refused_requests"),
    QStringLiteral("admin_tokens"),
};

// Each table read in its key's order: deliveries by id, so that an original (duplicate_of) comes before its
// duplicates, and the target's indexes fill in order.
QString orderOf(const QString& table)
{
    if (table == QLatin1String("agent_tokens"))
        return QStringLiteral("token_sha256");
    if (table == QLatin1String("secret_versions") || table == QLatin1String("provider_secret_versions"))
        return QStringLiteral("webhook_id, version");
    if (table == QLatin1String("attempts"))
        return QStringLiteral("delivery_id, n");
    return QStringLiteral("id");
}

// Meta that belongs to one node or to the schema, not to the data: the running ingress's URLs and certificate
// (per node on PostgreSQL: "key:node_…"), and PostgreSQL's schema version.
bool isNodeLocalMeta(const QString& key)
{
    return key == QLatin1String("schema_version") || key.startsWith(QLatin1String("ingress_")) ||
           key.contains(QLatin1Char(':'));
}

Error sqlError(const QSqlQuery& query, const QString& what)
{
    return Errors::storage(QStringLiteral("%1: %2").arg(what, query.lastError().text()));
}

enum class Kind
{
    Text,
    Bytes,
    Integer,
    Other
};

struct Column
{
    QString name;
    Kind kind = Kind::Other;
};

Result<QStringList> sqliteColumns(QSqlDatabase& db, const QString& table)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA table_info(%1)").arg(table)))
        return sqlError(query, QStringLiteral("Reading the columns of %1 in the source").arg(table));
    QStringList names;
    while (query.next())
        names << query.value(1).toString();
    if (names.isEmpty())
        return Errors::storage(QStringLiteral("The source has no table %1.").arg(table));
    return names;
}

Result<QList<Column>> postgresColumns(QSqlDatabase& db, const QString& table)
{
    QSqlQuery query(db);
    query.prepare(
        QStringLiteral("SELECT column_name, data_type FROM information_schema.columns"
                       " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"));
    query.addBindValue(table);
    if (!query.exec())
        return sqlError(query, QStringLiteral("Reading the columns of %1 in the target").arg(table));
    QList<Column> columns;
    while (query.next()) {
        const QString type = query.value(1).toString();
        Kind kind = Kind::Other;
        if (type == QLatin1String("bytea"))
            kind = Kind::Bytes;
        else if (type == QLatin1String("text") || type.startsWith(QLatin1String("character")))
            kind = Kind::Text;
        else if (type == QLatin1String("bigint") || type == QLatin1String("integer") ||
                 type == QLatin1String("smallint"))
            kind = Kind::Integer;
        columns << Column{query.value(0).toString(), kind};
    }
    if (columns.isEmpty())
        return Errors::storage(QStringLiteral("The target has no table %1.").arg(table));
    return columns;
}

// The columns both sides have, in the target's order. A source column the target lacks would lose data: refused.
Result<QList<Column>> sharedColumns(Database& source, Database& target, const QString& table)
{
    auto from = sqliteColumns(source.connection(), table);
    if (!from)
        return from.error();
    auto to = postgresColumns(target.connection(), table);
    if (!to)
        return to.error();
    QList<Column> shared;
    QStringList missing;
    for (const QString& name : from.value()) {
        auto it = std::find_if(to->cbegin(), to->cend(), [&](const Column& c) { return c.name == name; });
        if (it == to->cend())
            missing << name;
        else
            shared << *it;
    }
    if (!missing.isEmpty()) {
        return Errors::storage(QStringLiteral("The target's table %1 has no column %2: its schema does not match the "
                                              "source's.")
                                   .arg(table, missing.join(u", ")));
    }
    return shared;
}

// A value read from SQLite as the target column's type wants it. NULL stays NULL (typed).
Result<QVariant> convert(const QVariant& value, const Column& column, qint64* bytes)
{
    switch (column.kind) {
    case Kind::Bytes: {
        if (value.isNull())
            return QVariant(QMetaType::fromType<QByteArray>());
        QByteArray data = value.typeId() == QMetaType::QString ? value.toString().toUtf8() : value.toByteArray();
        if (data.isNull())
            data = QByteArray("");
        *bytes += data.size();
        return QVariant(data);
    }
    case Kind::Text: {
        if (value.isNull())
            return QVariant(QMetaType::fromType<QString>());
        QString text =
            value.typeId() == QMetaType::QByteArray ? QString::fromUtf8(value.toByteArray()) : value.toString();
        if (text.isNull())
            text = QStringLiteral("");
        *bytes += text.size();
        return QVariant(text);
    }
    case Kind::Integer: {
        if (value.isNull())
            return QVariant(QMetaType::fromType<qlonglong>());
        bool ok = false;
        const qlonglong number = value.toLongLong(&ok);
        if (!ok)
            return Errors::storage(QStringLiteral("Column %1 holds \"%2\", not a whole number.")
                                       .arg(column.name, value.toString().left(40)));
        return QVariant(number);
    }
    case Kind::Other:
        break;
    }
    return value;
}

// Multi-row INSERTs into one table of the target: a statement of `batchRows` rows prepared once and reused, and
// one of the rest at the end (or when a batch reaches its byte limit early).
class BatchWriter final
{
public:
    BatchWriter(QSqlDatabase& db, QString table, QList<Column> columns, const Options& options)
        : m_db(db)
        , m_table(std::move(table))
        , m_columns(std::move(columns))
        , m_options(options)
    {}

    Result<void> add(const QList<QVariant>& row, qint64 rowBytes)
    {
        m_values += row;
        ++m_rows;
        m_bytes += rowBytes;
        if (m_rows >= m_options.batchRows || m_bytes >= m_options.batchBytes)
            return flush();
        return {};
    }

    Result<void> flush()
    {
        if (m_rows == 0)
            return {};
        QSqlQuery* query = nullptr;
        std::optional<QSqlQuery> once;
        if (m_rows == m_options.batchRows) {
            if (!m_full) {
                m_full.emplace(m_db);
                if (!m_full->prepare(insertSql(m_rows)))
                    return sqlError(*m_full, QStringLiteral("Preparing the copy of %1").arg(m_table));
            }
            query = &*m_full;
        } else {
            once.emplace(m_db);
            if (!once->prepare(insertSql(m_rows)))
                return sqlError(*once, QStringLiteral("Preparing the copy of %1").arg(m_table));
            query = &*once;
        }
        for (qsizetype i = 0; i < m_values.size(); ++i)
            query->bindValue(int(i), m_values.at(i));
        if (!query->exec())
            return sqlError(*query, QStringLiteral("Copying %1").arg(m_table));
        query->finish();
        m_values.clear();
        m_rows = 0;
        m_bytes = 0;
        return {};
    }

private:
    QString insertSql(int rows) const
    {
        QStringList names;
        for (const Column& column : m_columns)
            names << column.name;
        const QString one =
            QLatin1Char('(') + QStringList(m_columns.size(), QStringLiteral("?")).join(u',') + QLatin1Char(')');
        return QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
            .arg(m_table, names.join(u", "), QStringList(rows, one).join(u','));
    }

    QSqlDatabase& m_db;
    QString m_table;
    QList<Column> m_columns;
    const Options& m_options;
    std::optional<QSqlQuery> m_full;
    QList<QVariant> m_values;
    int m_rows = 0;
    qint64 m_bytes = 0;
};

Result<qint64> count(QSqlDatabase& db, const QString& table)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT count(*) FROM %1").arg(table)) || !query.next())
        return sqlError(query, QStringLiteral("Counting the rows of %1").arg(table));
    return query.value(0).toLongLong();
}

// Refuses a target holding any row of the copied tables: nothing is merged, nothing removed.
Result<void> requireEmpty(Database& target)
{
    QStringList held;
    for (const QString& table : RowTables) {
        auto rows = count(target.connection(), table);
        if (!rows)
            return rows.error();
        if (rows.value() > 0)
            held << QStringLiteral("%1: %2").arg(table).arg(rows.value());
    }
    if (held.isEmpty())
        return {};
    return Error{QStringLiteral("conflict"),
                 QStringLiteral("The target database %1 already holds data (%2); alfe migrate copies only into an "
                                "empty store and never merges or deletes. Migrate into a new database (createdb), "
                                "or empty this one yourself if it is disposable.")
                     .arg(target.displayName(), held.join(u", "))};
}

struct TableCopy
{
    qint64 rows = 0;
    qint64 bytes = 0;
};

Result<TableCopy> copyTable(Database& source, Database& target, const QString& table, qint64 total,
                            const Options& options)
{
    auto columns = sharedColumns(source, target, table);
    if (!columns)
        return columns.error();
    QStringList names;
    for (const Column& column : columns.value())
        names << column.name;
    QSqlQuery read(source.connection());
    read.setForwardOnly(true);
    if (!read.exec(QStringLiteral("SELECT %1 FROM %2 ORDER BY %3").arg(names.join(u", "), table, orderOf(table))))
        return sqlError(read, QStringLiteral("Reading %1 from the source").arg(table));

    const bool deliveries = table == QLatin1String("deliveries");
    const qsizetype idAt = names.indexOf(QStringLiteral("id"));
    const qsizetype duplicateAt = names.indexOf(QStringLiteral("duplicate_of"));
    QList<QPair<QString, QString>> laterDuplicates; // (id, duplicate_of) whose original comes later in id order

    BatchWriter writer(target.connection(), table, columns.value(), options);
    TableCopy copied;
    QList<QVariant> row;
    while (read.next()) {
        row.clear();
        qint64 rowBytes = 0;
        for (qsizetype c = 0; c < columns->size(); ++c) {
            auto value = convert(read.value(int(c)), columns->at(c), &rowBytes);
            if (!value) {
                return Errors::storage(
                    QStringLiteral("Row %1 of %2: %3").arg(copied.rows + 1).arg(table, value.error().message));
            }
            row << value.value();
        }
        if (deliveries && idAt >= 0 && duplicateAt >= 0 && !row.at(duplicateAt).isNull()) {
            const QString id = row.at(idAt).toString();
            const QString original = row.at(duplicateAt).toString();
            if (original >= id) {
                laterDuplicates.append({id, original});
                row[duplicateAt] = QVariant(QMetaType::fromType<QString>());
            }
        }
        if (auto added = writer.add(row, rowBytes); !added)
            return added.error();
        ++copied.rows;
        copied.bytes += rowBytes;
        if (options.progress && copied.rows % options.batchRows == 0)
            options.progress(table, copied.rows, total);
    }
    if (read.lastError().isValid())
        return sqlError(read, QStringLiteral("Reading %1 from the source").arg(table));
    if (auto flushed = writer.flush(); !flushed)
        return flushed.error();
    if (options.progress)
        options.progress(table, copied.rows, total);

    QSqlQuery link(target.connection());
    link.prepare(QStringLiteral("UPDATE deliveries SET duplicate_of = ? WHERE id = ?"));
    for (const auto& [id, original] : std::as_const(laterDuplicates)) {
        link.addBindValue(original);
        link.addBindValue(id);
        if (!link.exec())
            return sqlError(link, QStringLiteral("Linking duplicate %1 to %2").arg(id, original));
    }
    return copied;
}

// Meta that is not node-local; written over what the target has (its master key binding, if a node ever opened
// it: the target holds no sealed row, requireEmpty() made sure). Returns the keys copied.
Result<QStringList> copyMeta(Database& source, Database& target)
{
    QSqlQuery read(source.connection());
    if (!read.exec(QStringLiteral("SELECT key, value FROM meta ORDER BY key")))
        return sqlError(read, QStringLiteral("Reading meta from the source"));
    QSqlQuery write(target.connection());
    write.prepare(QStringLiteral(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"));
    QStringList keys;
    while (read.next()) {
        const QString key = read.value(0).toString();
        if (isNodeLocalMeta(key))
            continue;
        const QVariant value = read.value(1);
        write.addBindValue(key);
        write.addBindValue(value.typeId() == QMetaType::QString ? value.toString().toUtf8() : value.toByteArray());
        if (!write.exec())
            return sqlError(write, QStringLiteral("Copying meta %1").arg(key));
        keys << key;
    }
    return keys;
}

Result<qint64> countMeta(QSqlDatabase& db, const QStringList& keys)
{
    qint64 found = 0;
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT count(*) FROM meta WHERE key = ?"));
    for (const QString& key : keys) {
        query.addBindValue(key);
        if (!query.exec() || !query.next())
            return sqlError(query, QStringLiteral("Counting meta"));
        found += query.value(0).toLongLong();
    }
    return found;
}

// Identity and serial columns continue after the highest id the source ever gave out (SQLite's AUTOINCREMENT
// remembers ids of deleted rows in sqlite_sequence), so new rows never take an old id.
Result<void> advanceSequences(Database& source, Database& target)
{
    QSqlQuery columns(target.connection());
    if (!columns.exec(QStringLiteral("SELECT table_name, column_name FROM information_schema.columns"
                                     " WHERE table_schema = current_schema() AND (is_identity = 'YES'"
                                     " OR column_default LIKE 'nextval(%')")))
        return sqlError(columns, QStringLiteral("Reading the target's identity columns"));
    while (columns.next()) {
        const QString table = columns.value(0).toString();
        const QString column = columns.value(1).toString();
        if (!RowTables.contains(table))
            continue;
        qint64 used = 0;
        QSqlQuery sequence(source.connection());
        sequence.prepare(QStringLiteral("SELECT seq FROM sqlite_sequence WHERE name = ?"));
        sequence.addBindValue(table);
        if (sequence.exec() && sequence.next())
            used = sequence.value(0).toLongLong();
        QSqlQuery advance(target.connection());
        advance.prepare(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', '%2'),"
                                       " GREATEST(?, (SELECT COALESCE(max(%2), 0) FROM %1), 1),"
                                       " GREATEST(?, (SELECT COALESCE(max(%2), 0) FROM %1)) > 0)")
                            .arg(table, column));
        advance.addBindValue(used);
        advance.addBindValue(used);
        if (!advance.exec())
            return sqlError(advance, QStringLiteral("Advancing the sequence of %1.%2").arg(table, column));
    }
    return {};
}

// The change counters (webhook_changes, agent_changes): their row is there and has moved, so a node that cached
// agents or webhooks of the (empty) target reloads them.
Result<void> bumpChangeCounters(Database& target)
{
    for (const char* counter : {"webhook_changes", "agent_changes"}) {
        QSqlQuery query(target.connection());
        if (!query.exec(QStringLiteral("INSERT INTO %1 (id, generation) VALUES (1, 1) ON CONFLICT (id) DO UPDATE"
                                       " SET generation = %1.generation + 1")
                            .arg(QLatin1String(counter))))
            return sqlError(query, QStringLiteral("Moving %1").arg(QLatin1String(counter)));
    }
    return {};
}

Result<void> run(QSqlDatabase& db, const QString& sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return sqlError(query, sql.section(QLatin1Char(' '), 0, 1));
    return {};
}
} // namespace

bool Report::countsMatch() const
{
    return std::all_of(tables.cbegin(), tables.cend(), [](const TableCount& t) { return t.source == t.target; });
}

QStringList tables()
{
    return RowTables + QStringList{QStringLiteral("meta")};
}

Result<void> probeSqliteStore(const QString& file)
{
    const QString name = QStringLiteral("alfe-probe-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    Result<void> result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(file);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (!db.open()) {
            result = Errors::invalid(
                QStringLiteral("%1 cannot be opened as an SQLite database: %2").arg(file, db.lastError().text()));
        } else {
            QSqlQuery query(db);
            if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
                result = Errors::invalid(
                    QStringLiteral("%1 is not an SQLite database (%2).").arg(file, query.lastError().text()));
            } else if (query.value(0).toInt() < 1) {
                result = Errors::invalid(QStringLiteral("%1 is an SQLite database but not an Alfe store.").arg(file));
            }
            query.finish();
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

Result<Report> copy(Database& source, Database& target, const Options& options)
{
    if (source.isPostgres() || !target.isPostgres())
        return Errors::invalid(QStringLiteral("alfe migrate copies an SQLite store into a PostgreSQL one."));
    if (source.userVersion() != target.userVersion()) {
        return Errors::storage(QStringLiteral("The source is at schema version %1 and the target at %2.")
                                   .arg(source.userVersion())
                                   .arg(target.userVersion()));
    }
    QElapsedTimer timer;
    timer.start();

    // One read transaction on SQLite: every table as of the same moment, whatever else writes meanwhile.
    if (auto begun = run(source.connection(), QStringLiteral("BEGIN")); !begun)
        return begun.error();
    if (auto begun = run(target.connection(), QStringLiteral("BEGIN")); !begun) {
        run(source.connection(), QStringLiteral("ROLLBACK"));
        return begun.error();
    }
    auto work = [&]() -> Result<Report> {
        if (auto ok = run(target.connection(), QStringLiteral("SET LOCAL lock_timeout = '10s'")); !ok)
            return ok.error();
        // No node writes the tables while they fill (readers go on).
        if (auto locked =
                run(target.connection(), QStringLiteral("LOCK TABLE %1 IN EXCLUSIVE MODE").arg(tables().join(u", ")));
            !locked) {
            return Errors::busy(QStringLiteral("The target database %1 is busy (another node holds its tables): %2")
                                    .arg(target.displayName(), locked.error().message));
        }
        if (auto empty = requireEmpty(target); !empty)
            return empty.error();
        Report report;
        for (const QString& table : RowTables) {
            auto total = count(source.connection(), table);
            if (!total)
                return total.error();
            auto copied = copyTable(source, target, table, total.value(), options);
            if (!copied)
                return copied.error();
            auto written = count(target.connection(), table);
            if (!written)
                return written.error();
            report.tables << TableCount{table, total.value(), written.value()};
            report.rows += copied->rows;
            report.bytes += copied->bytes;
        }
        auto keys = copyMeta(source, target);
        if (!keys)
            return keys.error();
        auto metaCount = countMeta(target.connection(), keys.value());
        if (!metaCount)
            return metaCount.error();
        report.tables << TableCount{QStringLiteral("meta"), keys->size(), metaCount.value()};
        if (auto ok = advanceSequences(source, target); !ok)
            return ok.error();
        if (auto ok = bumpChangeCounters(target); !ok)
            return ok.error();
        return report;
    };
    Result<Report> report = work();
    run(source.connection(), QStringLiteral("ROLLBACK"));
    if (!report || !report->countsMatch()) {
        run(target.connection(), QStringLiteral("ROLLBACK"));
        if (report)
            report->elapsedMs = timer.elapsed();
        return report;
    }
    if (auto committed = run(target.connection(), QStringLiteral("COMMIT")); !committed)
        return committed.error();
    report->elapsedMs = timer.elapsed();
    return report;
}

} // namespace Alfe::StoreCopy
