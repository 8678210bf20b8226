// The alfe admin commands (agent, webhook, deliveries), usage errors and help, run as real processes
// against a temporary data directory keyed by a key file.
#include "CliRunner.h"

#include "AgentStore.h"
#include "Database.h"
#include "DeliveryStore.h"
#include "Engine.h"
#include "Secrets.h"
#include "WebhookStore.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
const QRegularExpression AgentId(QStringLiteral("agt_[0-9A-Z]{26}"));
const QRegularExpression WebhookId(QStringLiteral("whk_[0-9A-Z]{26}"));
const QRegularExpression Token(QStringLiteral("alfe_[A-Za-z0-9_-]{43}"));
const QRegularExpression Secret(QStringLiteral("whsec_[A-Za-z0-9+/]{43}="));

QStringList matches(const QRegularExpression& expression, const QByteArray& text)
{
    QStringList found;
    auto it = expression.globalMatch(QString::fromUtf8(text));
    while (it.hasNext())
        found << it.next().captured(0);
    return found;
}

QStringList keys(const QJsonObject& object)
{
    QStringList list = object.keys();
    list.sort();
    return list;
}
} // namespace

class TestCliAdmin final : public QObject
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

    void agentAddPrintsTheTokenOnce();
    void agentAddJsonHasTheDocumentedKeys();
    void agentListAndShowNeverPrintTheToken();
    void agentErrors();
    void agentSetAndRemove();

    void webhookCreatePrintsTheStoredSecretOnce();
    void webhookCreateErrors();
    void webhookListFiltersByAgent();
    void webhookRotateGivesANewSecret();
    void webhookRotateRefusesABadGrace_data();
    void webhookRotateRefusesABadGrace();
    void webhookDisableEnableDelete();

    void deliveriesListShowRetry();
    void deliveriesListFilters();
    void deliveriesErrors();

    void wrongKeyFileIsRefused();
    void optionsBeforeTheCommand();

private:
    QString addAgent(const QString& name = QStringLiteral("build-bot"));
    QPair<QString, QByteArray> createWebhook(const QString& agentId,
                                             const QString& provider = QStringLiteral("generic"));
    std::unique_ptr<Engine> openEngine();

    std::unique_ptr<CliRunner> m_cli;
};

QString TestCliAdmin::addAgent(const QString& name)
{
    const CliResult added =
        m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), name, QStringLiteral("--json")});
    return added.exitCode == 0 ? added.json().object().value(QLatin1String("id")).toString() : QString();
}

QPair<QString, QByteArray> TestCliAdmin::createWebhook(const QString& agentId, const QString& provider)
{
    const CliResult created =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--agent"), agentId,
                    QStringLiteral("--provider"), provider, QStringLiteral("--json")});
    const QJsonObject object = created.json().object();
    return {object.value(QLatin1String("id")).toString(), object.value(QLatin1String("secret")).toString().toUtf8()};
}

std::unique_ptr<Engine> TestCliAdmin::openEngine()
{
    auto engine = std::make_unique<Engine>(Engine::Options{m_cli->dataDir(), m_cli->keyFile(), false});
    if (auto opened = engine->openBlocking(); !opened)
        qFatal("engine: %s", qPrintable(opened.error().message));
    return engine;
}

void TestCliAdmin::helpOnEveryLevel_data()
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
}

void TestCliAdmin::helpOnEveryLevel()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, usage);
    QFETCH(QString, mentions);
    const CliResult help = CliRunner::runRaw(arguments);
    ALFE_VERIFY_OK(help);
    QVERIFY2(help.out.startsWith(usage.toUtf8()), help.describe().constData());
    QVERIFY2(help.out.contains(mentions.toUtf8()), help.describe().constData());
}

void TestCliAdmin::versionIsPrinted()
{
    const CliResult version = CliRunner::runRaw({QStringLiteral("--version")});
    ALFE_VERIFY_OK(version);
    QCOMPARE(version.out, QByteArray("alfe " ALFE_VERSION "\n"));
}

