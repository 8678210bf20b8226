// alfe's help, version and usage errors (exit 2, one line, nothing touched), and where options may go.
#include "CliRunner.h"

#include <QFileInfo>
#include <QJsonObject>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

class TestCliUsage final : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_cli = std::make_unique<CliRunner>(); }
    void cleanup() { m_cli.reset(); }

    void helpOnEveryLevel_data();
    void helpOnEveryLevel();
    void versionIsPrinted();
    void usageErrorsExitTwoWithOneLine_data();
    void usageErrorsExitTwoWithOneLine();
    void missingOptionValue();
    void wrongKeyFileIsRefused();
    void optionsBeforeTheCommand();

private:
    std::unique_ptr<CliRunner> m_cli;
};

void TestCliUsage::helpOnEveryLevel_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("usage");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("top") << QStringList{QStringLiteral("--help")} << QStringLiteral("Usage: alfe <command>")
                         << QStringLiteral("send-test");
    QTest::newRow("agent") << QStringList{QStringLiteral("agent"), QStringLiteral("--help")}
                           << QStringLiteral("Usage: alfe agent <command>") << QStringLiteral("remove");
    QTest::newRow("agent add") << QStringList{QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("-h")}
                               << QStringLiteral("Usage: alfe agent add [options] NAME")
                               << QStringLiteral("--forward-to <URL>");
    QTest::newRow("webhook rotate") << QStringList{QStringLiteral("webhook"), QStringLiteral("rotate"),
                                                   QStringLiteral("--help")}
                                    << QStringLiteral("Usage: alfe webhook rotate [options] ID")
                                    << QStringLiteral("--grace <DURATION>");
    QTest::newRow("deliveries list") << QStringList{QStringLiteral("deliveries"), QStringLiteral("list"),
                                                    QStringLiteral("--help")}
                                     << QStringLiteral("Usage: alfe deliveries list [options]")
                                     << QStringLiteral("--status <S>");
    QTest::newRow("serve") << QStringList{QStringLiteral("serve"), QStringLiteral("--help")}
                           << QStringLiteral("Usage: alfe serve [options]") << QStringLiteral("--rate-limit <N>");
    QTest::newRow("send-test") << QStringList{QStringLiteral("send-test"), QStringLiteral("--help")}
                               << QStringLiteral("Usage: alfe send-test [options] WEBHOOK_ID")
                               << QStringLiteral("--file <FILE>");
    QTest::newRow("migrate") << QStringList{QStringLiteral("migrate"), QStringLiteral("--help")}
                             << QStringLiteral("Usage: alfe migrate [options]") << QStringLiteral("--to <URL>");
}

void TestCliUsage::helpOnEveryLevel()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, usage);
    QFETCH(QString, mentions);
    const CliResult help = CliRunner::runRaw(arguments);
    ALFE_VERIFY_OK(help);
    QVERIFY2(help.out.startsWith(usage.toUtf8()), help.describe().constData());
    QVERIFY2(help.out.contains(mentions.toUtf8()), help.describe().constData());
}

void TestCliUsage::versionIsPrinted()
{
    const CliResult version = CliRunner::runRaw({QStringLiteral("--version")});
    ALFE_VERIFY_OK(version);
    QCOMPARE(version.out, QByteArray("alfe " ALFE_VERSION "\n"));
}

