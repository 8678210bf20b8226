// `alfe listen`'s options: every bad one is refused with exit 2 and an exact message, before any server is
// reached, and the token is never echoed; --help lists what it takes. (The stream itself: tst_cli_listen.)
#include "CliRunner.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QTest>

using namespace Alfe::Test;

class TestCliListenOptions final : public QObject
{
    Q_OBJECT

private slots:
    void badOptions_data();
    void badOptions();
    void help();

private:
    CliRunner m_cli;
};

void TestCliListenOptions::badOptions_data()
{
    // The arguments after `alfe listen`, split at spaces. @TOKEN@: a good token file; @EMPTY@: one of whitespace;
    // @DIR@: a directory; @WHSEC@: one with a webhook secret; @MISSING@: no such file. The server is never reached.
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const char* arguments, const char* message) {
        QTest::newRow(name) << QString::fromUtf8(arguments) << QString::fromUtf8(message);
    };
    row("missing --server", "--token-file @TOKEN@ --print", "listen needs --server URL");
    row("missing --token-file", "--server http://127.0.0.1:1 --print", "listen needs --token-file FILE");
    row("both --print and --forward-to",
        "--server http://127.0.0.1:1 --token-file @TOKEN@ --print --forward-to http://127.0.0.1:2/in",
        "Give either --forward-to URL or --print, not both.");
    row("neither --print nor --forward-to", "--server http://127.0.0.1:1 --token-file @TOKEN@",
        "needs --forward-to URL (a local receiver) or --print");
    row("token as an argument", "--server http://127.0.0.1:1 --print alfe_secretTokenValue",
        "never from the command line");
    row("token as --token", "--server http://127.0.0.1:1 --print --token alfe_secretTokenValue",
        "never from the command line");
    row("token as --token-file", "--server http://127.0.0.1:1 --print --token-file alfe_secretTokenValue",
        "never from the command line");
    row("token file missing", "--server http://127.0.0.1:1 --print --token-file @MISSING@",
        "The token file @MISSING@ does not exist.");
    row("token file empty", "--server http://127.0.0.1:1 --print --token-file @EMPTY@",
        "The token file @EMPTY@ is empty");
    row("token file a directory", "--server http://127.0.0.1:1 --print --token-file @DIR@",
        "The token file @DIR@ is a directory");
    row("webhook secret as the token", "--server http://127.0.0.1:1 --print --token-file @WHSEC@",
        "holds a webhook signing secret (whsec_...), not an agent token");
    row("bad --server", "--server ftp://example.com --print --token-file @TOKEN@",
        "--server \"ftp://example.com\" is not the base URL of an alfe server");
    row("bad --forward-to", "--server http://127.0.0.1:1 --token-file @TOKEN@ --forward-to localhost:3000",
        "--forward-to \"localhost:3000\" is not an absolute http:// or https:// URL.");
    row("--window 0", "--server http://127.0.0.1:1 --token-file @TOKEN@ --print --window 0",
        "--window must be a whole number from 1 to 256, got \"0\".");
    row("--window 257", "--server http://127.0.0.1:1 --token-file @TOKEN@ --print --window 257",
        "--window must be a whole number from 1 to 256");
    row("unknown option", "--bogus", "Unknown option 'bogus'");
}

void TestCliListenOptions::badOptions()
{
    QFETCH(QString, arguments);
    QFETCH(QString, message);
    const QHash<QString, QString> files{{QStringLiteral("@TOKEN@"), m_cli.path(QStringLiteral("good.token"))},
                                        {QStringLiteral("@EMPTY@"), m_cli.path(QStringLiteral("empty.token"))},
                                        {QStringLiteral("@WHSEC@"), m_cli.path(QStringLiteral("whsec.token"))},
                                        {QStringLiteral("@DIR@"), m_cli.path(QStringLiteral("a-directory"))},
                                        {QStringLiteral("@MISSING@"), m_cli.path(QStringLiteral("missing.token"))}};
    const auto write = [](const QString& path, const QByteArray& content) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    };
    write(files.value(QStringLiteral("@TOKEN@")), "alfe_secretTokenValue\n");
    write(files.value(QStringLiteral("@EMPTY@")), " \n\t\n");
    write(files.value(QStringLiteral("@WHSEC@")), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    QVERIFY(QDir().mkpath(files.value(QStringLiteral("@DIR@"))));
    QStringList words = QStringList{QStringLiteral("listen")} + arguments.split(QLatin1Char(' '));
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        words.replaceInStrings(it.key(), it.value());
        message.replace(it.key(), it.value());
    }
    const CliResult result = CliRunner::runRaw(words);
    ALFE_VERIFY_ERROR(result, 2, message);
    QVERIFY2(!result.err.contains("secretTokenValue") && !result.err.contains("MfKQ9r8"),
             result.describe().constData());
}

void TestCliListenOptions::help()
{
    const CliResult help = CliRunner::runRaw({QStringLiteral("listen"), QStringLiteral("--help")});
    ALFE_VERIFY_OK(help);
    QVERIFY2(help.out.startsWith("Usage: alfe listen [options]"), help.describe().constData());
    for (const char* option :
         {"--server <URL>", "--token-file <FILE>", "--forward-to <URL>", "--print", "--window <N>"})
        QVERIFY2(help.out.contains(option), option);
    QVERIFY2(!help.out.contains("--token <"), "the refused --token is not offered");
    const CliResult top = CliRunner::runRaw({QStringLiteral("--help")});
    QVERIFY(top.out.contains("  listen "));
}

QTEST_GUILESS_MAIN(TestCliListenOptions)
#include "tst_cli_listen_options.moc"