void TestCliAdmin::usageErrorsExitTwoWithOneLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, QStringList arguments, const char* message) {
        QTest::newRow(name) << arguments << QString::fromUtf8(message);
    };
    const QString fakeId = QStringLiteral("whk_01J00000000000000000000000");
    row("no command", {},
        "missing command; use one of: serve, agent, webhook, deliveries, send-test (see 'alfe --help').");
    row("unknown command", {QStringLiteral("bogus")}, "unknown command \"bogus\"");
    row("agent without command", {QStringLiteral("agent")},
        "missing agent command; use one of: add, list, show, set, remove");
    row("unknown agent command", {QStringLiteral("agent"), QStringLiteral("frobnicate")},
        "unknown agent command \"frobnicate\"");
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
}

void TestCliAdmin::usageErrorsExitTwoWithOneLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    ALFE_VERIFY_ERROR(m_cli->run(arguments), 2, message);
    // A usage error is caught before the data directory is touched.
    QVERIFY(!QFileInfo::exists(m_cli->dataDir()));
    QVERIFY(!QFileInfo::exists(m_cli->keyFile()));
}

void TestCliAdmin::missingOptionValue()
{
    // The option is last, so the runner's --data-dir cannot be taken for its value.
    ALFE_VERIFY_ERROR(CliRunner::runRaw({QStringLiteral("--data-dir"), m_cli->dataDir(), QStringLiteral("agent"),
                                         QStringLiteral("add"), QStringLiteral("x"), QStringLiteral("--forward-to")}),
                      2, QStringLiteral("Missing value after '--forward-to' (see 'alfe agent add --help')."));
    QVERIFY(!QFileInfo::exists(m_cli->dataDir()));
    QVERIFY(!QFileInfo::exists(m_cli->keyFile()));
}

void TestCliAdmin::agentAddPrintsTheTokenOnce()
{
    const CliResult added = m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("build-bot"),
                                        QStringLiteral("--forward-to"), QStringLiteral("http://127.0.0.1:9/hook")});
    ALFE_VERIFY_OK(added);
    const QStringList tokens = matches(Token, added.out);
    QCOMPARE(tokens.size(), 1);
    QCOMPARE(added.field(QStringLiteral("token")), tokens.first());
    QVERIFY(Secrets::isAgentToken(tokens.first().toUtf8()));
    QVERIFY(AgentId.match(added.field(QStringLiteral("id"))).hasMatch());
    QCOMPARE(added.field(QStringLiteral("name")), QStringLiteral("build-bot"));
    QCOMPARE(added.field(QStringLiteral("forward to")), QStringLiteral("http://127.0.0.1:9/hook"));
    QVERIFY(added.out.contains("shown only this once"));

    // The printed token is the agent's real token.
    auto engine = openEngine();
    auto agent = engine->agents().authenticate(tokens.first().toUtf8());
    QVERIFY(agent.ok());
    QCOMPARE(agent->id, added.field(QStringLiteral("id")));
}

void TestCliAdmin::agentAddJsonHasTheDocumentedKeys()
{
    const CliResult added = m_cli->run(
        {QStringLiteral("--json"), QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("json-bot")});
    ALFE_VERIFY_OK(added);
    QVERIFY2(added.json().isObject(), added.describe().constData());
    const QJsonObject object = added.json().object();
    for (const char* key : {"id", "name", "token", "forwardUrl", "status", "createdAt"})
        QVERIFY2(object.contains(QLatin1String(key)), key);
    QVERIFY(AgentId.match(object.value(QLatin1String("id")).toString()).hasMatch());
    QCOMPARE(object.value(QLatin1String("name")).toString(), QStringLiteral("json-bot"));
    QVERIFY(Token.match(object.value(QLatin1String("token")).toString()).hasMatch());
    QCOMPARE(object.value(QLatin1String("token")).toString().size(), 48);
}

