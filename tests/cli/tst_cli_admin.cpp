// alfe agent and alfe webhook, run as real processes against a temporary data directory keyed by a key file.
#include "CliRunner.h"

#include "Engine.h"
#include "crypto/Secrets.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

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

private:
    std::unique_ptr<CliRunner> m_cli;
};

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
    auto engine = m_cli->openEngine();
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
    const QString second = m_cli->addAgent(QStringLiteral("second agent"));
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
             (QStringList{QStringLiteral("backlog"), QStringLiteral("createdAt"), QStringLiteral("forwardUrl"),
                          QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("status"),
                          QStringLiteral("stream")}));
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
    const QString id = m_cli->addAgent();
    QVERIFY(!id.isEmpty());
    const auto webhook = m_cli->createWebhook(id);
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
    const QString agent = m_cli->addAgent();
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
        auto engine = m_cli->openEngine();
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
    const QString agent = m_cli->addAgent();
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
    const QString first = m_cli->addAgent(QStringLiteral("first"));
    const QString second = m_cli->addAgent(QStringLiteral("second"));
    const auto a = m_cli->createWebhook(first);
    const auto b = m_cli->createWebhook(second, QStringLiteral("stripe"));
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
    const auto webhook = m_cli->createWebhook(m_cli->addAgent());
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
        auto engine = m_cli->openEngine();
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
        auto engine = m_cli->openEngine();
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
    const auto webhook = m_cli->createWebhook(m_cli->addAgent());
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
    const auto webhook = m_cli->createWebhook(m_cli->addAgent());
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

QTEST_GUILESS_MAIN(TestCliAdmin)
#include "tst_cli_admin.moc"
