// At-least-once across a crash, for an agent on the live stream (SPEC §12): `alfe serve` is killed with SIGKILL
// while deliveries are out on the agent's stream, unacknowledged; a new `alfe serve` on the same data directory
// sends every delivery the ingress acknowledged to the agent when it connects again. The agent is the npm `ws`
// client of tests/interop (stream-client.mjs, StreamClient.h).
#include "CliRunner.h"

#include "HttpClient.h"
#include "StreamClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <csignal>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
constexpr int WaitMs = 60'000;

} // namespace

class TestCliStreamCrash final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(StreamClient::npmPackagesInstalled({QStringLiteral("ws"), QStringLiteral("standardwebhooks")}),
                 "npm packages missing in tests/interop: run ./dev test, which installs them");
    }
    void init()
    {
        m_cli = std::make_unique<CliRunner>();
        const CliResult agent = m_cli->run(
            {QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("bot"), QStringLiteral("--json")});
        QVERIFY2(agent.exitCode == 0, agent.describe().constData());
        m_agentId = agent.json().object().value(QLatin1String("id")).toString();
        m_token = agent.json().object().value(QLatin1String("token")).toString();
        QVERIFY2(!m_agentId.isEmpty() && !m_token.isEmpty(), agent.describe().constData());
        const auto [webhookId, secret] = m_cli->createWebhook(m_agentId);
        QVERIFY(secret.startsWith("whsec_"));
        m_webhookId = webhookId;
        m_secret = secret;
    }
    void cleanup()
    {
        if (m_server && m_server->state() != QProcess::NotRunning) {
            m_server->kill();
            m_server->waitForFinished();
        }
        m_server.reset();
        m_cli.reset();
    }

    void killedWithDeliveriesInFlightOnTheStream();
    void killedRepeatedlyWhileTheAgentAcks();

private:
    // Starts `alfe serve --port 0 --rate-limit 0` (m_server); returns the port it printed (0 when it did not start).
    quint16 startServer();
    void killServer();
    QStringList clientOptions(bool autoAck) const
    {
        QStringList options{QStringLiteral("--token"), m_token, QStringLiteral("--secret"),
                            QString::fromLatin1(m_secret)};
        if (autoAck)
            options << QStringLiteral("--ack");
        return options;
    }
    static QString streamUrl(quint16 port, const QString& query = {})
    {
        return QStringLiteral("ws://127.0.0.1:%1/v1/agents/me/stream%2").arg(port).arg(query);
    }
    // The ids `alfe deliveries list --json --limit 500 ARGS` prints (empty on failure, with a warning).
    QStringList listedIds(const QStringList& arguments = {});
    // Every delivery's status, by id.
    QHash<QString, QString> statuses();

    std::unique_ptr<CliRunner> m_cli;
    std::unique_ptr<QProcess> m_server;
    QString m_agentId;
    QString m_token;
    QString m_webhookId;
    QByteArray m_secret;
};

quint16 TestCliStreamCrash::startServer()
{
    quint16 port = 0;
    m_server = m_cli->startServe(&port);
    return port;
}

void TestCliStreamCrash::killServer()
{
    QCOMPARE(::kill(pid_t(m_server->processId()), SIGKILL), 0);
    QVERIFY(m_server->waitForFinished(20'000));
    QCOMPARE(m_server->exitStatus(), QProcess::CrashExit);
}

QStringList TestCliStreamCrash::listedIds(const QStringList& arguments)
{
    const CliResult list =
        m_cli->run(QStringList{QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json"),
                               QStringLiteral("--limit"), QStringLiteral("500")} +
                   arguments);
    if (list.exitCode != 0 || !list.json().isArray()) {
        qWarning("deliveries list failed: %s", list.describe().constData());
        return {};
    }
    QStringList ids;
    for (const QJsonValue& value : list.json().array())
        ids << value.toObject().value(QLatin1String("id")).toString();
    return ids;
}

QHash<QString, QString> TestCliStreamCrash::statuses()
{
    const CliResult list = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json"),
                                       QStringLiteral("--limit"), QStringLiteral("500")});
    QHash<QString, QString> out;
    for (const QJsonValue& value : list.json().array())
        out.insert(value.toObject().value(QLatin1String("id")).toString(),
                   value.toObject().value(QLatin1String("status")).toString());
    return out;
}

