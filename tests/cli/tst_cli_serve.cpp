// `alfe serve` and `alfe send-test` as real processes: the server takes signed posts while admin commands
// run beside it on the same data directory, holds the directory exclusively, and stops cleanly on a signal.
#include "CliRunner.h"

#include "HttpClient.h"
#include "crypto/Signature.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>
#include <QUuid>

#include <csignal>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
const QString ListeningLine = QStringLiteral("^alfe: listening on http://127\\.0\\.0\\.1:(\\d+)$");

// A port nothing listens on (bound, then released).
quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

QJsonObject findDelivery(const QJsonArray& deliveries, const QString& id)
{
    for (const QJsonValue& value : deliveries) {
        if (value.toObject().value(QLatin1String("id")).toString() == id)
            return value.toObject();
    }
    return {};
}
} // namespace

class TestCliServe final : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_cli = std::make_unique<CliRunner>(); }
    void cleanup() { m_cli.reset(); }

    void serveTakesSignedPostsBesideAdminCommands();
    void sendTestSamplesPerProvider_data();
    void sendTestSamplesPerProvider();
    void adminChangesHoldWhenTheCommandReturns();
    void serveStopsOnSignal_data();
    void serveStopsOnSignal();
    void serveFailsWhenThePortIsTaken();
    void sendTestWithoutAServer();
    void sendTestErrors();

private:
    // Starts `alfe serve --port 0 ARGS`; returns the port it printed (0 when it did not start).
    quint16 startServer(std::unique_ptr<QProcess>& process, const QStringList& arguments = {});
    QPair<QString, QByteArray> newWebhook(const QString& provider);

    std::unique_ptr<CliRunner> m_cli;
};

