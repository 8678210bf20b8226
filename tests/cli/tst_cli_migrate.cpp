// alfe migrate --from DATA_DIR --to postgresql://…: an embedded installation made through the real `alfe` (agents,
// webhooks with Alfe and provider secrets, signed deliveries forwarded to a receiver, a refused request, an admin
// token) copied into a private PostgreSQL 15; the same data read back through `alfe … --database URL`, the original
// secret accepted by `alfe serve --database URL` with the same key file, and the refusals.
#include "CliRunner.h"
#include "HttpClient.h"
#include "PgServer.h"
#include "TestReceiver.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
QStringList withDatabase(QStringList arguments, const QString& url)
{
    return arguments << QStringLiteral("--database") << url;
}

// The SOURCE and TARGET columns of `table`'s line in migrate's count table, e.g. "deliveries  5  5  ok".
bool countLine(const QByteArray& out, const QString& table, int expected)
{
    const QRegularExpression line(QStringLiteral("^%1\\s+%2\\s+%2\\s+ok$").arg(table).arg(expected),
                                  QRegularExpression::MultilineOption);
    return line.match(QString::fromUtf8(out)).hasMatch();
}
} // namespace

class TestCliMigrate final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void copiesAnEmbeddedInstallation();
    void refusesBadArguments();
    void refusesASourceInUse();

private:
    QString newDatabase();
};

void TestCliMigrate::initTestCase()
{
    QVERIFY2(!newDatabase().isEmpty(), qPrintable(PgServer::shared().error()));
}

QString TestCliMigrate::newDatabase()
{
    return PgServer::shared().createDatabase(QStringLiteral("migrate"));
}

