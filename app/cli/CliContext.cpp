#include "CliContext.h"

#include "Engine.h"
#include "crypto/Secrets.h"
#include "domain/Random.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <cerrno>
#include <unistd.h>

namespace Alfe::Cli {

namespace {
// Every option of every command that takes a value, so the command words can be found before the
// command (and with it the exact option list) is known. parse() checks each command against it.
const QSet<QString>& valueOptions()
{
    static const QSet<QString> names{
        QStringLiteral("data-dir"),   QStringLiteral("key-file"),   QStringLiteral("forward-to"),
        QStringLiteral("agent"),      QStringLiteral("provider"),   QStringLiteral("description"),
        QStringLiteral("grace"),      QStringLiteral("webhook"),    QStringLiteral("status"),
        QStringLiteral("limit"),      QStringLiteral("cursor"),     QStringLiteral("bind"),
        QStringLiteral("port"),       QStringLiteral("public-url"), QStringLiteral("body-limit"),
        QStringLiteral("rate-limit"), QStringLiteral("file"),       QStringLiteral("url"),
        QStringLiteral("event"),      QStringLiteral("tolerance"),  QStringLiteral("server"),
        QStringLiteral("token-file"), QStringLiteral("window"),     QStringLiteral("token"),
        QStringLiteral("name"),       QStringLiteral("tls-cert"),   QStringLiteral("tls-key"),
        QStringLiteral("ca-file"),    QStringLiteral("database"),   QStringLiteral("from"),
        QStringLiteral("to"),
    };
    return names;
}

void writeAll(int fd, const char* data, qsizetype size)
{
    while (size > 0) {
        const ssize_t written = ::write(fd, data, size_t(size));
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        data += written;
        size -= written;
    }
}

} // namespace

CliContext::CliContext(QStringList arguments)
    : m_raw(std::move(arguments))
{
    bool onlyPositionals = false;
    for (qsizetype i = 1; i < m_raw.size(); ++i) {
        const QString& token = m_raw.at(i);
        if (onlyPositionals || token.size() < 2 || !token.startsWith(QLatin1Char('-'))) {
            m_words << token;
            continue;
        }
        if (token == QLatin1String("--")) {
            onlyPositionals = true;
            continue;
        }
        if (token.startsWith(QLatin1String("--"))) {
            const QString name = token.mid(2).section(QLatin1Char('='), 0, 0);
            if (!token.contains(QLatin1Char('=')) && valueOptions().contains(name))
                ++i; // its value
        }
    }
}

CliContext::~CliContext() = default;

bool CliContext::helpRequested() const
{
    return m_raw.contains(QLatin1String("--help")) || m_raw.contains(QLatin1String("-h"));
}

bool CliContext::versionRequested() const
{
    return m_raw.contains(QLatin1String("--version"));
}

QCommandLineOption CliContext::dataDirOption()
{
    return {QStringLiteral("data-dir"),
            QStringLiteral("Data directory (default: %1).").arg(QDir::toNativeSeparators(Engine::defaultDataDir())),
            QStringLiteral("DIR")};
}

QCommandLineOption CliContext::databaseOption()
{
    return {QStringLiteral("database"),
            QStringLiteral("The store: a postgresql://user@host:port/dbname URL shared by several nodes (default: "
                           "alfe.ini's store/database, else the data directory's SQLite file)."),
            QStringLiteral("URL")};
}

QCommandLineOption CliContext::keyFileOption()
{
    return {QStringLiteral("key-file"),
            QStringLiteral("Keep the master key in FILE (created 0600) instead of the system keychain."),
            QStringLiteral("FILE")};
}

QCommandLineOption CliContext::jsonOption()
{
    return {QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")};
}

QCommandLineOption CliContext::helpOption()
{
    return {{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help.")};
}

QString CliContext::commandName(int depth) const
{
    QStringList name{QStringLiteral("alfe")};
    name << m_words.mid(0, depth);
    return name.join(QLatin1Char(' '));
}

std::optional<int> CliContext::parse(int depth, const CommandSpec& spec)
{
    m_parser = std::make_unique<QCommandLineParser>();
    QCommandLineParser& parser = *m_parser;
    parser.setApplicationDescription(spec.description);
    QList<QCommandLineOption> options = spec.options;
    if (spec.dataDir)
        options << dataDirOption() << databaseOption();
    if (spec.keyFile)
        options << keyFileOption();
    if (spec.json)
        options << jsonOption();
    options << helpOption();
    for (const QCommandLineOption& option : options) {
        Q_ASSERT(option.valueName().isEmpty() != valueOptions().contains(option.names().constLast()));
        parser.addOption(option);
    }

    const bool parsed = parser.parse(m_raw);
    const QString name = commandName(depth);
    if (parser.isSet(QStringLiteral("help"))) {
        QString help = parser.helpText();
        const qsizetype firstLine = help.indexOf(QLatin1Char('\n'));
        QString usage = QStringLiteral("Usage: %1 [options]").arg(name);
        if (!spec.arguments.isEmpty())
            usage += QLatin1Char(' ') + spec.arguments;
        help.replace(0, firstLine, usage);
        out(help.toUtf8());
        return ExitOk;
    }
    if (!parsed) {
        QString problem = parser.errorText();
        if (problem.endsWith(QLatin1Char('.')))
            problem.chop(1);
        return usageError(QStringLiteral("%1 (see '%2 --help').").arg(problem, name));
    }

    const QStringList positional = parser.positionalArguments();
    m_arguments = positional.mid(depth);
    if (m_arguments.size() < spec.minArguments) {
        const QString missing = spec.arguments.section(QLatin1Char(' '), m_arguments.size(), m_arguments.size());
        return usageError(QStringLiteral("%1 needs %2 (see '%3 --help').").arg(name.mid(5), missing, name));
    }
    if (m_arguments.size() > spec.maxArguments) {
        return usageError(QStringLiteral("unexpected argument \"%1\" (see '%2 --help').")
                              .arg(m_arguments.at(spec.maxArguments), name));
    }
    return std::nullopt;
}

bool CliContext::isSet(const QString& option) const
{
    return m_parser && m_parser->isSet(option);
}

QString CliContext::value(const QString& option) const
{
    return m_parser ? m_parser->value(option) : QString();
}

bool CliContext::json() const
{
    return isSet(QStringLiteral("json"));
}

QString CliContext::dataDir() const
{
    return isSet(QStringLiteral("data-dir")) ? value(QStringLiteral("data-dir")) : Engine::defaultDataDir();
}

Result<void> CliContext::openEngine(bool exclusive)
{
    m_engine = std::make_unique<Engine>(
        Engine::Options{dataDir(), value(QStringLiteral("key-file")), exclusive, value(QStringLiteral("database"))});
    return m_engine->openBlocking();
}

int CliContext::groupHelp(int depth, const QString& description, const QList<SubcommandHelp>& subcommands) const
{
    qsizetype width = 0;
    for (const SubcommandHelp& sub : subcommands)
        width = qMax(width, sub.name.size());
    QString text =
        QStringLiteral("Usage: %1 <command> [options]\n%2\n\nCommands:\n").arg(commandName(depth), description);
    for (const SubcommandHelp& sub : subcommands)
        text += QStringLiteral("  %1  %2\n").arg(sub.name.leftJustified(width), sub.summary);
    text += QStringLiteral("\nRun '%1 <command> --help' for the options of a command.\n").arg(commandName(depth));
    out(text.toUtf8());
    return ExitOk;
}

int CliContext::dispatch(int depth, const QString& description, const QList<SubcommandHelp>& subcommands)
{
    const QString word = words().value(depth);
    for (const SubcommandHelp& sub : subcommands) {
        if (sub.run && sub.name == word)
            return sub.run(*this);
    }
    if (helpRequested() && word.isEmpty())
        return groupHelp(depth, description, subcommands);
    return unknownSubcommand(depth, subcommands); // also with --help: a mistyped command is an error (exit 2)
}

int CliContext::unknownSubcommand(int depth, const QList<SubcommandHelp>& subcommands) const
{
    QStringList names;
    for (const SubcommandHelp& sub : subcommands)
        names << sub.name;
    const QString group = m_words.mid(0, depth).join(QLatin1Char(' '));
    const QString what = group.isEmpty() ? QStringLiteral("command") : group + QStringLiteral(" command");
    if (m_words.size() <= depth) {
        return usageError(QStringLiteral("missing %1; use one of: %2 (see '%3 --help').")
                              .arg(what, names.join(u", "), commandName(depth)));
    }
    return usageError(
        QStringLiteral("unknown %1 \"%2\"; use one of: %3.").arg(what, m_words.at(depth), names.join(u", ")));
}

void CliContext::out(const QByteArray& bytes)
{
    writeAll(STDOUT_FILENO, bytes.constData(), bytes.size());
}

void CliContext::outLine(const QString& line)
{
    out(line.toUtf8() + '\n');
}

void CliContext::outJson(const QJsonValue& value)
{
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    out(doc.toJson(QJsonDocument::Indented));
}

QString CliContext::secretPlaceholder()
{
    return QStringLiteral("@@alfe-secret-%1@@").arg(QString::fromLatin1(Random::bytes(12).toHex()));
}

void CliContext::outWithSecrets(const QString& text, const QList<QPair<QString, QByteArray*>>& secrets)
{
    // Split the text at the placeholders, then assemble the output in one buffer reserved to its final
    // size, so no reallocation leaves a copy of a secret behind.
    QByteArray rest = text.toUtf8();
    QList<QByteArray> pieces;
    QList<QByteArray*> order;
    for (;;) {
        qsizetype at = -1;
        const QPair<QString, QByteArray*>* found = nullptr;
        for (const auto& secret : secrets) {
            const qsizetype i = rest.indexOf(secret.first.toUtf8());
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                found = &secret;
            }
        }
        if (!found)
            break;
        pieces << rest.left(at);
        order << found->second;
        rest = rest.mid(at + found->first.toUtf8().size());
    }
    pieces << rest;

    qsizetype size = 0;
    for (const QByteArray& piece : pieces)
        size += piece.size();
    for (const QByteArray* secret : order)
        size += secret->size();
    QByteArray output;
    output.reserve(size);
    for (qsizetype i = 0; i < pieces.size(); ++i) {
        output.append(pieces.at(i));
        if (i < order.size())
            output.append(*order.at(i));
    }
    out(output);
    Secrets::cleanse(output);
    for (const auto& secret : secrets)
        Secrets::cleanse(*secret.second);
}

QString CliContext::table(const QStringList& headers, const QList<QStringList>& rows)
{
    if (rows.isEmpty())
        return QStringLiteral("(none)\n");
    QList<qsizetype> widths;
    for (const QString& header : headers)
        widths << header.size();
    for (const QStringList& row : rows) {
        for (qsizetype c = 0; c < row.size() && c < widths.size(); ++c)
            widths[c] = qMax(widths[c], row.at(c).size());
    }
    auto line = [&](const QStringList& cells) {
        QString text;
        for (qsizetype c = 0; c < cells.size(); ++c) {
            if (c > 0)
                text += QStringLiteral("  ");
            text += c + 1 < cells.size() ? cells.at(c).leftJustified(widths.at(c)) : cells.at(c);
        }
        while (text.endsWith(QLatin1Char(' ')))
            text.chop(1);
        return text + QLatin1Char('\n');
    };
    QString text = line(headers);
    for (const QStringList& row : rows)
        text += line(row);
    return text;
}

QString CliContext::fields(const QList<QPair<QString, QString>>& fields)
{
    qsizetype width = 0;
    for (const auto& field : fields)
        width = qMax(width, field.first.size() + 1);
    QString text;
    for (const auto& field : fields)
        text += QStringLiteral("%1 %2\n").arg((field.first + QLatin1Char(':')).leftJustified(width), field.second);
    return text;
}

QString CliContext::localTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString CliContext::localTime(const std::optional<qint64>& ms)
{
    return ms ? localTime(*ms) : QStringLiteral("-");
}

int CliContext::error(const QString& message, int code)
{
    const QByteArray bytes = "alfe: " + message.simplified().toUtf8() + '\n';
    writeAll(STDERR_FILENO, bytes.constData(), bytes.size());
    return code;
}

int CliContext::fail(const Error& failure)
{
    return error(failure.message, failure.code == QLatin1String("invalid_argument") ? ExitUsage : ExitFailure);
}

Result<qint64> CliContext::integer(const QString& option, qint64 min, qint64 max) const
{
    const QString text = value(option);
    bool ok = false;
    const qint64 number = text.toLongLong(&ok);
    if (!ok || number < min || number > max) {
        return Errors::invalid(QStringLiteral("--%1 must be a whole number from %2 to %3, got \"%4\".")
                                   .arg(option)
                                   .arg(min)
                                   .arg(max)
                                   .arg(text));
    }
    return number;
}

} // namespace Alfe::Cli