void TestCliAdmin::agentListAndShowNeverPrintTheToken()
{
    const CliResult added = m_cli->run(
        {QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("lister"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(added);
    const QString id = added.json().object().value(QLatin1String("id")).toString();
    const QByteArray token = added.json().object().value(QLatin1String("token")).toString().toUtf8();
    QVERIFY(!token.isEmpty());
    const QString second = addAgent(QStringLiteral("second agent"));
    QVERIFY(!second.isEmpty());

    const CliResult list = m_cli->run({QStringLiteral("agent"), QStringLiteral("list")});
    ALFE_VERIFY_OK(list);
    const QList<QByteArray> lines = list.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines.at(0).startsWith("ID"));
    QVERIFY(lines.at(1).startsWith(id.toUtf8()) && lines.at(1).contains("lister"));
    QVERIFY(lines.at(2).startsWith(second.toUtf8()) && lines.at(2).contains("second agent"));
    // Columns line up: NAME starts at the same place in every row.
    QCOMPARE(lines.at(1).indexOf("lister"), lines.at(0).indexOf("NAME"));
    QVERIFY(!list.out.contains(token) && matches(Token, list.out).isEmpty());

    const CliResult listJson = m_cli->run({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(listJson);
    QVERIFY(listJson.json().isArray());
    QCOMPARE(listJson.json().array().size(), 2);
    QCOMPARE(keys(listJson.json().array().at(0).toObject()),
             (QStringList{QStringLiteral("createdAt"), QStringLiteral("forwardUrl"), QStringLiteral("id"),
                          QStringLiteral("name"), QStringLiteral("status")}));
    QVERIFY(matches(Token, listJson.out).isEmpty());

    const CliResult show = m_cli->run({QStringLiteral("agent"), QStringLiteral("show"), id});
    ALFE_VERIFY_OK(show);
    QCOMPARE(show.field(QStringLiteral("id")), id);
    QCOMPARE(show.field(QStringLiteral("name")), QStringLiteral("lister"));
    QCOMPARE(show.field(QStringLiteral("status")), QStringLiteral("offline"));
    QVERIFY(matches(Token, show.out).isEmpty());

    const CliResult showJson =
        m_cli->run({QStringLiteral("agent"), QStringLiteral("show"), id, QStringLiteral("--json")});
    ALFE_VERIFY_OK(showJson);
    QCOMPARE(showJson.json().object().value(QLatin1String("id")).toString(), id);
    QVERIFY(!showJson.json().object().contains(QLatin1String("token")));
    QVERIFY(matches(Token, showJson.out).isEmpty());
}

void TestCliAdmin::agentErrors()
{
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("agent"), QStringLiteral("show"), QStringLiteral("agt_nope")}), 1,
                      QStringLiteral("No agent with id agt_nope."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("agent"), QStringLiteral("remove"), QStringLiteral("agt_nope")}), 1,
                      QStringLiteral("No agent with id agt_nope."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("agent"), QStringLiteral("set"), QStringLiteral("agt_nope"),
                                  QStringLiteral("--forward-to"), QStringLiteral("https://example.com/")}),
                      1, QStringLiteral("No agent with id agt_nope."));
    const CliResult empty = m_cli->run({QStringLiteral("agent"), QStringLiteral("list")});
    ALFE_VERIFY_OK(empty);
    QCOMPARE(empty.out, QByteArray("(none)\n"));
    const CliResult emptyJson = m_cli->run({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(emptyJson);
    QVERIFY(emptyJson.json().isArray() && emptyJson.json().array().isEmpty());
}

void TestCliAdmin::agentSetAndRemove()
{
    const QString id = addAgent();
    QVERIFY(!id.isEmpty());
    const auto webhook = createWebhook(id);
    QVERIFY(!webhook.first.isEmpty());

    const CliResult set =
        m_cli->run({QStringLiteral("agent"), QStringLiteral("set"), id, QStringLiteral("--forward-to"),
                    QStringLiteral("https://agent.example.com/inbox")});
    ALFE_VERIFY_OK(set);
    QVERIFY(set.out.contains("now forwards deliveries to https://agent.example.com/inbox"));
    CliResult show = m_cli->run({QStringLiteral("agent"), QStringLiteral("show"), id});
    QCOMPARE(show.field(QStringLiteral("forward to")), QStringLiteral("https://agent.example.com/inbox"));
    QCOMPARE(show.field(QStringLiteral("webhooks")), webhook.first);

    const CliResult cleared = m_cli->run({QStringLiteral("agent"), QStringLiteral("set"), id,
                                          QStringLiteral("--forward-to="), QStringLiteral("--json")});
    ALFE_VERIFY_OK(cleared);
    QCOMPARE(cleared.json().object().value(QLatin1String("forwardUrl")).toString(), QString());

    const CliResult removed = m_cli->run({QStringLiteral("agent"), QStringLiteral("remove"), id});
    ALFE_VERIFY_OK(removed);
    QVERIFY(removed.out.contains("and its 1 webhook(s)"));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("agent"), QStringLiteral("show"), id}), 1,
                      QStringLiteral("No agent with id"));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), webhook.first}), 1,
                      QStringLiteral("No webhook with id"));
}

