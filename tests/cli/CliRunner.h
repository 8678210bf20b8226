#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QPair>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace Alfe {
class Engine;
}

namespace Alfe::Test {

// The outcome of one `alfe` process.
struct CliResult
{
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;

    QJsonDocument json() const { return QJsonDocument::fromJson(out); }
    // The value after "key:" on a "key: value" line of the output (empty when there is none).
    QString field(const QString& key) const;
    QByteArray describe() const; // for failure messages
};

// Runs the real `alfe` binary as processes against a temporary data directory and key file.
class CliRunner final
{
public:
    CliRunner();

    static QString program();
    QString dataDir() const;
    QString keyFile() const;
    QString path(const QString& name) const; // a file in the temporary directory

    // alfe ARGS --data-dir D --key-file K (the directories go last: options after positionals).
    CliResult run(const QStringList& arguments) const;
    // The same with `input` on its standard input.
    CliResult run(const QStringList& arguments, const QByteArray& input) const;
    // alfe ARGS exactly as given.
    static CliResult runRaw(const QStringList& arguments);
    // Starts alfe ARGS --data-dir D --key-file K without waiting (for `serve`).
    std::unique_ptr<QProcess> start(const QStringList& arguments) const;
    // Starts `alfe serve --port PORT --rate-limit 0 EXTRA` and waits until it says it listens; the port it
    // listens on goes to *listening (0, and a warning with what it printed, when it did not start).
    std::unique_ptr<QProcess> startServe(quint16* listening, const QStringList& extra = {}, quint16 port = 0) const;

    // Shortcuts through the CLI: the new agent's id, and the new webhook's id and secret (empty on failure).
    QString addAgent(const QString& name = QStringLiteral("build-bot")) const;
    QPair<QString, QByteArray> createWebhook(const QString& agentId,
                                             const QString& provider = QStringLiteral("generic")) const;
    // Waits for a started process (60 s at most, then kills it) and collects what it printed.
    static CliResult finish(QProcess& process);
    // An engine of the test's own on the same directory, beside any running `alfe` (not exclusive).
    std::unique_ptr<Engine> openEngine() const;

private:
    QTemporaryDir m_dir;
};

// The ids of `expected` that are not in `actual`, in order.
QStringList missingIds(const QStringList& expected, const QStringList& actual);

// Reads a started process's stdout until a line matching `pattern` arrives (or `timeoutMs` passes);
// returns the first capture group, or the whole line without one; empty on timeout or exit.
QString waitForLine(QProcess& process, const QString& pattern, QByteArray* seen = nullptr, int timeoutMs = 20'000);

} // namespace Alfe::Test

// A failed command: the exit code, nothing on stdout, exactly one "alfe: ..." line on stderr that
// contains `fragment`.
#define ALFE_VERIFY_ERROR(result, code, fragment)                                                                      \
    do {                                                                                                               \
        const ::Alfe::Test::CliResult& r_ = (result);                                                                  \
        QVERIFY2(!r_.crashed, r_.describe().constData());                                                              \
        QVERIFY2(r_.exitCode == (code), r_.describe().constData());                                                    \
        QVERIFY2(r_.out.isEmpty(), r_.describe().constData());                                                         \
        QVERIFY2(r_.err.startsWith("alfe: ") && !r_.err.startsWith("alfe: alfe") && r_.err.count('\n') == 1 &&         \
                     r_.err.endsWith('\n'),                                                                            \
                 r_.describe().constData());                                                                           \
        QVERIFY2(QString::fromUtf8(r_.err).contains(QString(fragment)), r_.describe().constData());                    \
    } while (false)

// A successful command: exit 0 and nothing on stderr.
#define ALFE_VERIFY_OK(result)                                                                                         \
    do {                                                                                                               \
        const ::Alfe::Test::CliResult& r_ = (result);                                                                  \
        QVERIFY2(!r_.crashed && r_.exitCode == 0 && r_.err.isEmpty(), r_.describe().constData());                      \
    } while (false)
