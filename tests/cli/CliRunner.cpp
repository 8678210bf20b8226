#include "CliRunner.h"

#include "Engine.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace Alfe::Test {

namespace {
constexpr int RunTimeoutMs = 60'000;
} // namespace

CliResult CliRunner::finish(QProcess& process)
{
    CliResult result;
    if (!process.waitForFinished(RunTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.crashed = true;
    }
    result.crashed = result.crashed || process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

QString CliResult::field(const QString& key) const
{
    const QRegularExpression pattern(QStringLiteral("^%1:[ ]+(.*)$").arg(QRegularExpression::escape(key)),
                                     QRegularExpression::MultilineOption);
    const auto match = pattern.match(QString::fromUtf8(out));
    return match.hasMatch() ? match.captured(1).trimmed() : QString();
}

QByteArray CliResult::describe() const
{
    return "exit " + QByteArray::number(exitCode) + (crashed ? " (crashed or timed out)" : "") + "\n--- stdout:\n" +
           out + "--- stderr:\n" + err;
}

CliRunner::CliRunner()
{
    Q_ASSERT(m_dir.isValid());
}

QString CliRunner::program()
{
    return QStringLiteral(ALFE_CLI_PATH);
}

QString CliRunner::dataDir() const
{
    return path(QStringLiteral("data"));
}

QString CliRunner::keyFile() const
{
    return path(QStringLiteral("master.key"));
}

QString CliRunner::path(const QString& name) const
{
    return QDir(m_dir.path()).filePath(name);
}

CliResult CliRunner::run(const QStringList& arguments) const
{
    return runRaw(arguments +
                  QStringList{QStringLiteral("--data-dir"), dataDir(), QStringLiteral("--key-file"), keyFile()});
}

CliResult CliRunner::run(const QStringList& arguments, const QByteArray& input) const
{
    QProcess process;
    process.start(program(), arguments + QStringList{QStringLiteral("--data-dir"), dataDir(),
                                                     QStringLiteral("--key-file"), keyFile()});
    process.write(input);
    process.closeWriteChannel();
    return finish(process);
}

CliResult CliRunner::runRaw(const QStringList& arguments)
{
    QProcess process;
    process.start(program(), arguments);
    process.closeWriteChannel();
    return finish(process);
}

std::unique_ptr<QProcess> CliRunner::start(const QStringList& arguments) const
{
    auto process = std::make_unique<QProcess>();
    process->start(program(), arguments + QStringList{QStringLiteral("--data-dir"), dataDir(),
                                                      QStringLiteral("--key-file"), keyFile()});
    process->closeWriteChannel();
    return process;
}

QString CliRunner::addAgent(const QString& name) const
{
    const CliResult added = run({QStringLiteral("agent"), QStringLiteral("add"), name, QStringLiteral("--json")});
    return added.exitCode == 0 ? added.json().object().value(QLatin1String("id")).toString() : QString();
}

QPair<QString, QByteArray> CliRunner::createWebhook(const QString& agentId, const QString& provider) const
{
    const CliResult created = run({QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--agent"),
                                   agentId, QStringLiteral("--provider"), provider, QStringLiteral("--json")});
    if (created.exitCode != 0)
        return {};
    const QJsonObject object = created.json().object();
    return {object.value(QLatin1String("id")).toString(), object.value(QLatin1String("secret")).toString().toUtf8()};
}

std::unique_ptr<Engine> CliRunner::openEngine() const
{
    auto engine = std::make_unique<Engine>(Engine::Options{dataDir(), keyFile(), /*exclusive*/ false});
    if (auto opened = engine->openBlocking(); !opened)
        qFatal("test engine: %s", qPrintable(opened.error().message));
    return engine;
}

std::unique_ptr<QProcess> CliRunner::startServe(quint16* listening, const QStringList& extra, quint16 port) const
{
    auto process = start(QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QString::number(port),
                                     QStringLiteral("--rate-limit"), QStringLiteral("0")} +
                         extra);
    QByteArray seen;
    const QString said =
        waitForLine(*process, QStringLiteral("^alfe: listening on http://127\\.0\\.0\\.1:(\\d+)$"), &seen);
    if (said.isEmpty())
        qWarning("serve did not start: %s / %s", seen.constData(), process->readAllStandardError().constData());
    *listening = quint16(said.toUInt());
    return process;
}

QStringList missingIds(const QStringList& expected, const QStringList& actual)
{
    const QSet<QString> have(actual.cbegin(), actual.cend());
    QStringList out;
    for (const QString& id : expected) {
        if (!have.contains(id))
            out << id;
    }
    return out;
}

QString waitForLine(QProcess& process, const QString& pattern, QByteArray* seen, int timeoutMs)
{
    const QRegularExpression expression(pattern);
    QByteArray buffer;
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        while (process.canReadLine()) {
            const QByteArray line = process.readLine();
            buffer += line;
            const auto match = expression.match(QString::fromUtf8(line).trimmed());
            if (match.hasMatch()) {
                if (seen)
                    *seen = buffer;
                return match.lastCapturedIndex() >= 1 ? match.captured(1) : match.captured(0);
            }
        }
        if (deadline.hasExpired() || process.state() == QProcess::NotRunning)
            break;
        process.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
    }
    if (seen)
        *seen = buffer + process.readAllStandardOutput();
    return {};
}

} // namespace Alfe::Test