void TestCliAdmin::webhookCreatePrintsTheStoredSecretOnce()
{
    const QString agent = addAgent();
    QVERIFY(!agent.isEmpty());
    const CliResult created =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--agent"), agent,
                    QStringLiteral("--provider"), QStringLiteral("github"), QStringLiteral("--description"),
                    QStringLiteral("CI pushes")});
    ALFE_VERIFY_OK(created);
    const QStringList secrets = matches(Secret, created.out);
    QCOMPARE(secrets.size(), 1);
    QCOMPARE(secrets.first().size(), 50);
    QCOMPARE(created.field(QStringLiteral("secret")), secrets.first());
    const QString id = created.field(QStringLiteral("id"));
    QVERIFY(WebhookId.match(id).hasMatch());
    QCOMPARE(created.field(QStringLiteral("url")), QStringLiteral("http://127.0.0.1:8787/v1/hooks/") + id);
    QCOMPARE(created.field(QStringLiteral("provider")), QStringLiteral("github"));
    QCOMPARE(created.field(QStringLiteral("description")), QStringLiteral("CI pushes"));

    // The printed secret is the one the store verifies with.
    {
        auto engine = openEngine();
        auto current = engine->webhooks().currentSecret(id);
        QVERIFY(current.ok());
        QCOMPARE(current.value(), secrets.first().toUtf8());
    }

    const CliResult json = m_cli->run({QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--json"),
                                       QStringLiteral("--agent"), agent});
    ALFE_VERIFY_OK(json);
    const QJsonObject object = json.json().object();
    for (const char* key : {"id", "url", "provider", "description", "enabled", "createdAt", "secret", "agentId"})
        QVERIFY2(object.contains(QLatin1String(key)), key);
    QCOMPARE(object.value(QLatin1String("provider")).toString(), QStringLiteral("generic"));
    QCOMPARE(object.value(QLatin1String("agentId")).toString(), agent);
    QVERIFY(Secret.match(object.value(QLatin1String("secret")).toString()).hasMatch());
    QVERIFY(object.value(QLatin1String("url")).toString().endsWith(object.value(QLatin1String("id")).toString()));

    const CliResult show = m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), id});
    ALFE_VERIFY_OK(show);
    QCOMPARE(show.field(QStringLiteral("id")), id);
    QCOMPARE(show.field(QStringLiteral("agent")), agent);
    QCOMPARE(show.field(QStringLiteral("state")), QStringLiteral("enabled"));
    QCOMPARE(show.field(QStringLiteral("secret version")), QStringLiteral("1"));
    QVERIFY(matches(Secret, show.out).isEmpty());
    QVERIFY(!show.out.contains("whsec_"));
    const CliResult showJson =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), id, QStringLiteral("--json")});
    ALFE_VERIFY_OK(showJson);
    QVERIFY(!showJson.json().object().contains(QLatin1String("secret")));
    QVERIFY(!showJson.out.contains("whsec_"));

    const CliResult list = m_cli->run({QStringLiteral("webhook"), QStringLiteral("list")});
    ALFE_VERIFY_OK(list);
    QVERIFY(list.out.contains(id.toUtf8()) && list.out.contains("CI pushes"));
    QVERIFY(!list.out.contains("whsec_"));
    const CliResult listJson =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("list"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(listJson);
    QCOMPARE(listJson.json().array().size(), 2);
    QVERIFY(!listJson.out.contains("whsec_"));
}