void TestCliUsage::usageErrorsExitTwoWithOneLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, QStringList arguments, const char* message) {
        QTest::newRow(name) << arguments << QString::fromUtf8(message);
    };
    const QString fakeId = QStringLiteral("whk_01J00000000000000000000000");
    row("no command", {},
        "missing command; use one of: serve, agent, webhook, deliveries, send-test, listen, admin, migrate (see 'alfe "
        "--help').");
    row("unknown command", {QStringLiteral("bogus")}, "unknown command \"bogus\"");
    row("agent without command", {QStringLiteral("agent")},
        "missing agent command; use one of: add, list, show, set, resume, remove");
    row("unknown agent command", {QStringLiteral("agent"), QStringLiteral("frobnicate")},
        "unknown agent command \"frobnicate\"");
    // --help does not turn a mistyped command into the group's help and a success.
    row("unknown agent command with --help",
        {QStringLiteral("agent"), QStringLiteral("frobnicate"), QStringLiteral("--help")},
        "unknown agent command \"frobnicate\"");
    row("unknown admin token command with --help",
        {QStringLiteral("admin"), QStringLiteral("token"), QStringLiteral("frobnicate"), QStringLiteral("--help")},
        "unknown admin token command \"frobnicate\"");
    row("agent add without NAME", {QStringLiteral("agent"), QStringLiteral("add")},
        "agent add needs NAME (see 'alfe agent add --help').");
    row("unknown option", {QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--bogus")},
        "Unknown option 'bogus'");
    row("extra argument", {QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("extra")},
        "unexpected argument \"extra\"");
    row("empty agent name", {QStringLiteral("agent"), QStringLiteral("add"), QString()}, "An agent needs a name");
    row("bad forward url",
        {QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("bot"), QStringLiteral("--forward-to"),
         QStringLiteral("ftp://example.com")},
        "The forward URL must be an absolute http:// or https:// URL");
    row("agent set without --forward-to", {QStringLiteral("agent"), QStringLiteral("set"), QStringLiteral("agt_x")},
        "needs --forward-to URL");
    row("webhook create without --agent", {QStringLiteral("webhook"), QStringLiteral("create")}, "needs --agent ID");
    row("unknown provider",
        {QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--agent"), QStringLiteral("agt_x"),
         QStringLiteral("--provider"), QStringLiteral("gitlab")},
        "Unknown provider \"gitlab\"; use one of: generic, github, stripe, slack.");
    row("grace 8d",
        {QStringLiteral("webhook"), QStringLiteral("rotate"), fakeId, QStringLiteral("--grace"), QStringLiteral("8d")},
        "--grace 8d is too long");
    row("limit 0",
        {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"), QStringLiteral("0")},
        "--limit must be a whole number from 1 to 500, got \"0\"");
    row("limit 501", {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit=501")},
        "--limit must be a whole number from 1 to 500");
    row("limit text",
        {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"), QStringLiteral("ten")},
        "got \"ten\"");
    row("status bogus",
        {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--status"), QStringLiteral("bogus")},
        "Unknown status \"bogus\"; use one of: queued, delivering, retrying, delivered, failed, duplicate.");
    row("retry without ID", {QStringLiteral("deliveries"), QStringLiteral("retry")},
        "needs either a delivery ID or --all-failed");
    row("serve bad port", {QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("70000")},
        "--port must be a whole number from 0 to 65535");
    row("serve bad bind", {QStringLiteral("serve"), QStringLiteral("--bind"), QStringLiteral("example")},
        "--bind \"example\" is not an IP address");
    row("serve bad public url",
        {QStringLiteral("serve"), QStringLiteral("--public-url"), QStringLiteral("hooks.example.com")},
        "--public-url \"hooks.example.com\" is not an absolute");
    row("send-test without id", {QStringLiteral("send-test")}, "send-test needs WEBHOOK_ID");
    row("send-test port and url",
        {QStringLiteral("send-test"), fakeId, QStringLiteral("--port"), QStringLiteral("1"), QStringLiteral("--url"),
         QStringLiteral("http://127.0.0.1:1")},
        "either --port or --url");
    row("migrate without --to", {QStringLiteral("migrate")}, "migrate needs --from DIR and --to postgresql://");
    row("migrate to a file", {QStringLiteral("migrate"), QStringLiteral("--to"), QStringLiteral("/tmp/x.sqlite")},
        "--to must be a PostgreSQL URL");
}

void TestCliUsage::usageErrorsExitTwoWithOneLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    ALFE_VERIFY_ERROR(m_cli->run(arguments), 2, message);
    // A usage error is caught before the data directory is touched.
    QVERIFY(!QFileInfo::exists(m_cli->dataDir()));
    QVERIFY(!QFileInfo::exists(m_cli->keyFile()));
}

void TestCliUsage::missingOptionValue()
{
    // The option is last, so the runner's --data-dir cannot be taken for its value.
    ALFE_VERIFY_ERROR(CliRunner::runRaw({QStringLiteral("--data-dir"), m_cli->dataDir(), QStringLiteral("agent"),
                                         QStringLiteral("add"), QStringLiteral("x"), QStringLiteral("--forward-to")}),
                      2, QStringLiteral("Missing value after '--forward-to' (see 'alfe agent add --help')."));
    QVERIFY(!QFileInfo::exists(m_cli->dataDir()));
    QVERIFY(!QFileInfo::exists(m_cli->keyFile()));
}

void TestCliUsage::wrongKeyFileIsRefused()
{
    QVERIFY(!m_cli->addAgent().isEmpty());
    const CliResult other =
        CliRunner::runRaw({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--data-dir"),
                           m_cli->dataDir(), QStringLiteral("--key-file"), m_cli->path(QStringLiteral("missing.key"))});
    ALFE_VERIFY_ERROR(other, 1, QStringLiteral("missing.key does not exist"));
}

void TestCliUsage::optionsBeforeTheCommand()
{
    const QString id = m_cli->addAgent(QStringLiteral("early"));
    QVERIFY(!id.isEmpty());
    const CliResult show = CliRunner::runRaw(
        {QStringLiteral("--data-dir"), m_cli->dataDir(), QStringLiteral("--key-file=") + m_cli->keyFile(),
         QStringLiteral("--json"), QStringLiteral("agent"), QStringLiteral("show"), id});
    ALFE_VERIFY_OK(show);
    QCOMPARE(show.json().object().value(QLatin1String("name")).toString(), QStringLiteral("early"));
}

QTEST_GUILESS_MAIN(TestCliUsage)
#include "tst_cli_usage.moc"
