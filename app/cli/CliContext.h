#pragma once

#include <functional>

#include "domain/Result.h"

#include <QByteArray>
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace Alfe {
class Engine;
}

namespace Alfe::Cli {

enum ExitCode
{
    ExitOk = 0,
    ExitFailure = 1,
    ExitUsage = 2,
};

// One subcommand as `--help` describes it and the parser checks it.
struct CommandSpec
{
    QString description;
    QString arguments;                 // usage syntax of the positional arguments, e.g. "NAME"
    QList<QCommandLineOption> options; // besides --help, --data-dir and --json (added by parse())
    int minArguments = 0;
    int maxArguments = 0;
    bool dataDir = true;  // --data-dir
    bool json = true;     // --json
    bool keyFile = false; // --key-file
};

class CliContext;

// A command group's entry: its name and line in --help, and what runs it (empty for top-level entries,
// which main.cpp dispatches itself).
struct SubcommandHelp
{
    QString name;
    QString summary;
    std::function<int(CliContext&)> run;
};

// What every command shares: its words ("agent add"), parsing, the engine, and output. Errors are one
// line on stderr ("alfe: <message>"); normal output goes straight to stdout in one write (no stdio
// buffer keeps a copy of a secret).
class CliContext final
{
public:
    explicit CliContext(QStringList arguments);
    ~CliContext();
    Q_DISABLE_COPY_MOVE(CliContext)

    // The command words: positional arguments before any other positional, with options skipped.
    QStringList words() const { return m_words; }
    // Whether the raw arguments ask for help (before any subcommand is known).
    bool helpRequested() const;
    bool versionRequested() const;

    // Parses the arguments for the subcommand named by the first `depth` words. Returns an exit code when
    // the command is done already (help shown: 0; usage error: 2).
    std::optional<int> parse(int depth, const CommandSpec& spec);
    // The positional arguments after the command words.
    QStringList arguments() const { return m_arguments; }
    bool isSet(const QString& option) const;
    QString value(const QString& option) const;
    bool json() const;

    // Opens the data directory and unlocks it with the master key. exclusive = false opens beside a
    // running `alfe serve` (admin commands).
    Result<void> openEngine(bool exclusive);
    Engine& engine() { return *m_engine; }
    QString dataDir() const;

    // Prints the help of a command group and its subcommands.
    int groupHelp(int depth, const QString& description, const QList<SubcommandHelp>& subcommands) const;
    // A missing or unknown subcommand of a group: a usage error.
    int unknownSubcommand(int depth, const QList<SubcommandHelp>& subcommands) const;
    // Runs the subcommand named by the word at `depth`, or prints the group's help, or the usage error.
    int dispatch(int depth, const QString& description, const QList<SubcommandHelp>& subcommands);

    // --- output ---
    static void out(const QByteArray& bytes);
    static void outLine(const QString& line);
    static void outJson(const QJsonValue& value);
    // Writes `text` (UTF-8) with each placeholder replaced by its secret, then cleanses the buffer and the
    // secrets. Placeholders come from secretPlaceholder().
    static void outWithSecrets(const QString& text, const QList<QPair<QString, QByteArray*>>& secrets);
    // A token that cannot occur in user data (random), to stand in for a secret until outWithSecrets().
    static QString secretPlaceholder();

    // An aligned table, or "(none)" without rows.
    static QString table(const QStringList& headers, const QList<QStringList>& rows);
    // "key: value" lines with the values aligned.
    static QString fields(const QList<QPair<QString, QString>>& fields);
    static QString localTime(qint64 ms);
    static QString localTime(const std::optional<qint64>& ms);

    // --- errors ---
    // "alfe: <message>" on stderr; returns `code`.
    static int error(const QString& message, int code = ExitFailure);
    static int usageError(const QString& message) { return error(message, ExitUsage); }
    // A core failure: invalid_argument is a usage error (2), everything else a failure (1).
    static int fail(const Error& error);

    // Parses a non-negative integer option in [min, max]; a usage error message otherwise.
    Result<qint64> integer(const QString& option, qint64 min, qint64 max) const;

    // The common options.
    static QCommandLineOption dataDirOption();
    static QCommandLineOption keyFileOption();
    static QCommandLineOption databaseOption();
    static QCommandLineOption jsonOption();
    static QCommandLineOption helpOption();

private:
    QString commandName(int depth) const;

    QStringList m_raw;
    QStringList m_words;
    QStringList m_arguments;
    std::unique_ptr<QCommandLineParser> m_parser;
    std::unique_ptr<Engine> m_engine;
};

} // namespace Alfe::Cli
