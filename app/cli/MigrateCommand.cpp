// alfe migrate --from DATA_DIR --to postgresql://…: the embedded store into an empty PostgreSQL database.
#include "CliContext.h"
#include "Commands.h"
#include "store/DataDirLock.h"
#include "store/Database.h"
#include "store/DatabaseLocation.h"
#include "store/StoreCopy.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <unistd.h>

namespace Alfe::Cli {

namespace {
CommandSpec migrateSpec()
{
    CommandSpec spec;
    spec.description = QStringLiteral(
        "Copy an embedded installation (the data directory's SQLite store: agents, tokens, webhooks and their sealed "
        "secrets, deliveries with headers and bodies, attempts, refused requests, admin tokens) into an empty "
        "PostgreSQL database, in one transaction, then compare the row counts of every table.\n\n"
        "Secrets are copied sealed, never decrypted: the copy opens with the same master key (the same --key-file, "
        "or the same keychain entry). The source is only read; stop 'alfe serve' on it first.");
    spec.dataDir = false;
    spec.keyFile = true;
    spec.options << QCommandLineOption(QStringLiteral("from"),
                                       QStringLiteral("The data directory to copy (it holds alfe.sqlite); "
                                                      "--data-dir says the same."),
                                       QStringLiteral("DIR"))
                 << CliContext::dataDirOption()
                 << QCommandLineOption(QStringLiteral("to"),
                                       QStringLiteral("The empty PostgreSQL database, "
                                                      "postgresql://user@host:port/dbname; migrated to the "
                                                      "current schema first."),
                                       QStringLiteral("URL"));
    return spec;
}

// "1,234" with thousands separators (QLocale::c() has none).
QString grouped(qint64 value)
{
    QString digits = QString::number(value);
    for (qsizetype at = digits.size() - 3; at > (digits.startsWith(QLatin1Char('-')) ? 1 : 0); at -= 3)
        digits.insert(at, QLatin1Char(','));
    return digits;
}

void progressLine(const QString& table, qint64 copied, qint64 total)
{
    const QByteArray line =
        QStringLiteral("\rcopying %1: %2 of %3   ").arg(table, grouped(copied), grouped(total)).toUtf8();
    [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.constData(), size_t(line.size()));
}

int report(CliContext& context, const StoreCopy::Report& copied, const Database& target, const QString& keyId,
           const QString& keyFile)
{
    const double seconds = qMax<qint64>(copied.elapsedMs, 1) / 1000.0;
    const qint64 rate = qint64(copied.rows / seconds);
    if (context.json()) {
        QJsonArray tables;
        for (const StoreCopy::TableCount& count : copied.tables) {
            tables.append(QJsonObject{{QStringLiteral("table"), count.table},
                                      {QStringLiteral("source"), count.source},
                                      {QStringLiteral("target"), count.target},
                                      {QStringLiteral("match"), count.source == count.target}});
        }
        CliContext::outJson(QJsonObject{{QStringLiteral("to"), target.displayName()},
                                        {QStringLiteral("tables"), tables},
                                        {QStringLiteral("countsMatch"), copied.countsMatch()},
                                        {QStringLiteral("rows"), copied.rows},
                                        {QStringLiteral("bytes"), copied.bytes},
                                        {QStringLiteral("elapsedMs"), copied.elapsedMs},
                                        {QStringLiteral("masterKeyId"), keyId}});
    } else {
        QList<QStringList> rows;
        for (const StoreCopy::TableCount& count : copied.tables) {
            rows << QStringList{count.table, grouped(count.source), grouped(count.target),
                                count.source == count.target ? QStringLiteral("ok") : QStringLiteral("DIFFERS")};
        }
        QString text = CliContext::table(
            {QStringLiteral("TABLE"), QStringLiteral("SOURCE"), QStringLiteral("TARGET"), QStringLiteral("CHECK")},
            rows);
        if (copied.countsMatch()) {
            text += QStringLiteral("\nCopied %1 rows (%2 MiB of values) in %3 s (%4 rows/s) into %5.\n")
                        .arg(grouped(copied.rows))
                        .arg(copied.bytes / (1024.0 * 1024.0), 0, 'f', 1)
                        .arg(seconds, 0, 'f', 1)
                        .arg(grouped(rate))
                        .arg(target.displayName());
            text += QStringLiteral(
                        "\nSecrets were copied sealed, never decrypted: the master key stays where it is. Run every "
                        "node with the same key: the same --key-file, or the system keychain entry "
                        "\"master-key-%1\" (copy the key to each node). Then, for example:\n"
                        "  alfe serve --database %2%3\n"
                        "or set store/database in each node's alfe.ini. Node settings (alfe.ini) were not copied; "
                        "the data directory is unchanged.\n")
                        .arg(keyId, target.displayName(),
                             keyFile.isEmpty() ? QString() : QStringLiteral(" --key-file ") + keyFile);
        }
        CliContext::out(text.toUtf8());
    }
    if (!copied.countsMatch()) {
        return CliContext::error(QStringLiteral("The row counts differ (see the table); nothing was committed to %1.")
                                     .arg(target.displayName()));
    }
    return ExitOk;
}
} // namespace

int runMigrate(CliContext& context)
{
    if (auto done = context.parse(1, migrateSpec()))
        return *done;
    const QString fromOption =
        context.isSet(QStringLiteral("from")) ? QStringLiteral("from") : QStringLiteral("data-dir");
    if (!context.isSet(fromOption) || !context.isSet(QStringLiteral("to")))
        return CliContext::usageError(
            QStringLiteral("migrate needs --from DIR and --to postgresql://… (see 'alfe migrate --help')."));
    const QString to = context.value(QStringLiteral("to"));
    if (!DatabaseLocation::isUrl(to)) {
        return CliContext::usageError(
            QStringLiteral("--to must be a PostgreSQL URL, postgresql://user@host:port/dbname; got \"%1\".").arg(to));
    }
    if (auto at = DatabaseLocation::parse(to); !at)
        return CliContext::usageError(QStringLiteral("--to: %1").arg(at.error().message));

    const QString from = QDir(context.value(fromOption)).absolutePath();
    if (!QFileInfo(from).isDir())
        return CliContext::usageError(QStringLiteral("--from %1: no such directory.").arg(from));
    const QString file = QDir(from).filePath(QStringLiteral("alfe.sqlite"));
    if (!QFileInfo::exists(file)) {
        return CliContext::usageError(
            QStringLiteral("--from %1 is not an Alfe data directory (it has no alfe.sqlite).").arg(from));
    }
    // Held until the copy is done: no `alfe serve` (or other engine) writes the source meanwhile.
    DataDirLock lock;
    if (auto locked = lock.acquire(from); !locked) {
        return CliContext::error(
            QStringLiteral("%1 Stop 'alfe serve' on it first: alfe migrate copies a store that nobody writes.")
                .arg(locked.error().message));
    }
    if (auto probed = StoreCopy::probeSqliteStore(file); !probed)
        return CliContext::usageError(
            QStringLiteral("--from %1 is not an Alfe data directory: %2").arg(from, probed.error().message));

    Database source;
    if (auto opened = source.open(file); !opened)
        return CliContext::fail(opened.error());
    Database target;
    if (auto opened = target.open(to); !opened)
        return CliContext::fail(opened.error());

    StoreCopy::Options options;
    if (!context.json() && ::isatty(STDERR_FILENO))
        options.progress = progressLine;
    auto copied = StoreCopy::copy(source, target, options);
    if (options.progress) {
        const QByteArray clear = "\r" + QByteArray(72, ' ') + "\r";
        [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, clear.constData(), size_t(clear.size()));
    }
    if (!copied)
        return CliContext::fail(copied.error());
    const QString keyFile = context.isSet(QStringLiteral("key-file"))
                                ? QDir(context.value(QStringLiteral("key-file"))).absolutePath()
                                : QString();
    return report(context, copied.value(), target, QString::fromLatin1(source.meta(QStringLiteral("master_key_id"))),
                  keyFile);
}

} // namespace Alfe::Cli
