// At-least-once across a crash: `alfe serve` is killed with SIGKILL while deliveries are in
// flight to a hanging agent and more are queued behind them; a new `alfe serve` on the same data directory
// takes the dead process's lock over and delivers every delivery the ingress acknowledged.
#include "CliRunner.h"

#include "HttpClient.h"
#include "TestReceiver.h"
#include "crypto/Signature.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QTest>

#include <csignal>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
constexpr int Deliveries = 50;
constexpr int WaitMs = 60'000;

// The X-Alfe-Delivery-Id of every request the receiver got, in arrival order.
QStringList receivedIds(const TestReceiver& receiver)
{
    QStringList ids;
    for (const TestReceiver::Received& request : receiver.received())
        ids << QString::fromLatin1(request.header("X-Alfe-Delivery-Id"));
    return ids;
}

} // namespace

class TestCliCrash final : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_cli = std::make_unique<CliRunner>(); }
    void cleanup()
    {
        for (auto* server : {&m_first, &m_second}) {
            if (*server && (*server)->state() != QProcess::NotRunning) {
                (*server)->kill();
                (*server)->waitForFinished();
            }
            server->reset();
        }
        m_cli.reset();
    }

    void killedUnderLoadDeliversEverythingAfterRestart();
    void killedRepeatedlyUnderLoadLosesNothing();

private:
    // Starts `alfe serve --port 0 --rate-limit 0`; returns the port it printed (0 when it did not start).
    quint16 startServer(std::unique_ptr<QProcess>& process);
    // The ids `alfe deliveries list --json ARGS` prints (empty on failure, with a warning).
    QStringList listedIds(const QStringList& arguments);

    std::unique_ptr<CliRunner> m_cli;
    std::unique_ptr<QProcess> m_first;
    std::unique_ptr<QProcess> m_second;
};

quint16 TestCliCrash::startServer(std::unique_ptr<QProcess>& process)
{
    quint16 port = 0;
    process = m_cli->startServe(&port);
    return port;
}