quint16 TestCliServe::startServer(std::unique_ptr<QProcess>& process, const QStringList& arguments)
{
    process =
        m_cli->start(QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")} + arguments);
    QByteArray seen;
    const QString port = waitForLine(*process, ListeningLine, &seen);
    if (port.isEmpty()) {
        qWarning("serve did not start: %s / %s", seen.constData(), process->readAllStandardError().constData());
        return 0;
    }
    return quint16(port.toUInt());
}

QPair<QString, QByteArray> TestCliServe::newWebhook(const QString& provider)
{
    const QString agentId = m_cli->addAgent(QStringLiteral("serve-bot"));
    return agentId.isEmpty() ? QPair<QString, QByteArray>() : m_cli->createWebhook(agentId, provider);
}

void TestCliServe::serveTakesSignedPostsBesideAdminCommands()
{
    std::unique_ptr<QProcess> server;
    const quint16 port = startServer(server);
    QVERIFY(port != 0);
    const QString portText = QString::number(port);

    // Admin commands in other processes, on the data directory the server holds.
    const auto webhook = newWebhook(QStringLiteral("github"));
    QVERIFY(!webhook.first.isEmpty());
    QVERIFY(webhook.second.startsWith("whsec_"));
    const QString hookPath = QStringLiteral("/v1/hooks/") + webhook.first;

    // A sender signs with the secret `webhook create` printed: accepted and committed.
    HttpClient http(QUrl(QStringLiteral("http://127.0.0.1:") + portText));
    const QByteArray body = R"({"ref":"refs/heads/main","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"})";
    const HttpResponse accepted = http.postSigned(
        hookPath, body, webhook.second,
        {{"X-GitHub-Event", "push"}, {"X-GitHub-Delivery", QUuid::createUuid().toByteArray(QUuid::WithoutBraces)}});
    QCOMPARE(accepted.status, 202);
    const QString deliveryId = accepted.json().value(QLatin1String("deliveryId")).toString();
    QVERIFY(deliveryId.startsWith(QLatin1String("dlv_")));
    // The same body signed with another secret is refused, so the 202 above proves the printed secret.
    QCOMPARE(http.postSigned(hookPath, body, "whsec_" + QByteArray(44, 'A')).status, 401);
    // ...and the refused request is there to see, with its reason.
    CliResult refused;
    QTRY_VERIFY(
        (refused = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("refused"), QStringLiteral("--json")}))
            .json()
            .array()
            .size() == 1);
    const QJsonObject refusal = refused.json().array().first().toObject();
    QCOMPARE(refusal.value(QLatin1String("status")).toInt(), 401);
    QCOMPARE(refusal.value(QLatin1String("reason")).toString(), QStringLiteral("invalid_signature"));
    QCOMPARE(refusal.value(QLatin1String("path")).toString(), hookPath);
    QCOMPARE(refusal.value(QLatin1String("webhookId")).toString(), webhook.first);
    QCOMPARE(refusal.value(QLatin1String("body")).toString(), QString::fromUtf8(body));
    const CliResult refusedTable = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("refused")});
    ALFE_VERIFY_OK(refusedTable);
    QVERIFY(refusedTable.out.contains("invalid_signature"));

    // A 2xx means committed: the delivery is listed at once.
    const CliResult list = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(list);
    const QJsonObject listed = findDelivery(list.json().array(), deliveryId);
    QVERIFY2(!listed.isEmpty(), list.describe().constData());
    QCOMPARE(listed.value(QLatin1String("webhookId")).toString(), webhook.first);
    QCOMPARE(listed.value(QLatin1String("eventType")).toString(), QStringLiteral("push"));
    const CliResult shown = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), deliveryId});
    ALFE_VERIFY_OK(shown);
    QVERIFY(shown.out.contains("\n" + body + "\n"));

    // Other processes find the running server: no --port needed, and URLs carry its real port.
    const CliResult discovered = m_cli->run({QStringLiteral("send-test"), webhook.first});
    ALFE_VERIFY_OK(discovered);
    QVERIFY2(discovered.out.contains("HTTP 202"), discovered.describe().constData());
    const CliResult showHook =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), webhook.first, QStringLiteral("--json")});
    ALFE_VERIFY_OK(showHook);
    QCOMPARE(showHook.json().object().value(QLatin1String("url")).toString(),
             QStringLiteral("http://127.0.0.1:") + portText + hookPath);

    // send-test signs a sample push with the stored secret and posts it through the same ingress.
    const CliResult sent = m_cli->run({QStringLiteral("send-test"), webhook.first, QStringLiteral("--port"), portText});
    ALFE_VERIFY_OK(sent);
    QVERIFY2(sent.out.contains("HTTP 202"), sent.describe().constData());
    QVERIFY2(sent.out.contains("Sent test event push ("), sent.describe().constData());
    QVERIFY2(sent.out.contains("signed with X-Hub-Signature-256 (github)"), sent.describe().constData());
    const QRegularExpression idPattern(QStringLiteral("\"deliveryId\":\"(dlv_[0-9A-Z]{26})\""));
    const QString testId = idPattern.match(QString::fromUtf8(sent.out)).captured(1);
    QVERIFY2(!testId.isEmpty() && testId != deliveryId, sent.describe().constData());
    const CliResult sample =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), testId, QStringLiteral("--json")});
    ALFE_VERIFY_OK(sample);
    const QJsonObject sampleJson = sample.json().object();
    QCOMPARE(sampleJson.value(QLatin1String("eventType")).toString(), QStringLiteral("push"));
    QCOMPARE(sampleJson.value(QLatin1String("provider")).toString(), QStringLiteral("github"));
    QVERIFY(sampleJson.value(QLatin1String("body")).toString().contains(QLatin1String("\"ref\":\"refs/heads/main\"")));

    // A second sample is a fresh event, not a duplicate.
    const CliResult again = m_cli->run(
        {QStringLiteral("send-test"), webhook.first, QStringLiteral("--port"), portText, QStringLiteral("--json")});
    ALFE_VERIFY_OK(again);
    QCOMPARE(again.json().object().value(QLatin1String("status")).toInt(), 202);

    // --file posts the file's exact bytes.
    const QByteArray fileBody = "{\"type\":\"custom\",\"text\":\"caf\xc3\xa9 \\u2603\",\"n\":[1,2,3]}";
    QFile file(m_cli->path(QStringLiteral("payload.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(fileBody);
    file.close();
    const CliResult fromFile =
        m_cli->run({QStringLiteral("send-test"), webhook.first, QStringLiteral("--file"), file.fileName(),
                    QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:") + portText, QStringLiteral("--json")});
    ALFE_VERIFY_OK(fromFile);
    const QString fileDelivery = fromFile.json()
                                     .object()
                                     .value(QLatin1String("response"))
                                     .toObject()
                                     .value(QLatin1String("deliveryId"))
                                     .toString();
    QVERIFY2(!fileDelivery.isEmpty(), fromFile.describe().constData());
    const CliResult stored =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), fileDelivery, QStringLiteral("--json")});
    QCOMPARE(QByteArray::fromBase64(stored.json().object().value(QLatin1String("bodyBase64")).toString().toLatin1()),
             fileBody);

    // A disabled webhook: the ingress answers 410 and send-test says so, as soon as `disable` returned.
    ALFE_VERIFY_OK(m_cli->run({QStringLiteral("webhook"), QStringLiteral("disable"), webhook.first}));
    const QStringList sendTest{QStringLiteral("send-test"), webhook.first, QStringLiteral("--port"), portText};
    ALFE_VERIFY_ERROR(m_cli->run(sendTest), 1, QStringLiteral("The ingress answered HTTP 410 Gone: "));

    // The data directory is held: a second server names the first one's process.
    const CliResult second = m_cli->run({QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")});
    ALFE_VERIFY_ERROR(second, 1, QStringLiteral("process %1").arg(server->processId()));
    QVERIFY(second.err.contains("is in use by"));

    // SIGTERM: a clean stop.
    server->terminate();
    QVERIFY(server->waitForFinished(20'000));
    QCOMPARE(server->exitStatus(), QProcess::NormalExit);
    QCOMPARE(server->exitCode(), 0);
    QVERIFY(server->readAllStandardOutput().endsWith("alfe: stopped\n"));
    QCOMPARE(server->readAllStandardError(), QByteArray());

    // Nothing listens any more.
    ALFE_VERIFY_OK(m_cli->run({QStringLiteral("webhook"), QStringLiteral("enable"), webhook.first}));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("send-test"), webhook.first, QStringLiteral("--port"), portText}), 1,
                      QStringLiteral("is not reachable"));
}

// Someone disabling an abused webhook or rotating a leaked secret beside a running server needs the change to
// hold for the very next request after the command returns: no retry loops and no waiting here. Each
// request first warms the server's webhook cache, so a stale cache would answer the old way.
void TestCliServe::adminChangesHoldWhenTheCommandReturns()
{
    std::unique_ptr<QProcess> server;
    const quint16 port = startServer(server);
    QVERIFY(port != 0);
    const auto webhook = newWebhook(QStringLiteral("generic"));
    QVERIFY(!webhook.first.isEmpty());
    const QString path = QStringLiteral("/v1/hooks/") + webhook.first;
    HttpClient http(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    int n = 0;
    auto post = [&](const QByteArray& secret) {
        return http.postSigned(path, "{\"n\":" + QByteArray::number(++n) + "}", secret).status;
    };
    const auto cli = [&](const QStringList& arguments) {
        return m_cli->run(QStringList{QStringLiteral("webhook")} + arguments);
    };

    QCOMPARE(post(webhook.second), 202);
    ALFE_VERIFY_OK(cli({QStringLiteral("disable"), webhook.first}));
    QCOMPARE(post(webhook.second), 410);
    ALFE_VERIFY_OK(cli({QStringLiteral("enable"), webhook.first}));
    QCOMPARE(post(webhook.second), 202);

    // Rotation with a grace period: the new secret works at once, the old one still does.
    const CliResult rotated = cli({QStringLiteral("rotate"), webhook.first, QStringLiteral("--grace"),
                                   QStringLiteral("1h"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(rotated);
    const QByteArray second = rotated.json().object().value(QLatin1String("secret")).toString().toLatin1();
    QVERIFY(second.startsWith("whsec_") && second != webhook.second);
    QCOMPARE(post(second), 202);
    QCOMPARE(post(webhook.second), 202);

    // Rotation that ends the old secret now (a leak): the old one is refused on the next request.
    const CliResult leaked = cli({QStringLiteral("rotate"), webhook.first, QStringLiteral("--grace"),
                                  QStringLiteral("0"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(leaked);
    const QByteArray third = leaked.json().object().value(QLatin1String("secret")).toString().toLatin1();
    QCOMPARE(post(second), 401);
    QCOMPARE(post(webhook.second), 401);
    QCOMPARE(post(third), 202);

    // Deleted: 404 at once.
    ALFE_VERIFY_OK(cli({QStringLiteral("delete"), webhook.first}));
    QCOMPARE(post(third), 404);

    server->terminate();
    QVERIFY(server->waitForFinished(20'000));
}

void TestCliServe::sendTestSamplesPerProvider_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("eventType");
    QTest::addColumn<QString>("bodyFragment");
    QTest::addColumn<QByteArray>("providerSecret"); // imported through the CLI while the server runs
    QTest::addColumn<QString>("signedWith");        // the scheme send-test signs with, and the ingress verifies
    QTest::newRow("generic") << QStringLiteral("generic") << QStringLiteral("alfe.test")
                             << QStringLiteral("\"type\":\"alfe.test\"") << QByteArray() << QStringLiteral("alfe");
    QTest::newRow("generic, Standard Webhooks secret")
        << QStringLiteral("generic") << QStringLiteral("alfe.test") << QStringLiteral("\"type\":\"alfe.test\"")
        << QByteArray("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") << QStringLiteral("standard-webhooks");
    QTest::newRow("github") << QStringLiteral("github") << QStringLiteral("push") << QStringLiteral("\"head_commit\":")
                            << QByteArray() << QStringLiteral("github");
    QTest::newRow("stripe") << QStringLiteral("stripe") << QStringLiteral("invoice.paid")
                            << QStringLiteral("\"id\":\"evt_") << QByteArray() << QStringLiteral("alfe");
    QTest::newRow("stripe, imported secret")
        << QStringLiteral("stripe") << QStringLiteral("invoice.paid") << QStringLiteral("\"id\":\"evt_")
        << QByteArray("whsec_stripeTestSecret0123456789\n") << QStringLiteral("stripe");
    QTest::newRow("slack") << QStringLiteral("slack") << QStringLiteral("app_mention")
                           << QStringLiteral("\"type\":\"event_callback\"") << QByteArray() << QStringLiteral("alfe");
    QTest::newRow("slack, imported secret")
        << QStringLiteral("slack") << QStringLiteral("app_mention") << QStringLiteral("\"type\":\"event_callback\"")
        << QByteArray("8f742231b10e8888abcd99yyyzzz85a5") << QStringLiteral("slack");
}

void TestCliServe::sendTestSamplesPerProvider()
{
    QFETCH(QString, provider);
    QFETCH(QString, eventType);
    QFETCH(QString, bodyFragment);
    QFETCH(QByteArray, providerSecret);
    QFETCH(QString, signedWith);
    std::unique_ptr<QProcess> server;
    const quint16 port = startServer(server);
    QVERIFY(port != 0);
    const auto webhook = newWebhook(provider);
    QVERIFY(!webhook.first.isEmpty());
    if (!providerSecret.isEmpty()) {
        const CliResult imported = m_cli->run(
            {QStringLiteral("webhook"), QStringLiteral("set-provider-secret"), webhook.first}, providerSecret);
        ALFE_VERIFY_OK(imported);
        QVERIFY(!imported.out.contains(providerSecret.trimmed()));
    }

    QStringList ids;
    for (int i = 0; i < 2; ++i) {
        const CliResult sent = m_cli->run({QStringLiteral("send-test"), webhook.first, QStringLiteral("--port"),
                                           QString::number(port), QStringLiteral("--json")});
        ALFE_VERIFY_OK(sent);
        const QJsonObject answer = sent.json().object();
        QCOMPARE(answer.value(QLatin1String("status")).toInt(), 202); // fresh ids: never a duplicate
        QCOMPARE(answer.value(QLatin1String("eventType")).toString(), eventType);
        QCOMPARE(answer.value(QLatin1String("signedWith")).toString(), signedWith);
        ids << answer.value(QLatin1String("response")).toObject().value(QLatin1String("deliveryId")).toString();
    }
    QVERIFY(ids.at(0) != ids.at(1));
    const CliResult shown =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), ids.at(1), QStringLiteral("--json")});
    ALFE_VERIFY_OK(shown);
    const QJsonObject delivery = shown.json().object();
    QCOMPARE(delivery.value(QLatin1String("eventType")).toString(), eventType);
    QCOMPARE(delivery.value(QLatin1String("provider")).toString(), provider);
    QCOMPARE(delivery.value(QLatin1String("verifiedBy")).toString(), signedWith);
    QVERIFY2(delivery.value(QLatin1String("body")).toString().contains(bodyFragment), shown.describe().constData());

    server->terminate();
    QVERIFY(server->waitForFinished(20'000));
    QCOMPARE(server->exitCode(), 0);
}

void TestCliServe::serveStopsOnSignal_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGINT") << SIGINT;
    QTest::newRow("SIGTERM") << SIGTERM;
}

void TestCliServe::serveStopsOnSignal()
{
    QFETCH(int, signalNumber);
    std::unique_ptr<QProcess> server;
    QVERIFY(startServer(server) != 0);
    QCOMPARE(::kill(pid_t(server->processId()), signalNumber), 0);
    QVERIFY(server->waitForFinished(20'000));
    QCOMPARE(server->exitStatus(), QProcess::NormalExit);
    QCOMPARE(server->exitCode(), 0);
    QCOMPARE(server->readAllStandardOutput(), QByteArray("alfe: stopped\n"));
    QCOMPARE(server->readAllStandardError(), QByteArray());

    // The lock went with it: the directory can be served again.
    std::unique_ptr<QProcess> next;
    QVERIFY(startServer(next) != 0);
    next->terminate();
    QVERIFY(next->waitForFinished(20'000));
    QCOMPARE(next->exitCode(), 0);
}

void TestCliServe::serveFailsWhenThePortIsTaken()
{
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
    const QString port = QString::number(taken.serverPort());
    const CliResult refused = m_cli->run({QStringLiteral("serve"), QStringLiteral("--port"), port});
    ALFE_VERIFY_ERROR(refused, 1, QStringLiteral("Cannot listen on 127.0.0.1:") + port);
}

void TestCliServe::sendTestWithoutAServer()
{
    const auto webhook = newWebhook(QStringLiteral("stripe"));
    QVERIFY(!webhook.first.isEmpty());
    const quint16 port = freePort();
    QVERIFY(port != 0);
    const CliResult refused =
        m_cli->run({QStringLiteral("send-test"), webhook.first, QStringLiteral("--port"), QString::number(port)});
    ALFE_VERIFY_ERROR(refused, 1, QStringLiteral("The ingress at http://127.0.0.1:%1 is not reachable").arg(port));
    QVERIFY(refused.err.contains("Is 'alfe serve' running?"));
}

void TestCliServe::sendTestErrors()
{
    const auto webhook = newWebhook(QStringLiteral("slack"));
    QVERIFY(!webhook.first.isEmpty());
    const QString missing = m_cli->path(QStringLiteral("no-such-payload.json"));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("send-test"), webhook.first, QStringLiteral("--file"), missing}), 1,
                      QStringLiteral("Cannot read %1").arg(missing));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("send-test"), QStringLiteral("whk_nope"), QStringLiteral("--port"),
                                  QString::number(freePort())}),
                      1, QStringLiteral("No webhook with id whk_nope"));
}

QTEST_GUILESS_MAIN(TestCliServe)
#include "tst_cli_serve.moc"