void TestCliAdmin::webhookCreateErrors()
{
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--agent"),
                                  QStringLiteral("agt_missing")}),
                      1, QStringLiteral("No agent with id agt_missing"));
    const QString agent = addAgent();
    QVERIFY(!agent.isEmpty());
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--agent"), agent,
                                  QStringLiteral("--description"), QString(1001, QLatin1Char('x'))}),
                      2, QStringLiteral("description"));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), QStringLiteral("whk_nope")}), 1,
                      QStringLiteral("No webhook with id whk_nope."));
    // Nothing was created by the failures.
    const CliResult list = m_cli->run({QStringLiteral("webhook"), QStringLiteral("list")});
    ALFE_VERIFY_OK(list);
    QCOMPARE(list.out, QByteArray("(none)\n"));
}

void TestCliAdmin::webhookListFiltersByAgent()
{
    const QString first = addAgent(QStringLiteral("first"));
    const QString second = addAgent(QStringLiteral("second"));
    const auto a = createWebhook(first);
    const auto b = createWebhook(second, QStringLiteral("stripe"));
    QVERIFY(!a.first.isEmpty() && !b.first.isEmpty());
    const CliResult list =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("list"), QStringLiteral("--agent"), second});
    ALFE_VERIFY_OK(list);
    QVERIFY(list.out.contains(b.first.toUtf8()) && list.out.contains("stripe"));
    QVERIFY(!list.out.contains(a.first.toUtf8()));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("list"), QStringLiteral("--agent"),
                                  QStringLiteral("agt_nope")}),
                      1, QStringLiteral("No agent with id agt_nope"));
}

void TestCliAdmin::webhookRotateGivesANewSecret()
{
    const auto webhook = createWebhook(addAgent());
    QVERIFY(Secret.match(QString::fromUtf8(webhook.second)).hasMatch());

    const CliResult rotated = m_cli->run({QStringLiteral("webhook"), QStringLiteral("rotate"), webhook.first,
                                          QStringLiteral("--grace"), QStringLiteral("1h")});
    ALFE_VERIFY_OK(rotated);
    const QStringList secrets = matches(Secret, rotated.out);
    QCOMPARE(secrets.size(), 1);
    QVERIFY(secrets.first().toUtf8() != webhook.second);
    QCOMPARE(rotated.field(QStringLiteral("id")), webhook.first);
    QVERIFY(rotated.field(QStringLiteral("url")).endsWith(webhook.first));
    QVERIFY2(rotated.field(QStringLiteral("previous secret")).startsWith(QLatin1String("verifies until ")) &&
                 rotated.field(QStringLiteral("previous secret")).endsWith(QLatin1String("(1h from now)")),
             rotated.describe().constData());
    {
        auto engine = openEngine();
        auto valid = engine->webhooks().validSecrets(webhook.first);
        QVERIFY(valid.ok());
        QCOMPARE(valid->size(), 2);
        QCOMPARE(valid->at(0), secrets.first().toUtf8());
        QCOMPARE(valid->at(1), webhook.second);
    }
    const CliResult show = m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), webhook.first});
    QCOMPARE(show.field(QStringLiteral("secret version")), QStringLiteral("2"));
    QVERIFY(show.field(QStringLiteral("previous secret")).startsWith(QLatin1String("verifies until ")));
    QVERIFY(!show.out.contains("whsec_"));

    const CliResult now = m_cli->run({QStringLiteral("webhook"), QStringLiteral("rotate"), webhook.first,
                                      QStringLiteral("--grace"), QStringLiteral("0"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(now);
    const QJsonObject object = now.json().object();
    const QString third = object.value(QLatin1String("secret")).toString();
    QVERIFY(Secret.match(third).hasMatch());
    QVERIFY(third != secrets.first());
    QVERIFY(object.contains(QLatin1String("previousSecretExpiresAt")));
    QCOMPARE(object.value(QLatin1String("secretVersion")).toInt(), 3);
    QCOMPARE(object.value(QLatin1String("graceSeconds")).toInt(), 0);
    {
        auto engine = openEngine();
        auto valid = engine->webhooks().validSecrets(webhook.first);
        QVERIFY(valid.ok());
        QCOMPARE(valid->size(), 1);
        QCOMPARE(valid->at(0), third.toUtf8());
    }

    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("rotate"), QStringLiteral("whk_nope")}), 1,
                      QStringLiteral("No webhook with id whk_nope"));
}

