// The agent live stream (GET /v1/agents/me/stream, SPEC §12, docs/agents.md) against the real npm `ws` client
// (stream-client.mjs) and the two agents of docs/agents.md: an in-process engine with a manual clock (started
// at the real time, so that Standard Webhooks verifiers accept its timestamps), the real ingress on 127.0.0.1
// and real delivery.
#include "StreamSetup.h"

#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

class TestInteropStream : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(StreamClient::npmPackagesInstalled({QStringLiteral("ws"), QStringLiteral("standardwebhooks")}),
                 "npm packages missing in tests/interop: run ./dev test, which installs them");
    }

    // A delivery posted to the ingress reaches the stream whole and signed: `signature` verifies with node's
    // crypto, `headers` carry X-Alfe-Signature-256 (verifies too) and the Standard Webhooks trio (verified by
    // the npm `standardwebhooks` package); an ack makes it delivered, an attempt made over the stream.
    void deliveryArrivesSignedAndAckMarksItDelivered()
    {
        Setup s;
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(), s.clientOptions(false));
        QVERIFY2(client.waitForHello(), client.describe());
        QVERIFY(client.saw(QStringLiteral("open")));
        const QJsonObject hello = frameOf(client.frames(QStringLiteral("hello")).first());
        QCOMPARE(hello.value(QLatin1String("agentId")).toString(), s.agentId);
        QCOMPARE(hello.value(QLatin1String("window")).toInt(), 16);
        QCOMPARE(hello.value(QLatin1String("ackTimeoutSeconds")).toInt(), 10);
        QCOMPARE(hello.value(QLatin1String("pingIntervalSeconds")).toInt(), 20);
        QTRY_VERIFY(s.engine->agents().get(s.agentId).value().streaming());

        const QByteArray body = "{\n  \"type\": \"order.paid\",\n  \"item\": \"caf\xc3\xa9 \xe2\x9c\x93\",\n"
                                "  \"amount\": 4200\n}\n";
        const QString id = s.send(body, "application/json; charset=utf-8");
        QVERIFY(!id.isEmpty());
        QVERIFY2(client.waitForFrames(id, 1), client.describe());
        const QJsonObject line = client.framesOf(id).first();
        const QJsonObject frame = frameOf(line);
        const QJsonObject check = checkOf(line);
        QVERIFY2(check.value(QLatin1String("signature")).toBool(), describe(line));
        QVERIFY2(check.value(QLatin1String("headerSignature")).toBool(), describe(line));
        QVERIFY2(check.value(QLatin1String("standardWebhooks")).toBool(), describe(line));
        QCOMPARE(check.value(QLatin1String("bodyLength")).toInt(), int(body.size()));
        QCOMPARE(check.value(QLatin1String("bodySha256")).toString().toLatin1(), sha256Hex(body));
        QCOMPARE(QByteArray::fromBase64(frame.value(QLatin1String("body")).toString().toLatin1()), body);
        QCOMPARE(frame.value(QLatin1String("webhookId")).toString(), s.webhookId);
        QCOMPARE(frame.value(QLatin1String("provider")).toString(), QStringLiteral("generic"));
        QCOMPARE(frame.value(QLatin1String("eventType")).toString(), QStringLiteral("order.paid"));
        QCOMPARE(frame.value(QLatin1String("attempt")).toInt(), 1);
        QCOMPARE(frame.value(QLatin1String("contentType")).toString(),
                 QStringLiteral("application/json; charset=utf-8"));
        QVERIFY2(
            QDateTime::fromString(frame.value(QLatin1String("receivedAt")).toString(), Qt::ISODateWithMs).isValid(),
            describe(line));
        const QJsonObject headers = frame.value(QLatin1String("headers")).toObject();
        QCOMPARE(headers.value(QLatin1String("X-Alfe-Signature-256")).toString(),
                 frame.value(QLatin1String("signature")).toString());
        QCOMPARE(headers.value(QLatin1String("X-Alfe-Delivery-Id")).toString(), id);
        QCOMPARE(headers.value(QLatin1String("X-Alfe-Webhook-Id")).toString(), s.webhookId);
        QCOMPARE(headers.value(QLatin1String("X-Alfe-Attempt")).toString(), QStringLiteral("1"));
        QCOMPARE(headers.value(QLatin1String("webhook-id")).toString(), id);
        QVERIFY2(headers.value(QLatin1String("webhook-signature")).toString().startsWith(QLatin1String("v1,")),
                 describe(line));
        QCOMPARE(headers.value(QLatin1String("Content-Type")).toString(),
                 QStringLiteral("application/json; charset=utf-8"));
        QVERIFY2(!headers.contains(QLatin1String("Authorization")) && !headers.contains(QLatin1String("Host")),
                 describe(line));

        // Not acknowledged yet: the delivery is on its way.
        QTest::qWait(200);
        QVERIFY(s.status(id) != DeliveryStatus::Delivered);
        client.command("ack " + id.toLatin1() + " 204");
        QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Delivered, 10'000);
        const Delivery d = s.delivery(id);
        QCOMPARE(d.attempts.size(), 1);
        QCOMPARE(d.attempts.first().via, QStringLiteral("stream"));
        QCOMPARE(d.attempts.first().statusCode.value_or(0), 204);
        QVERIFY2(d.attempts.first().error.isEmpty(), qPrintable(d.attempts.first().error));
        QVERIFY(client.events(QStringLiteral("error")).isEmpty());

        // The agent closes: the server records that no stream is open any more.
        client.command("close");
        QTRY_COMPARE(client.closeCode(), 1000);
        QTRY_VERIFY(!s.engine->agents().get(s.agentId).value().streaming());
    }

    // A nack is a failed attempt: the delivery is retried on the schedule (5 s later on the manual clock), signed
    // afresh, on the same stream; `retryAfter` replaces the schedule's delay.
    void nackRetriesOnTheSchedule()
    {
        Setup s;
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(), s.clientOptions(false));
        QVERIFY2(client.waitForHello(), client.describe());

        const QString id = s.send(R"({"type":"retry.me","n":1})");
        QVERIFY(!id.isEmpty());
        QVERIFY2(client.waitForFrames(id, 1), client.describe());
        client.nack(id);
        QTRY_COMPARE(s.status(id), DeliveryStatus::Retrying);
        QTRY_COMPARE(s.delivery(id).nextAttemptAtMs.value_or(0), s.clock.nowMs() + 5'000);
        QCOMPARE(s.attempts(id), 1);
        QCOMPARE(s.delivery(id).attempts.first().via, QStringLiteral("stream"));

        s.advance(4'000); // not due yet
        QTest::qWait(300);
        QCOMPARE(client.framesOf(id).size(), 1);
        s.advance(1'000);
        QVERIFY2(client.waitForFrames(id, 2, 10'000), client.describe());
        const QJsonObject second = client.framesOf(id).last();
        QCOMPARE(frameOf(second).value(QLatin1String("attempt")).toInt(), 2);
        QCOMPARE(frameOf(second)
                     .value(QLatin1String("headers"))
                     .toObject()
                     .value(QLatin1String("X-Alfe-Attempt"))
                     .toString(),
                 QStringLiteral("2"));
        QVERIFY2(checkOf(second).value(QLatin1String("signature")).toBool(), describe(second));
        QVERIFY2(checkOf(second).value(QLatin1String("standardWebhooks")).toBool(), describe(second));

        // retryAfter: the next try comes when the agent said, not on the schedule (which says 300 s now).
        client.command("nack " + id.toLatin1() + " 60");
        QTRY_COMPARE(s.attempts(id), 2);
        QTRY_COMPARE(s.delivery(id).nextAttemptAtMs.value_or(0), s.clock.nowMs() + 60'000);
        QCOMPARE(s.status(id), DeliveryStatus::Retrying);
        s.advance(60'000);
        QVERIFY2(client.waitForFrames(id, 3, 10'000), client.describe());
        QCOMPARE(frameOf(client.framesOf(id).last()).value(QLatin1String("attempt")).toInt(), 3);
        client.ack(id);
        QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
        const Delivery d = s.delivery(id);
        QCOMPARE(d.attempts.size(), 3);
        for (const Attempt& a : d.attempts)
            QCOMPARE(a.via, QStringLiteral("stream"));
    }

    // No answer within the ack timeout (shortened to 500 ms here) is a failed attempt, retried on the schedule:
    // the second try 5 s later, the third 300 s after that.
    void silenceIsAFailedAttempt()
    {
        DeliveryOptions options = Setup::defaultOptions();
        options.streamAckTimeoutMs = 500;
        Setup s(options);
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(), s.clientOptions(false));
        QVERIFY2(client.waitForHello(), client.describe());

        const QString id = s.send(R"({"type":"nobody.answers"})");
        QVERIFY(!id.isEmpty());
        QVERIFY2(client.waitForFrames(id, 1), client.describe());
        // The agent stays silent.
        QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Retrying, 10'000);
        QTRY_COMPARE(s.delivery(id).nextAttemptAtMs.value_or(0), s.clock.nowMs() + 5'000);
        const Attempt first = s.delivery(id).attempts.first();
        QCOMPARE(first.via, QStringLiteral("stream"));
        QVERIFY2(!first.error.isEmpty(), "a silent agent's attempt says why it failed");
        QVERIFY(!first.statusCode.has_value());
        QVERIFY2(client.closeCode() == -1, client.describe()); // the stream stays open

        s.advance(5'000);
        QVERIFY2(client.waitForFrames(id, 2, 10'000), client.describe());
        QCOMPARE(frameOf(client.framesOf(id).last()).value(QLatin1String("attempt")).toInt(), 2);
        // Silent again: the second failed attempt puts the next one on the schedule's third delay.
        QTRY_COMPARE_WITH_TIMEOUT(s.attempts(id), 2, 10'000);
        QTRY_COMPARE(s.delivery(id).nextAttemptAtMs.value_or(0), s.clock.nowMs() + 300'000);
        QCOMPARE(s.status(id), DeliveryStatus::Retrying);
        QVERIFY2(!s.delivery(id).attempts.last().error.isEmpty(), "a silent agent's attempt says why it failed");
    }

    // At most `window` deliveries are unacknowledged on the stream at once; an ack lets the next one out.
    void windowLimitsUnacknowledgedDeliveries()
    {
        Setup s;
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(QStringLiteral("?window=3")), s.clientOptions(false));
        QVERIFY2(client.waitForHello(), client.describe());
        QCOMPARE(frameOf(client.frames(QStringLiteral("hello")).first()).value(QLatin1String("window")).toInt(), 3);
        QStringList ids;
        for (int i = 0; i < 6; ++i)
            ids << s.send(R"({"type":"window.test","n":)" + QByteArray::number(i) + "}");
        QVERIFY(!ids.contains(QString()));
        QTRY_COMPARE_WITH_TIMEOUT(client.deliveryIds(), ids.mid(0, 3), 20'000);
        QTest::qWait(300);
        QCOMPARE(client.deliveryIds(), ids.mid(0, 3));
        client.ack(ids.at(1));
        QTRY_COMPARE_WITH_TIMEOUT(client.deliveryIds(), ids.mid(0, 4), 10'000);
        for (const QString& id : ids)
            client.ack(id);
        QTRY_COMPARE_WITH_TIMEOUT(client.deliveryIds(), ids, 10'000);
        for (const QString& id : ids)
            client.ack(id);
        for (const QString& id : ids)
            QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
    }

    // 500 deliveries posted while no stream is open wait (queued, no attempt spent); when the agent connects
    // they all arrive, in the order the ingress received them, and none fails.
    void backlogArrivesInOrderWhenTheStreamOpens()
    {
        constexpr int Backlog = 500;
        Setup s;
        QVERIFY(s.ok);
        QStringList ids;
        for (int i = 0; i < Backlog; ++i) {
            ids << s.send(R"({"type":"backlog.item","n":)" + QByteArray::number(i) + "}");
            QVERIFY2(!ids.last().isEmpty(), qPrintable(QString::number(i)));
        }
        s.advance(3'600'000); // an hour without a stream: nothing is spent
        QTest::qWait(300);
        for (const QString& id : std::as_const(ids)) {
            const Delivery d = s.delivery(id);
            QVERIFY2(d.status == DeliveryStatus::Queued && d.attempts.isEmpty(), qPrintable(id));
        }

        StreamClient client(s.streamUrl(), s.clientOptions(true));
        QTRY_VERIFY2_WITH_TIMEOUT(client.deliveryIds().size() == Backlog, client.describe(), 120'000);
        QCOMPARE(client.deliveryIds(), ids);
        for (const QJsonObject& line : client.deliveries())
            QVERIFY2(checkOf(line).value(QLatin1String("signature")).toBool(), describe(line));
        QTRY_VERIFY_WITH_TIMEOUT(s.status(ids.last()) == DeliveryStatus::Delivered, 20'000);
        int delivered = 0;
        for (const QString& id : std::as_const(ids)) {
            QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
            const Delivery d = s.delivery(id);
            delivered += d.status == DeliveryStatus::Delivered;
            QVERIFY2(d.attempts.size() == 1 && d.attempts.first().error.isEmpty() &&
                         d.attempts.first().via == QLatin1String("stream"),
                     qPrintable(id + QStringLiteral(": %1 attempts, %2")
                                         .arg(d.attempts.size())
                                         .arg(d.attempts.isEmpty() ? QString() : d.attempts.first().error)));
        }
        QCOMPARE(delivered, Backlog);
        QCOMPARE(client.deliveries().size(), Backlog); // each sent once
    }

    // One stream per agent: a second one replaces the first, which is closed with 4000; deliveries go to the
    // second.
    void secondStreamReplacesTheFirst()
    {
        Setup s;
        QVERIFY(s.ok);
        StreamClient first(s.streamUrl(), s.clientOptions(false));
        QVERIFY2(first.waitForHello(), first.describe());
        StreamClient second(s.streamUrl(), s.clientOptions(true));
        QVERIFY2(second.waitForHello(), second.describe());
        QTRY_VERIFY2_WITH_TIMEOUT(first.closeCode() == 4000, first.describe(), 10'000);
        QVERIFY2(second.closeCode() == -1, second.describe());
        QTRY_VERIFY(s.engine->agents().get(s.agentId).value().streaming());

        const QString id = s.send(R"({"type":"after.replace"})");
        QVERIFY(!id.isEmpty());
        QVERIFY2(second.waitForFrames(id, 1), second.describe());
        QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
        QVERIFY(first.deliveries().isEmpty());
    }

    // A replaced stream's unacknowledged delivery is not lost: it resumes on the new stream.
    void unacknowledgedDeliveryResumesOnTheNextStream()
    {
        Setup s;
        QVERIFY(s.ok);
        const QString id = [&] {
            StreamClient first(s.streamUrl(), s.clientOptions(false));
            if (!QTest::qWaitFor([&] { return !first.frames(QStringLiteral("hello")).isEmpty(); }, 20'000))
                return QString();
            const QString sent = s.send(R"({"type":"resume.me"})");
            if (!QTest::qWaitFor([&] { return first.framesOf(sent).size() == 1; }, 20'000))
                return QString();
            first.command("close");
            if (!QTest::qWaitFor([&] { return first.closeCode() == 1000; }, 10'000))
                return QString();
            return sent;
        }();
        QVERIFY(!id.isEmpty());
        QTRY_VERIFY(!s.engine->agents().get(s.agentId).value().streaming());
        QVERIFY(s.status(id) != DeliveryStatus::Delivered);
        StreamClient second(s.streamUrl(), s.clientOptions(true));
        QVERIFY2(second.waitForFrames(id, 1), second.describe());
        QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
        QVERIFY2(checkOf(second.framesOf(id).first()).value(QLatin1String("signature")).toBool(),
                 describe(second.framesOf(id).first()));
    }

    // The server stopping closes the stream with 1001; the unacknowledged delivery is not lost: it comes again on
    // the next stream once delivery runs again.
    void serverStoppingClosesWith1001()
    {
        Setup s;
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(), s.clientOptions(false));
        QVERIFY2(client.waitForHello(), client.describe());
        const QString id = s.send(R"({"type":"in.flight"})");
        QVERIFY(!id.isEmpty());
        QVERIFY2(client.waitForFrames(id, 1), client.describe());
        s.engine->stopDelivery();
        QTRY_VERIFY2_WITH_TIMEOUT(client.closeCode() != -1, client.describe(), 10'000);
        QCOMPARE(client.closeCode(), 1001);
        QVERIFY(s.status(id) != DeliveryStatus::Delivered);

        QVERIFY(s.engine->startDelivery(Setup::defaultOptions()));
        StreamClient again(s.streamUrl(), s.clientOptions(true));
        QVERIFY2(again.waitForFrames(id, 1), again.describe());
        QTRY_COMPARE(s.status(id), DeliveryStatus::Delivered);
    }

    // Removing the agent closes its stream with 4001.
    void agentRemovedClosesWith4001()
    {
        Setup s;
        QVERIFY(s.ok);
        StreamClient client(s.streamUrl(), s.clientOptions(false));
        QVERIFY2(client.waitForHello(), client.describe());
        QVERIFY(s.engine->agents().remove(s.agentId));
        s.engine->wakeDelivery();
        QTRY_VERIFY2_WITH_TIMEOUT(client.closeCode() != -1, client.describe(), 10'000);
        QVERIFY2(client.closeCode() == 4001, client.describe());
    }
};

QTEST_GUILESS_MAIN(TestInteropStream)
#include "tst_interop_stream.moc"