void TestCliMigrate::copiesAnEmbeddedInstallation()
{
    CliRunner cli;
    TestReceiver receiver;
    const QString agentId = cli.addAgent(QStringLiteral("migrated-bot"));
    QVERIFY(!agentId.isEmpty());
    ALFE_VERIFY_OK(cli.run(
        {QStringLiteral("agent"), QStringLiteral("set"), agentId, QStringLiteral("--forward-to"), receiver.url()}));
    const auto generic = cli.createWebhook(agentId);
    const auto stripe = cli.createWebhook(agentId, QStringLiteral("stripe"));
    QVERIFY(generic.second.startsWith("whsec_") && stripe.second.startsWith("whsec_"));
    ALFE_VERIFY_OK(cli.run({QStringLiteral("webhook"), QStringLiteral("set-provider-secret"), stripe.first},
                           "whsec_providerSecretOfStripe0123456789"));
    ALFE_VERIFY_OK(cli.run({QStringLiteral("admin"), QStringLiteral("token"), QStringLiteral("create")}));

    quint16 port = 0;
    auto server = cli.startServe(&port);
    QVERIFY(port != 0);
    HttpClient http(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    const QString path = QStringLiteral("/v1/hooks/") + generic.first;
    for (int i = 0; i < 5; ++i) {
        const QByteArray body = "{\"n\":" + QByteArray::number(i) + ",\"bytes\":\"\\u00e9\"}";
        QCOMPARE(http.postSigned(path, body, generic.second).status, 202);
    }
    QCOMPARE(http.postSigned(path, "{\"n\":99}", "whsec_" + QByteArray(44, 'A')).status, 401);
    // Every delivery forwarded (one attempt each) before the server stops.
    QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 5, 20'000);
    const QStringList delivered{QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--status"),
                                QStringLiteral("delivered"), QStringLiteral("--json")};
    QTRY_COMPARE_WITH_TIMEOUT(cli.run(delivered).json().array().size(), 5, 20'000);
    server->terminate();
    QVERIFY(CliRunner::finish(*server).exitCode == 0);

    const QStringList list{QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")};
    const QJsonArray before = cli.run(list).json().array();
    QCOMPARE(before.size(), 5);
    const QString deliveryId = before.first().toObject().value(QLatin1String("id")).toString();
    const QStringList show{QStringLiteral("deliveries"), QStringLiteral("show"), deliveryId, QStringLiteral("--json")};
    const QJsonObject shownBefore = cli.run(show).json().object();
    const QStringList hook{QStringLiteral("webhook"), QStringLiteral("show"), stripe.first, QStringLiteral("--json")};
    const QJsonObject hookBefore = cli.run(hook).json().object();
    QVERIFY(!hookBefore.isEmpty());

    const QString url = newDatabase();
    QVERIFY(!url.isEmpty());
    const CliResult migrated = CliRunner::runRaw(
        {QStringLiteral("migrate"), QStringLiteral("--from"), cli.dataDir(), QStringLiteral("--to"), url});
    ALFE_VERIFY_OK(migrated);
    QVERIFY2(countLine(migrated.out, QStringLiteral("agents"), 1), migrated.describe().constData());
    QVERIFY2(countLine(migrated.out, QStringLiteral("webhooks"), 2), migrated.describe().constData());
    QVERIFY2(countLine(migrated.out, QStringLiteral("secret_versions"), 2), migrated.describe().constData());
    QVERIFY2(countLine(migrated.out, QStringLiteral("provider_secret_versions"), 1), migrated.describe().constData());
    QVERIFY2(countLine(migrated.out, QStringLiteral("deliveries"), 5), migrated.describe().constData());
    QVERIFY2(countLine(migrated.out, QStringLiteral("attempts"), 5), migrated.describe().constData());
    QVERIFY2(countLine(migrated.out, QStringLiteral("refused_requests"), 1), migrated.describe().constData());
    QVERIFY2(countLine(migrated.out, QStringLiteral("admin_tokens"), 1), migrated.describe().constData());
    QVERIFY2(migrated.out.contains("Secrets were copied sealed"), migrated.describe().constData());
    QVERIFY2(!migrated.out.contains(url.toUtf8() + "?"), migrated.describe().constData());

    // The same answers from PostgreSQL, through the CLI, with the same key file.
    QCOMPARE(cli.run(withDatabase(list, url)).json().array(), before);
    QCOMPARE(cli.run(withDatabase(show, url)).json().object(), shownBefore);
    QCOMPARE(cli.run(withDatabase(hook, url)).json().object(), hookBefore);
    const CliResult refused =
        cli.run(withDatabase({QStringLiteral("deliveries"), QStringLiteral("refused"), QStringLiteral("--json")}, url));
    QCOMPARE(refused.json().array().size(), 1);

    // The original secret verifies on a server of the PostgreSQL store: the sealed secrets open with the same key.
    auto pgServer = cli.startServe(&port, {QStringLiteral("--database"), url});
    QVERIFY(port != 0);
    HttpClient pgHttp(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    const HttpResponse accepted = pgHttp.postSigned(path, "{\"after\":\"migrate\"}", generic.second);
    QCOMPARE(accepted.status, 202);
    // A new refused row takes a new id: the identity continues after the copied ones.
    QCOMPARE(pgHttp.postSigned(path, "{\"n\":100}", "whsec_" + QByteArray(44, 'B')).status, 401);
    QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 6, 20'000);
    pgServer->terminate();
    QVERIFY(CliRunner::finish(*pgServer).exitCode == 0);
    QCOMPARE(cli.run(withDatabase(list, url)).json().array().size(), 6);
    QCOMPARE(cli.run(list).json().array().size(), 5); // the source is unchanged
    const QJsonArray refusedAfter =
        cli.run(withDatabase({QStringLiteral("deliveries"), QStringLiteral("refused"), QStringLiteral("--json")}, url))
            .json()
            .array();
    // Stored beside the copied one: had the identity started at 1 again, its INSERT would have collided.
    QCOMPARE(refusedAfter.size(), 2);
    QCOMPARE(refusedAfter.at(0).toObject().value(QLatin1String("body")).toString(), QStringLiteral("{\"n\":100}"));

    // Migrating again into the same database: refused, nothing merged.
    const CliResult again = CliRunner::runRaw(
        {QStringLiteral("migrate"), QStringLiteral("--from"), cli.dataDir(), QStringLiteral("--to"), url});
    ALFE_VERIFY_ERROR(
        again, 1, QStringLiteral("already holds data (agents: 1, agent_tokens: 1, webhooks: 2, secret_versions: 2"));
    QCOMPARE(cli.run(withDatabase(list, url)).json().array().size(), 6);
}

void TestCliMigrate::refusesBadArguments()
{
    CliRunner cli;
    QVERIFY(!cli.addAgent().isEmpty());
    const QString url = newDatabase();
    QVERIFY(!url.isEmpty());
    const auto migrate = [](const QString& from, const QString& to) {
        return CliRunner::runRaw(
            {QStringLiteral("migrate"), QStringLiteral("--from"), from, QStringLiteral("--to"), to});
    };
    ALFE_VERIFY_ERROR(migrate(cli.dataDir(), cli.path(QStringLiteral("other.sqlite"))), 2,
                      QStringLiteral("--to must be a PostgreSQL URL"));
    ALFE_VERIFY_ERROR(migrate(cli.dataDir(), QStringLiteral("postgresql://")), 2, QStringLiteral("--to:"));
    ALFE_VERIFY_ERROR(migrate(cli.path(QStringLiteral("missing")), url), 2, QStringLiteral("no such directory"));
    QVERIFY(QDir().mkpath(cli.path(QStringLiteral("empty"))));
    ALFE_VERIFY_ERROR(migrate(cli.path(QStringLiteral("empty")), url), 2,
                      QStringLiteral("is not an Alfe data directory (it has no alfe.sqlite)"));
    ALFE_VERIFY_ERROR(CliRunner::runRaw({QStringLiteral("migrate"), QStringLiteral("--to"), url}), 2,
                      QStringLiteral("migrate needs --from DIR and --to"));
    const CliResult help = CliRunner::runRaw({QStringLiteral("migrate"), QStringLiteral("--help")});
    ALFE_VERIFY_OK(help);
    QVERIFY(help.out.startsWith("Usage: alfe migrate [options]"));
    QVERIFY(help.out.contains("--to <URL>") && help.out.contains("--from <DIR>"));
    // None of these touched the target: a migration into it still works.
    ALFE_VERIFY_OK(migrate(cli.dataDir(), url));
}

void TestCliMigrate::refusesASourceInUse()
{
    CliRunner cli;
    QVERIFY(!cli.addAgent().isEmpty());
    quint16 port = 0;
    auto server = cli.startServe(&port);
    QVERIFY(port != 0);
    const QString url = newDatabase();
    const CliResult busy = CliRunner::runRaw(
        {QStringLiteral("migrate"), QStringLiteral("--from"), cli.dataDir(), QStringLiteral("--to"), url});
    ALFE_VERIFY_ERROR(busy, 1, QStringLiteral("Stop 'alfe serve' on it first"));
    server->terminate();
    QVERIFY(CliRunner::finish(*server).exitCode == 0);
}

QTEST_MAIN(TestCliMigrate)
#include "tst_cli_migrate.moc"