void TestCliAdmin::webhookRotateRefusesABadGrace_data()
{
    QTest::addColumn<QString>("grace");
    QTest::addColumn<QString>("message");
    QTest::newRow("8d") << QStringLiteral("8d") << QStringLiteral("--grace 8d is too long");
    QTest::newRow("169h") << QStringLiteral("169h") << QStringLiteral("at most 7d");
    QTest::newRow("604801 s") << QStringLiteral("604801") << QStringLiteral("too long");
    QTest::newRow("unit") << QStringLiteral("1w") << QStringLiteral("--grace \"1w\" is not a duration");
    QTest::newRow("negative") << QStringLiteral("-5m") << QStringLiteral("is not a duration");
    QTest::newRow("empty") << QString() << QStringLiteral("is not a duration");
}

void TestCliAdmin::webhookRotateRefusesABadGrace()
{
    QFETCH(QString, grace);
    QFETCH(QString, message);
    const auto webhook = createWebhook(addAgent());
    QVERIFY(!webhook.first.isEmpty());
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("rotate"), webhook.first,
                                  QStringLiteral("--grace=") + grace}),
                      2, message);
    // Nothing rotated.
    const CliResult show = m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), webhook.first});
    QCOMPARE(show.field(QStringLiteral("secret version")), QStringLiteral("1"));
    // 7d itself is allowed.
    ALFE_VERIFY_OK(m_cli->run({QStringLiteral("webhook"), QStringLiteral("rotate"), webhook.first,
                               QStringLiteral("--grace"), QStringLiteral("7d")}));
}

void TestCliAdmin::webhookDisableEnableDelete()
{
    const auto webhook = createWebhook(addAgent());
    QVERIFY(!webhook.first.isEmpty());
    const QStringList show{QStringLiteral("webhook"), QStringLiteral("show"), webhook.first};

    const CliResult disabled = m_cli->run({QStringLiteral("webhook"), QStringLiteral("disable"), webhook.first});
    ALFE_VERIFY_OK(disabled);
    QVERIFY(disabled.out.contains("is disabled"));
    QCOMPARE(m_cli->run(show).field(QStringLiteral("state")), QStringLiteral("disabled"));
    const CliResult json = m_cli->run(show + QStringList{QStringLiteral("--json")});
    QCOMPARE(json.json().object().value(QLatin1String("enabled")).toBool(true), false);

    const CliResult enabled =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("enable"), webhook.first, QStringLiteral("--json")});
    ALFE_VERIFY_OK(enabled);
    QCOMPARE(enabled.json().object().value(QLatin1String("enabled")).toBool(false), true);
    QCOMPARE(m_cli->run(show).field(QStringLiteral("state")), QStringLiteral("enabled"));

    const CliResult deleted = m_cli->run({QStringLiteral("webhook"), QStringLiteral("delete"), webhook.first});
    ALFE_VERIFY_OK(deleted);
    QVERIFY(deleted.out.contains("Deleted webhook " + webhook.first.toUtf8()));
    ALFE_VERIFY_ERROR(m_cli->run(show), 1, QStringLiteral("No webhook with id ") + webhook.first);
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("delete"), webhook.first}), 1,
                      QStringLiteral("No webhook with id"));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("enable"), webhook.first}), 1,
                      QStringLiteral("No webhook with id"));
    QCOMPARE(m_cli->run({QStringLiteral("webhook"), QStringLiteral("list")}).out, QByteArray("(none)\n"));
}

namespace {
// Stores a delivery the way the ingress would, in the test's own engine.
QString storeDelivery(Engine& engine, const QString& webhookId, const QByteArray& body, const QString& dedupKey,
                      const QString& eventType = QStringLiteral("push"))
{
    IncomingDelivery in;
    in.webhookId = webhookId;
    in.provider = Provider::GitHub;
    in.eventType = eventType;
    in.dedupKey = dedupKey;
    in.contentType = QStringLiteral("application/json");
    in.headers = {{"Content-Type", "application/json"}, {"X-GitHub-Event", eventType.toUtf8()}};
    in.body = body;
    QString id;
    const auto stored = engine.database().transaction([&]() -> Result<void> {
        auto inserted = engine.deliveries().insert(in);
        if (!inserted)
            return inserted.error();
        id = inserted->deliveryId;
        return {};
    });
    return stored ? id : QString();
}
} // namespace

