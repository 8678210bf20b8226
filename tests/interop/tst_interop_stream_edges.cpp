// The agent live stream's edges (GET /v1/agents/me/stream, SPEC §12, docs/agents.md) against the real npm `ws`
// client and the two agents of docs/agents.md: frames the server cannot use, the forward URL while streaming,
// silent and non-reading peers, refusals before the upgrade, huge frames, and the docs agents themselves.
#include "StreamSetup.h"

#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

class TestInteropStreamEdges : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(StreamClient::npmPackagesInstalled({QStringLiteral("ws"), QStringLiteral("standardwebhooks")}),
                 "npm packages missing in tests/interop: run ./dev test, which installs them");
    }

    // Frames the server cannot use are answered with an error frame; the stream stays open and goes on.
    void unusableFramesGetAnErrorFrame()
    {
        Setup s;
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(), s.clientOptions(false));
        QVERIFY2(client.waitForHello(), client.describe());
        const QString unknown = QStringLiteral("dlv_01M8CGFTTK94Q3CWTN6ZK74Q26");
        client.command("send not json");
        client.command(R"(send {"type":"ok","deliveryId":"x"})");
        client.command(R"(send {"type":"nack","deliveryId":"x","retryAfter":-1})");
        client.command(R"(send {"type":"ack","deliveryId":"x","status":42})");
        client.ack(unknown);
        QTRY_VERIFY2_WITH_TIMEOUT(client.frames(QStringLiteral("error")).size() == 5, client.describe(), 10'000);
        const QList<QJsonObject> errors = client.frames(QStringLiteral("error"));
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(frameOf(errors.at(i)).value(QLatin1String("code")).toString(), QStringLiteral("bad_frame"));
            QVERIFY2(!frameOf(errors.at(i)).value(QLatin1String("message")).toString().isEmpty(),
                     describe(errors.at(i)));
        }
        QCOMPARE(frameOf(errors.at(4)).value(QLatin1String("code")).toString(), QStringLiteral("unknown_delivery"));
        QCOMPARE(frameOf(errors.at(4)).value(QLatin1String("deliveryId")).toString(), unknown);

        // Still open: a delivery comes, an ack for it works, a second ack for it is unknown now.
        const QString id = s.send(R"({"type":"still.open"})");
        QVERIFY(!id.isEmpty());
        QVERIFY2(client.waitForFrames(id, 1), client.describe());
        client.ack(id);
        QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
        client.ack(id);
        QTRY_VERIFY2_WITH_TIMEOUT(client.frames(QStringLiteral("error")).size() == 6, client.describe(), 10'000);
        QCOMPARE(frameOf(client.frames(QStringLiteral("error")).last()).value(QLatin1String("code")).toString(),
                 QStringLiteral("unknown_delivery"));
        QCOMPARE(client.closeCode(), -1);
    }

    // While a stream is open the agent's deliveries go only to it, not to its forward URL; once it closes they go
    // to the forward URL again.
    void streamTakesPrecedenceOverTheForwardUrl()
    {
        Setup s;
        QVERIFY(s.ok);
        TestReceiver receiver;
        QVERIFY(s.engine->agents().setForwardUrl(s.agentId, receiver.url()));
        {
            StreamClient client(s.streamUrl(), s.clientOptions(true));
            QVERIFY2(client.waitForHello(), client.describe());
            const QString id = s.send(R"({"type":"to.the.stream"})");
            QVERIFY(!id.isEmpty());
            QVERIFY2(client.waitForFrames(id, 1), client.describe());
            QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
            QCOMPARE(s.delivery(id).attempts.first().via, QStringLiteral("stream"));
            QCOMPARE(receiver.count(), 0);
            client.command("close");
            QTRY_COMPARE(client.closeCode(), 1000);
        }
        QTRY_VERIFY(!s.engine->agents().get(s.agentId).value().streaming());
        const QString id = s.send(R"({"type":"to.the.url"})");
        QVERIFY(!id.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Delivered, 10'000);
        QCOMPARE(receiver.count(), 1);
        QCOMPARE(s.delivery(id).attempts.first().via, QStringLiteral("http"));
    }

    // The server pings a quiet stream and drops a peer that answers nothing (intervals shortened here: ping after
    // 200 ms of quiet, drop after 3 s of silence); a peer that answers its pings stays.
    void silentPeerIsDropped()
    {
        DeliveryOptions options = Setup::defaultOptions();
        options.streamPingIntervalMs = 200;
        options.streamDeadAfterMs = 3'000;
        Setup s(options);
        QVERIFY(s.ok);
        StreamClient silent(s.streamUrl(), s.clientOptions(false) << QStringLiteral("--no-pong"));
        QVERIFY2(silent.waitForHello(), silent.describe());
        QTRY_VERIFY2_WITH_TIMEOUT(silent.saw(QStringLiteral("ping")), silent.describe(), 10'000);
        QTRY_VERIFY2_WITH_TIMEOUT(silent.closeCode() != -1, silent.describe(), 10'000);
        QTRY_VERIFY(!s.engine->agents().get(s.agentId).value().streaming());

        StreamClient alive(s.streamUrl(), s.clientOptions(true));
        QVERIFY2(alive.waitForHello(), alive.describe());
        QTRY_VERIFY2_WITH_TIMEOUT(alive.events(QStringLiteral("ping")).size() >= 20, alive.describe(), 30'000);
        QVERIFY2(alive.closeCode() == -1, alive.describe()); // several drop intervals later, still open
        const QString id = s.send(R"({"type":"still.here"})");
        QVERIFY(!id.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Delivered, 10'000);
    }

    // An agent that does not even read its deliveries off the connection within the ack timeout (1 s here) is
    // not reading at all: its stream is closed (1008) and what was out on it waits again, unspent, for the next one.
    void agentThatStopsReadingIsClosed()
    {
        DeliveryOptions options = Setup::defaultOptions();
        options.streamAckTimeoutMs = 1'000;
        Setup s(options);
        QVERIFY(s.ok);
        StreamClient stuck(s.streamUrl(), s.clientOptions(false) << QStringLiteral("--pause"));
        QVERIFY2(stuck.waitForHello(), stuck.describe());
        QTRY_VERIFY(s.engine->agents().get(s.agentId).value().streaming());
        // 8 MiB of frames: more than the socket buffers between the two hold.
        QStringList ids;
        for (int i = 0; i < 8; ++i) {
            ids << s.send(R"({"type":"big.one","n":)" + QByteArray::number(i) + R"(,"pad":")" + QByteArray(MiB, 'x') +
                          R"("})");
            QVERIFY(!ids.last().isEmpty());
        }
        QTRY_VERIFY_WITH_TIMEOUT(!s.engine->agents().get(s.agentId).value().streaming(), 30'000);
        for (const QString& id : std::as_const(ids)) {
            const Delivery d = s.delivery(id);
            QVERIFY2(d.status == DeliveryStatus::Queued,
                     qPrintable(id + QLatin1Char(' ') + deliveryStatusName(d.status)));
        }
        stuck.process().kill();

        StreamClient reader(s.streamUrl(), s.clientOptions(true));
        QTRY_VERIFY2_WITH_TIMEOUT(reader.deliveryIds() == ids, reader.describe(), 30'000);
        for (const QString& id : std::as_const(ids))
            QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
        for (const QJsonObject& line : reader.deliveries())
            QVERIFY2(checkOf(line).value(QLatin1String("signature")).toBool(), describe(line).left(300));
    }

    // Refusals come before the upgrade, as HTTP with a JSON error: the client never sees a 101.
    void refusedBeforeTheUpgrade_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("token"); // "" : no Authorization header; "valid": the agent's token
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("no token") << QString() << QString() << 401 << QStringLiteral("unauthorized");
        QTest::newRow("wrong token")
            << QString()
            << QStringLiteral("alfe_") +
                   QString::fromLatin1(
                       QByteArray(32, '\x17').toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals))
            << 401 << QStringLiteral("unauthorized");
        QTest::newRow("not a token") << QString() << QStringLiteral("hello") << 401 << QStringLiteral("unauthorized");
        QTest::newRow("window 0") << QStringLiteral("?window=0") << QStringLiteral("valid") << 400
                                  << QStringLiteral("bad_request");
        QTest::newRow("window 257") << QStringLiteral("?window=257") << QStringLiteral("valid") << 400
                                    << QStringLiteral("bad_request");
        QTest::newRow("window abc") << QStringLiteral("?window=abc") << QStringLiteral("valid") << 400
                                    << QStringLiteral("bad_request");
    }
    void refusedBeforeTheUpgrade()
    {
        QFETCH(QString, query);
        QFETCH(QString, token);
        QFETCH(int, status);
        QFETCH(QString, code);
        Setup s;
        QVERIFY(s.ok);
        QStringList options;
        if (!token.isEmpty())
            options << QStringLiteral("--token")
                    << (token == QLatin1String("valid") ? QString::fromLatin1(s.token) : token);
        StreamClient client(s.streamUrl(query), options);
        QTRY_VERIFY2_WITH_TIMEOUT(client.saw(QStringLiteral("refused")), client.describe(), 20'000);
        const QJsonObject refused = client.events(QStringLiteral("refused")).first();
        QCOMPARE(refused.value(QLatin1String("status")).toInt(), status);
        const QJsonObject error = QJsonDocument::fromJson(refused.value(QLatin1String("body")).toString().toUtf8())
                                      .object()
                                      .value(QLatin1String("error"))
                                      .toObject();
        QCOMPARE(error.value(QLatin1String("code")).toString(), code);
        QVERIFY2(!error.value(QLatin1String("message")).toString().isEmpty(), describe(refused));
        const QJsonObject headers = refused.value(QLatin1String("headers")).toObject();
        QVERIFY2(headers.value(QLatin1String("content-type")).toString().startsWith(QLatin1String("application/json")),
                 describe(refused));
        if (status == 401)
            QCOMPARE(headers.value(QLatin1String("www-authenticate")).toString(), QStringLiteral("Bearer"));
        QVERIFY2(!client.saw(QStringLiteral("open")) && client.frames(QStringLiteral("hello")).isEmpty(),
                 client.describe());
        QVERIFY(!s.engine->agents().get(s.agentId).value().streaming());
    }

    // A plain GET (no upgrade) with a good token: 426; delivery not running: 503.
    void notAnUpgradeAndNoDelivery()
    {
        {
            Setup s;
            QVERIFY(s.ok);
            const auto r = s.http->get(QStringLiteral("/v1/agents/me/stream"),
                                       {{QByteArray("Authorization"), "Bearer " + s.token}});
            QCOMPARE(r.status, 426);
            QCOMPARE(r.errorCode(), QStringLiteral("upgrade_required"));
        }
        Setup s(Setup::defaultOptions(), false);
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(), {QStringLiteral("--token"), QString::fromLatin1(s.token)});
        QTRY_VERIFY2_WITH_TIMEOUT(client.saw(QStringLiteral("refused")), client.describe(), 20'000);
        const QJsonObject refused = client.events(QStringLiteral("refused")).first();
        QCOMPARE(refused.value(QLatin1String("status")).toInt(), 503);
        QCOMPARE(QJsonDocument::fromJson(refused.value(QLatin1String("body")).toString().toUtf8())
                     .object()
                     .value(QLatin1String("error"))
                     .toObject()
                     .value(QLatin1String("code"))
                     .toString(),
                 QStringLiteral("stream_unavailable"));
    }

    // A frame from the agent over 64 KiB is refused by its header (close 1009); a 100 MiB one is never held in this
    // process's memory. The agent can connect again afterwards.
    void hugeAgentFrameIsRefused_data()
    {
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("64 KiB + 1") << qint64(64 * 1024 + 1);
        QTest::newRow("100 MiB") << 100 * MiB;
    }
    void hugeAgentFrameIsRefused()
    {
        QFETCH(qint64, bytes);
        Setup s;
        QVERIFY(s.ok);
        const qint64 before = residentBytes();
        QVERIFY(before > 0);
        qint64 peak = before;
        int closeCode = -1;
        QByteArray seen;
        {
            StreamClient client(s.streamUrl(), s.clientOptions(false)
                                                   << QStringLiteral("--big") << QString::number(bytes));
            QTRY_VERIFY2_WITH_TIMEOUT((peak = qMax(peak, residentBytes())) > 0 && client.closeCode() != -1,
                                      client.describe(), 60'000);
            QVERIFY2(client.saw(QStringLiteral("sent")), client.describe());
            closeCode = client.closeCode();
            seen = client.describe();
        }
        const qint64 after = residentBytes();
        qInfo("VmRSS before %.1f MiB, peak while the frame was refused %.1f MiB, after %.1f MiB", double(before) / MiB,
              double(peak) / MiB, double(after) / MiB);
        QVERIFY2(peak - before < 30 * MiB,
                 qPrintable(QStringLiteral("grew by %1 MiB").arg(double(peak - before) / MiB)));
        QVERIFY2(after - before < 30 * MiB,
                 qPrintable(QStringLiteral("grew by %1 MiB").arg(double(after - before) / MiB)));
        // Known server bug: after the 1009 close frame the server closes the socket with megabytes unread, the kernel
        // answers with a reset and the peer usually loses the close frame (1006). Remove the QEXPECT_FAIL once the
        // server lingers (reads and discards) before closing.
        if (bytes > MiB && closeCode != 1009)
            QEXPECT_FAIL("100 MiB", "known server bug: 1009 lost to a TCP reset after a huge frame", Continue);
        QVERIFY2(closeCode == 1009, seen.constData());

        StreamClient again(s.streamUrl(), s.clientOptions(true));
        const QString id = s.send(R"({"type":"after.big"})");
        QVERIFY(!id.isEmpty());
        QVERIFY2(again.waitForFrames(id, 1), again.describe());
        QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
    }

    // The two agents of docs/agents.md, run as they are: each verifies a delivery and acks it; given another
    // secret, each nacks (a failed attempt); each exits 0 on SIGINT.
    void docsAgentsVerifyAndAck_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<bool>("rightSecret");
        QTest::newRow("python") << QStringLiteral("python") << true;
        QTest::newRow("python, wrong secret") << QStringLiteral("python") << false;
        QTest::newRow("node") << QStringLiteral("node") << true;
        QTest::newRow("node, wrong secret") << QStringLiteral("node") << false;
    }
    void docsAgentsVerifyAndAck()
    {
        QFETCH(QString, language);
        QFETCH(bool, rightSecret);
        Setup s;
        QVERIFY(s.ok);
        const QString examples = QStringLiteral(ALFE_SOURCE_DIR "/docs/examples");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ALFE_SERVER"), s.engine->ingressUrl());
        env.insert(QStringLiteral("ALFE_TOKEN"), QString::fromLatin1(s.token));
        const QByteArray otherSecret = "whsec_" + QByteArray(32, '\x5a').toBase64();
        env.insert(QStringLiteral("ALFE_WEBHOOK_SECRET"), QString::fromLatin1(rightSecret ? s.secret : otherSecret));
        env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));

        // Node resolves `ws` from the script's folder up: run a copy beside a link to tests/interop/node_modules.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::unique_ptr<DocsAgent> agent;
        if (language == QLatin1String("python")) {
            agent = std::make_unique<DocsAgent>(QStringLiteral("/usr/bin/python3"),
                                                QStringList{examples + QStringLiteral("/stream-agent.py")}, env,
                                                dir.path());
        } else {
            QVERIFY(QFile::link(QStringLiteral(ALFE_INTEROP_DIR "/node_modules"),
                                dir.filePath(QStringLiteral("node_modules"))));
            QVERIFY(QFile::copy(examples + QStringLiteral("/stream-agent.mjs"),
                                dir.filePath(QStringLiteral("stream-agent.mjs"))));
            agent = std::make_unique<DocsAgent>(
                QStringLiteral("node"), QStringList{dir.filePath(QStringLiteral("stream-agent.mjs"))}, env, dir.path());
        }
        QTRY_VERIFY2_WITH_TIMEOUT(agent->printed(QStringLiteral("\"hello\"")), agent->describe(), 20'000);
        QTRY_VERIFY(s.engine->agents().get(s.agentId).value().streaming());

        const QString id = s.send(R"({"type":"docs.agent","ok":true})");
        QVERIFY(!id.isEmpty());
        if (rightSecret) {
            QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Delivered, 20'000);
            QTRY_VERIFY2(agent->printed(id + QStringLiteral(" docs.agent attempt 1 verified")), agent->describe());
            QCOMPARE(s.delivery(id).attempts.first().via, QStringLiteral("stream"));
        } else {
            QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Retrying, 20'000); // nacked
            QTRY_VERIFY2(agent->printed(id + QStringLiteral(" docs.agent attempt 1 BAD SIGNATURE")), agent->describe());
            QCOMPARE(s.attempts(id), 1);
        }

        QCOMPARE(::kill(pid_t(agent->process().processId()), SIGINT), 0);
        QVERIFY2(agent->process().waitForFinished(15'000), agent->describe());
        QVERIFY2(agent->process().exitStatus() == QProcess::NormalExit && agent->process().exitCode() == 0,
                 agent->describe());
        QVERIFY2(!agent->process().readAllStandardError().contains("Traceback"), agent->describe());
        QTRY_VERIFY(!s.engine->agents().get(s.agentId).value().streaming());
    }
};

QTEST_GUILESS_MAIN(TestInteropStreamEdges)
#include "tst_interop_stream_edges.moc"