QStringList TestCliCrash::listedIds(const QStringList& arguments)
{
    const CliResult list = m_cli->run(
        QStringList{QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")} + arguments);
    if (list.exitCode != 0 || !list.json().isArray()) {
        qWarning("deliveries list failed: %s", list.describe().constData());
        return {};
    }
    QStringList ids;
    for (const QJsonValue& value : list.json().array())
        ids << value.toObject().value(QLatin1String("id")).toString();
    return ids;
}

void TestCliCrash::killedUnderLoadDeliversEverythingAfterRestart()
{
    TestReceiver receiver;
    receiver.setFallback(TestReceiver::hang()); // every attempt stays in flight

    const CliResult agent = m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("bot"),
                                        QStringLiteral("--forward-to"), receiver.url(), QStringLiteral("--json")});
    ALFE_VERIFY_OK(agent);
    const QString agentId = agent.json().object().value(QLatin1String("id")).toString();
    QVERIFY2(!agentId.isEmpty(), agent.describe().constData());
    const auto [webhookId, secret] = m_cli->createWebhook(agentId);
    QVERIFY(!webhookId.isEmpty());
    QVERIFY(secret.startsWith("whsec_"));

    const quint16 port = startServer(m_first);
    QVERIFY(port != 0);
    const qint64 pid = m_first->processId();
    QVERIFY(pid > 0);

    // N signed deliveries through the real ingress; a 2xx means committed, so each of them must arrive.
    HttpClient http(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    const QString hookPath = QStringLiteral("/v1/hooks/") + webhookId;
    QElapsedTimer sinceFirstAttempt; // the first post starts the first (hanging) attempt
    sinceFirstAttempt.start();
    QStringList acknowledged;
    for (int i = 0; i < Deliveries; ++i) {
        const QByteArray body = R"({"type":"load.test","n":)" + QByteArray::number(i) + "}";
        const HttpResponse r = http.postSigned(hookPath, body, secret);
        if (r.status >= 200 && r.status < 300)
            acknowledged << r.json().value(QLatin1String("deliveryId")).toString();
        else
            qWarning() << "delivery" << i << "not acknowledged:" << r.status << r.body << r.error;
    }
    QCOMPARE(acknowledged.size(), Deliveries);
    QCOMPARE(QSet<QString>(acknowledged.cbegin(), acknowledged.cend()).size(), Deliveries);

    // A few attempts reach the hanging agent (the per-agent limit holds the rest back as queued).
    QTRY_VERIFY_WITH_TIMEOUT(receiver.count() >= 2, 5'000);
    const QStringList inFlight = receivedIds(receiver);
    QVERIFY(missingIds(inFlight, acknowledged).isEmpty());
    QVERIFY2(inFlight.size() < Deliveries, "some deliveries must still be queued when the process dies");

    // Attempts out for a while are recorded as started ('delivering'); quick ones are recorded whole.
    QTRY_VERIFY_WITH_TIMEOUT(
        missingIds(inFlight, listedIds({QStringLiteral("--status"), QStringLiteral("delivering")})).isEmpty(), 5'000);
    // The process dies: no shutdown, the lock file and the open attempts stay behind. It must die before its
    // forwarding timeout (10 s) ends the hanging attempts, or they would not be in flight any more.
    const qint64 window = sinceFirstAttempt.elapsed();
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    QVERIFY2(window < 9'000, qPrintable(QStringLiteral("killed %1 ms after the first attempt: too late, the "
                                                       "attempts may have timed out (machine overloaded?)")
                                            .arg(window)));
    QVERIFY(m_first->waitForFinished(20'000));
    QCOMPARE(m_first->exitStatus(), QProcess::CrashExit);

    // What the dead process left: the hanging attempts still delivering, the rest queued, nothing delivered.
    const QStringList limit{QStringLiteral("--limit"), QStringLiteral("500")};
    const QStringList delivering =
        listedIds(QStringList{QStringLiteral("--status"), QStringLiteral("delivering")} + limit);
    const QStringList queued = listedIds(QStringList{QStringLiteral("--status"), QStringLiteral("queued")} + limit);
    QCOMPARE(missingIds(inFlight, delivering), QStringList());
    QVERIFY(!queued.isEmpty());
    QCOMPARE(missingIds(acknowledged, delivering + queued), QStringList());
    QCOMPARE(delivering.size() + queued.size(), Deliveries);

    // The agent is fine now; a new server on the same directory takes the stale lock over.
    receiver.setFallback(TestReceiver::ok());
    QVERIFY(startServer(m_second) != 0);

    // Every acknowledged delivery reaches the agent at least once...
    QTRY_COMPARE_WITH_TIMEOUT(missingIds(acknowledged, receivedIds(receiver)), QStringList(), WaitMs);
    // ...and is recorded as delivered.
    const QStringList deliveredArgs{QStringLiteral("--status"), QStringLiteral("delivered"), QStringLiteral("--limit"),
                                    QStringLiteral("500")};
    QTRY_COMPARE_WITH_TIMEOUT(missingIds(acknowledged, listedIds(deliveredArgs)), QStringList(), WaitMs);

    // What was in flight is recorded as interrupted and was tried again.
    for (const QString& id : inFlight) {
        const CliResult shown =
            m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), id, QStringLiteral("--json")});
        ALFE_VERIFY_OK(shown);
        const QJsonObject delivery = shown.json().object();
        QCOMPARE(delivery.value(QLatin1String("status")).toString(), QStringLiteral("delivered"));
        const QJsonArray attempts = delivery.value(QLatin1String("attempts")).toArray();
        QVERIFY2(attempts.size() >= 2, shown.describe().constData());
        const QJsonObject first = attempts.first().toObject();
        QCOMPARE(first.value(QLatin1String("error")).toString(), QStringLiteral("interrupted"));
        QVERIFY2(first.value(QLatin1String("statusCode")).isNull(), shown.describe().constData());
        const QJsonObject last = attempts.last().toObject();
        QCOMPARE(last.value(QLatin1String("statusCode")).toInt(), 200);
        QVERIFY2(last.value(QLatin1String("error")).isNull(), shown.describe().constData());
        QVERIFY(receivedIds(receiver).count(id) >= 2);
    }

    // The second server stops cleanly.
    m_second->terminate();
    QVERIFY(m_second->waitForFinished(20'000));
    QCOMPARE(m_second->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_second->exitCode(), 0);
}

// The crash guarantee at speed: `alfe serve` is SIGKILLed again and again while senders post as fast as it
// answers and an online agent receives. Every delivery the ingress acknowledged with a 2xx must reach the
// agent in the end; duplicates (sent again after a crash, at least once) are counted and reported.
// ALFE_CRASH_ROUNDS sets the number of kills (./dev test --long: 10; by default 3).
void TestCliCrash::killedRepeatedlyUnderLoadLosesNothing()
{
    const int asked = qEnvironmentVariableIntValue("ALFE_CRASH_ROUNDS");
    const int rounds = asked > 0 ? asked : 3;
    constexpr int AcknowledgedPerRound = 300;
    constexpr int Senders = 8;

    TestReceiver receiver; // answers 200: the agent is online throughout
    const CliResult agent = m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("bot"),
                                        QStringLiteral("--forward-to"), receiver.url(), QStringLiteral("--json")});
    ALFE_VERIFY_OK(agent);
    const QString agentId = agent.json().object().value(QLatin1String("id")).toString();
    const auto [webhookId, secret] = m_cli->createWebhook(agentId);
    QVERIFY(!webhookId.isEmpty());

    QNetworkAccessManager network;
    QStringList acknowledged;
    int sent = 0;
    for (int round = 0; round < rounds; ++round) {
        const quint16 port = startServer(m_first);
        QVERIFY(port != 0);
        const QUrl url(QStringLiteral("http://127.0.0.1:%1/v1/hooks/%2").arg(port).arg(webhookId));
        int outstanding = 0;
        int ackedThisRound = 0;
        bool killed = false;
        std::function<void()> postOne = [&] {
            const QByteArray body = "{\"type\":\"crash.test\",\"n\":" + QByteArray::number(sent++) + ",\"pad\":\"" +
                                    QByteArray(200, 'x') + "\"}";
            QNetworkRequest request(url);
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
            request.setRawHeader(Signature::HeaderName, Signature::sign(secret, body));
            QNetworkReply* reply = network.post(request, body);
            ++outstanding;
            connect(reply, &QNetworkReply::finished, this, [&, reply] {
                reply->deleteLater();
                --outstanding;
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (status >= 200 && status < 300) {
                    const QString id = QJsonDocument::fromJson(reply->readAll())
                                           .object()
                                           .value(QLatin1String("deliveryId"))
                                           .toString();
                    if (!id.isEmpty()) {
                        acknowledged << id;
                        ++ackedThisRound;
                    }
                }
                if (!killed)
                    postOne();
            });
        };
        for (int i = 0; i < Senders; ++i)
            postOne();
        QTRY_VERIFY_WITH_TIMEOUT(ackedThisRound >= AcknowledgedPerRound, 60'000);
        // Killed in the middle of the load: requests in flight, a batch being committed, attempts out.
        QCOMPARE(::kill(pid_t(m_first->processId()), SIGKILL), 0);
        killed = true;
        QVERIFY(m_first->waitForFinished(20'000));
        QCOMPARE(m_first->exitStatus(), QProcess::CrashExit);
        QTRY_COMPARE_WITH_TIMEOUT(outstanding, 0, 30'000); // the rest end in errors: not acknowledged
    }
    QVERIFY(acknowledged.size() >= rounds * AcknowledgedPerRound);

    // One more start: everything acknowledged reaches the agent.
    QVERIFY(startServer(m_second) != 0);
    QTRY_COMPARE_WITH_TIMEOUT(missingIds(acknowledged, receivedIds(receiver)), QStringList(), WaitMs);
    const QStringList received = receivedIds(receiver);
    const QSet<QString> distinct(received.cbegin(), received.cend());
    const qsizetype duplicates = received.size() - distinct.size();
    qInfo("%d kills under load: %lld deliveries acknowledged, %lld received by the agent, none lost, %lld sent "
          "again after a crash (%.2f %%)",
          rounds, qlonglong(acknowledged.size()), qlonglong(distinct.size()), qlonglong(duplicates),
          100.0 * double(duplicates) / double(acknowledged.size()));
    m_second->terminate();
    QVERIFY(m_second->waitForFinished(20'000));
    QCOMPARE(m_second->exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestCliCrash)
#include "tst_cli_crash.moc"