void TestCliAdmin::deliveriesListShowRetry()
{
    const auto webhook = createWebhook(addAgent(), QStringLiteral("github"));
    QVERIFY(!webhook.first.isEmpty());
    const QByteArray jsonBody = R"({"zen":"Keep it logically awesome.","hook_id":1})";
    static const char raw[] = "\xff\xfe\x00\x01 not text";
    const QByteArray binaryBody(raw, sizeof raw - 1);
    QString first;
    QString binary;
    QString duplicate;
    {
        auto engine = openEngine();
        first = storeDelivery(*engine, webhook.first, jsonBody, QStringLiteral("gh-1"));
        binary = storeDelivery(*engine, webhook.first, binaryBody, QStringLiteral("gh-2"), QStringLiteral("ping"));
        duplicate = storeDelivery(*engine, webhook.first, jsonBody, QStringLiteral("gh-1"));
    }
    QVERIFY(!first.isEmpty() && !binary.isEmpty() && !duplicate.isEmpty());

    const CliResult list = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list")});
    ALFE_VERIFY_OK(list);
    const QList<QByteArray> lines = list.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines.at(0).startsWith("ID") && lines.at(0).contains("STATUS"));
    for (const QString& id : {first, binary, duplicate})
        QVERIFY2(list.out.contains(id.toUtf8()), list.describe().constData());
    QVERIFY(list.out.contains("duplicate") && list.out.contains("queued") && list.out.contains("ping"));

    const CliResult listJson =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(listJson);
    const QJsonArray array = listJson.json().array();
    QCOMPARE(array.size(), 3);
    for (const char* key : {"id", "webhookId", "receivedAt", "provider", "eventType", "status", "attemptCount"})
        QVERIFY2(array.at(0).toObject().contains(QLatin1String(key)), key);

    const CliResult show = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), first});
    ALFE_VERIFY_OK(show);
    QCOMPARE(show.field(QStringLiteral("id")), first);
    QCOMPARE(show.field(QStringLiteral("webhook")), webhook.first);
    QCOMPARE(show.field(QStringLiteral("event")), QStringLiteral("push"));
    QCOMPARE(show.field(QStringLiteral("status")), QStringLiteral("queued"));
    QVERIFY(show.out.contains("\nHeaders:\n  Content-Type: application/json\n  X-GitHub-Event: push\n"));
    QVERIFY(show.out.contains("\nBody (" + QByteArray::number(jsonBody.size()) + " bytes):\n" + jsonBody + "\n"));
    QVERIFY(show.out.contains("\nAttempts:\n  (none)\n"));

    const CliResult showBinary = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), binary});
    ALFE_VERIFY_OK(showBinary);
    QVERIFY2(showBinary.out.contains("Body: 13 bytes, not UTF-8 text"), showBinary.describe().constData());
    QVERIFY(!showBinary.out.contains(binaryBody));
    const CliResult showBinaryJson =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), binary, QStringLiteral("--json")});
    ALFE_VERIFY_OK(showBinaryJson);
    QCOMPARE(
        QByteArray::fromBase64(showBinaryJson.json().object().value(QLatin1String("bodyBase64")).toString().toLatin1()),
        binaryBody);

    const CliResult showDuplicate = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), duplicate});
    QCOMPARE(showDuplicate.field(QStringLiteral("duplicate of")), first);

    const CliResult retried = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), binary});
    ALFE_VERIFY_OK(retried);
    QVERIFY(retried.out.contains("Delivery " + binary.toUtf8() + " is queued"));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), duplicate}), 1,
                      QStringLiteral("is a duplicate of %1; retry the original").arg(first));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), QStringLiteral("dlv_nope")}),
                      1, QStringLiteral("No delivery with id dlv_nope"));
}