// Deliveries out on the stream and unacknowledged (the window is full), more queued behind them, two acknowledged:
// SIGKILL. After a restart and a reconnect, every delivery the ingress acknowledged reaches the agent; the ones that
// were out are sent again, signed again.
void TestCliStreamCrash::killedWithDeliveriesInFlightOnTheStream()
{
    constexpr int Deliveries = 40;
    constexpr int Window = 8;
    quint16 port = startServer();
    QVERIFY(port != 0);
    StreamClient first(streamUrl(port, QStringLiteral("?window=%1").arg(Window)), clientOptions(false));
    QVERIFY2(first.waitForHello(), first.describe());

    HttpClient http(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    QStringList acknowledged; // by the ingress: 202, committed
    for (int i = 0; i < Deliveries; ++i) {
        const QByteArray body = R"({"type":"stream.crash","n":)" + QByteArray::number(i) + "}";
        const HttpResponse r = http.postSigned(QStringLiteral("/v1/hooks/") + m_webhookId, body, m_secret);
        QVERIFY2(r.status == 202, qPrintable(QString::number(r.status) + QLatin1Char(' ') + QString::fromUtf8(r.body)));
        acknowledged << r.json().value(QLatin1String("deliveryId")).toString();
    }
    // The window fills, oldest first; the agent acknowledges the first two, two more go out.
    QTRY_VERIFY2_WITH_TIMEOUT(first.deliveryIds() == acknowledged.mid(0, Window), first.describe(), 20'000);
    first.ack(acknowledged.at(0));
    first.ack(acknowledged.at(1));
    QTRY_VERIFY2_WITH_TIMEOUT(first.deliveryIds() == acknowledged.mid(0, Window + 2), first.describe(), 20'000);
    const QStringList acked = acknowledged.mid(0, 2);
    QTRY_COMPARE_WITH_TIMEOUT(missingIds(acked, listedIds({QStringLiteral("--status"), QStringLiteral("delivered")})),
                              QStringList(), 10'000);
    const QStringList inFlight = acknowledged.mid(2, Window);

    killServer();
    QTRY_VERIFY2_WITH_TIMEOUT(first.closeCode() != -1, first.describe(), 20'000); // 1006: no close frame
    QVERIFY2(first.closeCode() != 1000 && first.closeCode() != 1001, first.describe());

    // What the dead process left: the two acknowledged are delivered, nothing else is, nothing failed.
    const QHash<QString, QString> left = statuses();
    QCOMPARE(left.size(), Deliveries);
    for (const QString& id : acknowledged) {
        const QString expected = acked.contains(id) ? QStringLiteral("delivered") : QString();
        if (!expected.isEmpty())
            QCOMPARE(left.value(id), expected);
        else
            QVERIFY2(left.value(id) == QLatin1String("queued") || left.value(id) == QLatin1String("delivering") ||
                         left.value(id) == QLatin1String("retrying"),
                     qPrintable(id + QLatin1Char(' ') + left.value(id)));
    }

    // A new server on the same directory; the agent connects again and acknowledges everything.
    port = startServer();
    QVERIFY(port != 0);
    StreamClient second(streamUrl(port), clientOptions(true));
    const QStringList notYetDelivered = acknowledged.mid(2);
    QTRY_VERIFY2_WITH_TIMEOUT(missingIds(notYetDelivered, second.deliveryIds()).isEmpty(), second.describe(), WaitMs);
    // In the order the ingress received them: the ones that were out come first again.
    QCOMPARE(second.deliveryIds().mid(0, notYetDelivered.size()), notYetDelivered);
    QTRY_COMPARE_WITH_TIMEOUT(
        missingIds(acknowledged, listedIds({QStringLiteral("--status"), QStringLiteral("delivered")})), QStringList(),
        WaitMs);
    for (const QJsonObject& line : second.deliveries()) {
        QVERIFY2(line.value(QLatin1String("check")).toObject().value(QLatin1String("signature")).toBool(),
                 QJsonDocument(line).toJson(QJsonDocument::Compact).constData());
    }
    // What was out when the process died was sent again, as a later attempt over the stream.
    for (const QString& id : inFlight) {
        const CliResult shown =
            m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), id, QStringLiteral("--json")});
        ALFE_VERIFY_OK(shown);
        const QJsonArray attempts = shown.json().object().value(QLatin1String("attempts")).toArray();
        QVERIFY2(!attempts.isEmpty(), shown.describe().constData());
        QCOMPARE(attempts.last().toObject().value(QLatin1String("via")).toString(), QStringLiteral("stream"));
        QVERIFY2(attempts.last().toObject().value(QLatin1String("error")).isNull(), shown.describe().constData());
    }

    m_server->terminate();
    QVERIFY(m_server->waitForFinished(20'000));
    QCOMPARE(m_server->exitCode(), 0);
    QTRY_VERIFY2_WITH_TIMEOUT(second.closeCode() != -1, second.describe(), 10'000);
    // The server is stopping.
    QCOMPARE(second.closeCode(), 1001);
}

// The same at speed: the agent acknowledges as deliveries arrive while they are posted one after another, and
// `alfe serve` is killed in the middle, several times. Everything the ingress acknowledged reaches the agent in
// the end; deliveries sent again after a crash (at least once) are counted.
void TestCliStreamCrash::killedRepeatedlyWhileTheAgentAcks()
{
    constexpr int Rounds = 3;
    constexpr int PerRound = 120;
    QStringList acknowledged;
    QStringList received; // by every agent process, in order
    int sent = 0;
    for (int round = 0; round < Rounds; ++round) {
        const quint16 port = startServer();
        QVERIFY(port != 0);
        StreamClient agent(streamUrl(port), clientOptions(true));
        QVERIFY2(agent.waitForHello(), agent.describe());
        HttpClient http(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        for (int i = 0; i < PerRound; ++i) {
            const QByteArray body = R"({"type":"stream.load","n":)" + QByteArray::number(sent++) + "}";
            const HttpResponse r = http.postSigned(QStringLiteral("/v1/hooks/") + m_webhookId, body, m_secret);
            if (r.status == 202)
                acknowledged << r.json().value(QLatin1String("deliveryId")).toString();
        }
        killServer(); // deliveries on their way on the stream, acks on their way back, more queued
        QTRY_VERIFY2_WITH_TIMEOUT(agent.closeCode() != -1, agent.describe(), 20'000);
        for (const QJsonObject& line : agent.deliveries()) {
            received << line.value(QLatin1String("frame")).toObject().value(QLatin1String("deliveryId")).toString();
            QVERIFY2(line.value(QLatin1String("check")).toObject().value(QLatin1String("signature")).toBool(),
                     QJsonDocument(line).toJson(QJsonDocument::Compact).constData());
        }
    }
    QCOMPARE(acknowledged.size(), Rounds * PerRound);

    const quint16 port = startServer();
    QVERIFY(port != 0);
    StreamClient agent(streamUrl(port), clientOptions(true));
    QTRY_VERIFY2_WITH_TIMEOUT(missingIds(acknowledged, received + agent.deliveryIds()).isEmpty(), agent.describe(),
                              WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        missingIds(acknowledged, listedIds({QStringLiteral("--status"), QStringLiteral("delivered")})), QStringList(),
        WaitMs);
    for (const QJsonObject& line : agent.deliveries())
        received << line.value(QLatin1String("frame")).toObject().value(QLatin1String("deliveryId")).toString();
    const QSet<QString> distinct(received.cbegin(), received.cend());
    qInfo("%d kills while streaming: %lld deliveries acknowledged by the ingress, all received by the agent, %lld "
          "sent again after a crash",
          Rounds, qlonglong(acknowledged.size()), qlonglong(received.size() - distinct.size()));
    m_server->terminate();
    QVERIFY(m_server->waitForFinished(20'000));
    QCOMPARE(m_server->exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestCliStreamCrash)
#include "tst_cli_stream_crash.moc"