void TestCliAdmin::deliveriesListFilters()
{
    const auto a = createWebhook(addAgent(), QStringLiteral("github"));
    const auto b = createWebhook(addAgent(QStringLiteral("other")), QStringLiteral("github"));
    QVERIFY(!a.first.isEmpty() && !b.first.isEmpty());
    QStringList ofA;
    QString ofB;
    {
        auto engine = openEngine();
        for (int i = 0; i < 3; ++i)
            ofA << storeDelivery(*engine, a.first, R"({"n":)" + QByteArray::number(i) + '}',
                                 QStringLiteral("a-%1").arg(i));
        ofB = storeDelivery(*engine, b.first, R"({"n":"b"})", QStringLiteral("b-1"));
        storeDelivery(*engine, a.first, R"({"n":0})", QStringLiteral("a-0")); // a duplicate
    }

    const CliResult byWebhook = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"),
                                            QStringLiteral("--webhook"), b.first, QStringLiteral("--json")});
    ALFE_VERIFY_OK(byWebhook);
    QCOMPARE(byWebhook.json().array().size(), 1);
    QCOMPARE(byWebhook.json().array().at(0).toObject().value(QLatin1String("id")).toString(), ofB);

    const CliResult byStatus =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--status"),
                    QStringLiteral("duplicate"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(byStatus);
    QCOMPARE(byStatus.json().array().size(), 1);
    QCOMPARE(byStatus.json().array().at(0).toObject().value(QLatin1String("duplicateOf")).toString(), ofA.at(0));

    const CliResult limited = m_cli->run(
        {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"), QStringLiteral("2")});
    ALFE_VERIFY_OK(limited);
    QCOMPARE(limited.out.trimmed().split('\n').size(), 4); // header, 2 rows, the "more" line
    const QRegularExpression more(QStringLiteral("More deliveries: add --cursor (\\S+)"));
    const auto cursor = more.match(QString::fromUtf8(limited.out));
    QVERIFY2(cursor.hasMatch(), limited.describe().constData());
    const CliResult next =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"),
                    QStringLiteral("2"), QStringLiteral("--cursor"), cursor.captured(1), QStringLiteral("--json")});
    ALFE_VERIFY_OK(next);
    QCOMPARE(next.json().array().size(), 2);
    const CliResult last = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"),
                                       QStringLiteral("4"), QStringLiteral("--json")});
    QCOMPARE(last.json().array().size(), 4);

    const CliResult none = m_cli->run(
        {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--status"), QStringLiteral("failed")});
    ALFE_VERIFY_OK(none);
    QCOMPARE(none.out, QByteArray("(none)\n"));
}

void TestCliAdmin::deliveriesErrors()
{
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), QStringLiteral("dlv_nope")}), 1,
                      QStringLiteral("No delivery with id dlv_nope."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--webhook"),
                                  QStringLiteral("whk_nope")}),
                      1, QStringLiteral("No webhook with id whk_nope."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--cursor"),
                                  QStringLiteral("garbage")}),
                      2, QStringLiteral("The cursor \"garbage\" is not one this server gave out."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), QStringLiteral("dlv_x"),
                                  QStringLiteral("--all-failed")}),
                      2, QStringLiteral("either a delivery ID or --all-failed"));
    const CliResult all =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), QStringLiteral("--all-failed")});
    ALFE_VERIFY_OK(all);
    QCOMPARE(all.out, QByteArray("Queued 0 failed deliveries again.\n"));
}

void TestCliAdmin::wrongKeyFileIsRefused()
{
    QVERIFY(!addAgent().isEmpty());
    const CliResult other =
        CliRunner::runRaw({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--data-dir"),
                           m_cli->dataDir(), QStringLiteral("--key-file"), m_cli->path(QStringLiteral("missing.key"))});
    ALFE_VERIFY_ERROR(other, 1, QStringLiteral("missing.key does not exist"));
}

void TestCliAdmin::optionsBeforeTheCommand()
{
    const QString id = addAgent(QStringLiteral("early"));
    QVERIFY(!id.isEmpty());
    const CliResult show = CliRunner::runRaw(
        {QStringLiteral("--data-dir"), m_cli->dataDir(), QStringLiteral("--key-file=") + m_cli->keyFile(),
         QStringLiteral("--json"), QStringLiteral("agent"), QStringLiteral("show"), id});
    ALFE_VERIFY_OK(show);
    QCOMPARE(show.json().object().value(QLatin1String("name")).toString(), QStringLiteral("early"));
}

QTEST_GUILESS_MAIN(TestCliAdmin)
#include "tst_cli_admin.moc"
