#include "DeliveryFixture.h"
#include "LogCapture.h"
#include "crypto/Schemes.h"
#include "crypto/Signature.h"
#include "delivery/ForwardRequest.h"
#include "store/Database.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace Alfe;
using Test::DeliveryFixture;
using Test::TestReceiver;

namespace {
// An agent written at the socket level, for answers QHttpServer cannot give: a status line, then a body
// that drips one byte every `dripMs`, or that streams `streamBytes` as fast as the client reads.
class RawAgent final : public QTcpServer
{
public:
    int dripMs = 0;
    qint64 streamBytes = 0;
    qint64 written = 0;
    int connections = 0;

    RawAgent() { listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/in").arg(serverPort()); }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto* socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        ++connections;
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
            socket->readAll();
            if (socket->property("answered").toBool())
                return;
            socket->setProperty("answered", true);
            if (dripMs > 0) {
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                auto* drip = new QTimer(socket);
                connect(drip, &QTimer::timeout, socket, [this, socket] { written += socket->write("x"); });
                drip->start(dripMs);
            } else {
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                              QByteArray::number(streamBytes) + "\r\n\r\n");
                const auto more = [this, socket] {
                    // Keep a few blocks queued, no more: the client's reading paces us.
                    static const QByteArray block(256 * 1024, 'y');
                    while (written < streamBytes && socket->bytesToWrite() < 4 * block.size())
                        written +=
                            socket->write(block.left(int(std::min<qint64>(block.size(), streamBytes - written))));
                };
                connect(socket, &QTcpSocket::bytesWritten, socket, more);
                more();
            }
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
};
} // namespace

// The forwarding rules, each driven by a scripted receiver; schedules run on the manual clock.
class TestForwarding : public QObject
{
    Q_OBJECT

private slots:
    void deliveredWithHeadersAndSignatures()
    {
        DeliveryFixture f;
        const QByteArray body = "{\"type\":\"order.paid\",\"amount\":42}\n";
        const QString id = f.send(body, {{"X-Custom", "kept"},
                                         {"Authorization", "Bearer sender-secret"},
                                         {"Cookie", "session=abc"},
                                         {"Idempotency-Key", "order-42"}});
        QTRY_COMPARE(f.receiver.count(), 1);
        const auto& got = f.receiver.received().first();
        QCOMPARE(got.body, body);
        QCOMPARE(got.header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(got.header("X-Custom"), QByteArray("kept"));
        QCOMPARE(got.header("Idempotency-Key"), QByteArray("order-42"));
        QVERIFY(got.header("Authorization").isEmpty());
        QVERIFY(got.header("Cookie").isEmpty());
        QCOMPARE(got.header("X-Alfe-Webhook-Id"), f.webhookId.toLatin1());
        QCOMPARE(got.header("X-Alfe-Delivery-Id"), id.toLatin1());
        QCOMPARE(got.header("X-Alfe-Provider"), QByteArray("generic"));
        QCOMPARE(got.header("X-Alfe-Event"), QByteArray("order.paid"));
        QCOMPARE(got.header("X-Alfe-Attempt"), QByteArray("1"));
        QVERIFY(Signature::verify(got.header("X-Alfe-Signature-256"), got.body, {f.secret}));
        QCOMPARE(got.header("webhook-id"), id.toLatin1());
        const qint64 timestamp = got.header("webhook-timestamp").toLongLong();
        QCOMPARE(timestamp, f.ingress.clock().nowMs() / 1000);
        QCOMPARE(got.header("webhook-signature"),
                 Schemes::standardWebhooksSignature(f.secret, id.toLatin1(), timestamp, body));

        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
        const Delivery d = f.delivery(id);
        QCOMPARE(d.attemptCount, 1);
        QCOMPARE(d.lastStatusCode.value_or(0), 200);
        QCOMPARE(d.attempts.size(), 1);
        QCOMPARE(d.attempts.first().statusCode.value_or(0), 200);
        QVERIFY(d.attempts.first().durationMs.has_value());
        QVERIFY(d.attempts.first().error.isEmpty());
    }

    void failsThenSucceedsOnTheSchedule()
    {
        DeliveryFixture f;
        f.receiver.script({TestReceiver::status(500), TestReceiver::status(502)});
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Retrying);
        QCOMPARE(f.delivery(id).nextAttemptAtMs.value_or(0), f.ingress.clock().nowMs() + 5'000);
        QCOMPARE(f.delivery(id).lastStatusCode.value_or(0), 500);

        f.advance(4'999); // not yet
        QTest::qWait(300);
        QCOMPARE(f.receiver.count(), 1);
        f.advance(1);
        QTRY_COMPARE(f.receiver.count(), 2);
        QTRY_COMPARE(f.delivery(id).nextAttemptAtMs.value_or(0), f.ingress.clock().nowMs() + 300'000);
        QCOMPARE(f.receiver.received().at(1).header("X-Alfe-Attempt"), QByteArray("2"));

        f.advance(300'000);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
        QCOMPARE(f.receiver.count(), 3);
        const Delivery d = f.delivery(id);
        QCOMPARE(d.attempts.size(), 3);
        QCOMPARE(d.attempts.at(0).statusCode.value_or(0), 500);
        QCOMPARE(d.attempts.at(1).statusCode.value_or(0), 502);
        QCOMPARE(d.attempts.at(2).statusCode.value_or(0), 200);
    }

    void failedAfterTheLastTry()
    {
        auto options = DeliveryFixture::defaultOptions();
        options.schedule = RetrySchedule({0, 1'000, 1'000}, 0.0);
        DeliveryFixture f(options);
        QSignalSpy failed(&f.ingress.engine(), &Engine::deliveryFailed);
        f.receiver.setFallback(TestReceiver::status(500));
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.receiver.count(), 1);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Retrying);
        f.advance(1'000);
        QTRY_COMPARE(f.receiver.count(), 2);
        // The second attempt's result must be recorded before the clock moves: "Retrying" alone is still true from
        // the first one, and a clock moved before the retry is scheduled leaves the third attempt in the future.
        QTRY_COMPARE(f.delivery(id).attempts.size(), 2);
        QTRY_COMPARE(f.delivery(id).nextAttemptAtMs.value_or(0), f.ingress.clock().nowMs() + 1'000);
        QCOMPARE(f.delivery(id).status, DeliveryStatus::Retrying);
        f.advance(1'000);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Failed);
        QCOMPARE(f.receiver.count(), 3);
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(failed.first().first().toString(), id);
        f.advance(3'600'000); // a failed delivery waits for a person
        QTest::qWait(300);
        QCOMPARE(f.receiver.count(), 3);
    }

    void hangingAgentTimesOut()
    {
        auto options = DeliveryFixture::defaultOptions();
        options.timeoutMs = 500;
        DeliveryFixture f(options);
        f.receiver.script({TestReceiver::hang()});
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE_WITH_TIMEOUT(f.delivery(id).status, DeliveryStatus::Retrying, 5000);
        const Attempt a = f.delivery(id).attempts.first();
        QVERIFY2(a.error.contains(QLatin1String("timed out")), qPrintable(a.error));
        QVERIFY(!a.statusCode.has_value());
        f.advance(5'000);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
    }

    // The timeout bounds the whole attempt, not only silence: an agent that drips a byte every 100 ms, well
    // inside the 500 ms timeout each time, is still cut off at 500 ms and the attempt fails as timed out.
    void drippingAgentTimesOutInTotal()
    {
        auto options = DeliveryFixture::defaultOptions();
        options.timeoutMs = 500;
        DeliveryFixture f(options);
        RawAgent agent;
        agent.dripMs = 100;
        QVERIFY(f.ingress.engine().agents().setForwardUrl(f.agentId, agent.url()));
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE_WITH_TIMEOUT(f.delivery(id).status, DeliveryStatus::Retrying, 10'000);
        const Attempt a = f.delivery(id).attempts.first();
        QVERIFY2(a.error.contains(QLatin1String("timed out after 500 ms")), qPrintable(a.error));
        QVERIFY(!a.statusCode.has_value());
        QVERIFY2(agent.written < 100, qPrintable(QString::number(agent.written))); // it never got to finish
    }

    // An answer is read up to 64 KiB: an agent that streams 256 MiB does not make this process read it.
    // The attempt counts by its status and keeps the first 64 KiB of the body.
    void endlessAnswerIsReadOnlyUpToItsHead()
    {
        DeliveryFixture f;
        RawAgent agent;
        agent.streamBytes = qint64(256) * 1024 * 1024;
        QVERIFY(f.ingress.engine().agents().setForwardUrl(f.agentId, agent.url()));
        const QString id = f.send("{\"n\":2}");
        QTRY_COMPARE_WITH_TIMEOUT(f.delivery(id).status, DeliveryStatus::Delivered, 10'000);
        QCOMPARE(f.delivery(id).lastStatusCode.value_or(0), 200);
        QSqlQuery q(f.ingress.engine().database().connection());
        q.prepare(QStringLiteral("SELECT length(response_body) FROM attempts WHERE delivery_id = ?"));
        q.addBindValue(id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.value(0).toLongLong(), qint64(64 * 1024));
        QTest::qWait(200);
        QVERIFY2(agent.written < agent.streamBytes / 4, qPrintable(QString::number(agent.written)));
    }

    void redirectIsAFailureAndNotFollowed()
    {
        DeliveryFixture f;
        f.receiver.script(
            {TestReceiver::status(302, {{"Location", f.receiver.url(QStringLiteral("/elsewhere")).toLatin1()}})});
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Retrying);
        QCOMPARE(f.delivery(id).lastStatusCode.value_or(0), 302);
        QTest::qWait(200);
        QCOMPARE(f.receiver.count(), 1);
        QCOMPARE(f.receiver.received().first().path, QByteArray("/in"));
    }

    void retryAfterIsHonoured()
    {
        DeliveryFixture f;
        f.receiver.script(
            {TestReceiver::status(429, {{"Retry-After", "120"}}), TestReceiver::status(503, {{"Retry-After", "7"}})});
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Retrying);
        QCOMPARE(f.delivery(id).nextAttemptAtMs.value_or(0), f.ingress.clock().nowMs() + 120'000); // not 5 s
        f.advance(120'000);
        QTRY_COMPARE(f.receiver.count(), 2);
        QTRY_COMPARE(f.delivery(id).nextAttemptAtMs.value_or(0), f.ingress.clock().nowMs() + 7'000);
        f.advance(7'000);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
    }

    void goneAgentIsPaused()
    {
        DeliveryFixture f;
        QSignalSpy status(&f.ingress.engine(), &Engine::agentStatusChanged);
        f.receiver.script({TestReceiver::status(410)});
        const QString first = f.send("{\"n\":1}");
        QTRY_COMPARE(f.agent().status, AgentStatus::Paused);
        QTRY_COMPARE(status.size(), 1);
        QCOMPARE(f.delivery(first).status, DeliveryStatus::Queued);
        const QString second = f.send("{\"n\":2}");
        f.advance(3'600'000);
        QTest::qWait(300);
        QCOMPARE(f.receiver.count(), 1); // paused: nothing more is sent
        QCOMPARE(f.ingress.engine().agents().backlog(f.agentId), 2);

        QVERIFY(f.ingress.engine().agents().resume(f.agentId));
        f.advance(0);
        QTRY_COMPARE(f.delivery(first).status, DeliveryStatus::Delivered);
        QTRY_COMPARE(f.delivery(second).status, DeliveryStatus::Delivered);
        QCOMPARE(f.delivery(first).attempts.size(), 2);
    }

    void manualRetryReplaysADeliveredOne()
    {
        DeliveryFixture f;
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
        QVERIFY(f.ingress.engine().deliveries().requeue(id));
        f.ingress.engine().wakeDelivery();
        QTRY_COMPARE(f.receiver.count(), 2);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
        QCOMPARE(f.receiver.received().at(1).header("X-Alfe-Attempt"), QByteArray("2"));
        QCOMPARE(f.receiver.received().at(1).body, QByteArray("{\"n\":1}"));
    }

    // A delivery whose webhook was deleted while it waited cannot be signed any more: it fails at once, with
    // an attempt that says why, and is not sent.
    void deliveryOfADeletedWebhookFailsWithoutBeingSent()
    {
        DeliveryFixture f;
        f.receiver.script({TestReceiver::status(500)});
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Retrying);
        QVERIFY(f.ingress.engine().webhooks().remove(f.webhookId));
        f.advance(5'000);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Failed);
        const Delivery d = f.delivery(id);
        QCOMPARE(d.attempts.size(), 2);
        QVERIFY2(d.attempts.last().error.contains(QLatin1String("webhook was deleted")),
                 qPrintable(d.attempts.last().error));
        QCOMPARE(f.receiver.count(), 1); // only the first attempt reached the agent
    }

    // A secret that cannot be read for a while (its sealed row does not open, as with a wrong master key or a
    // damaged row) is not a deleted webhook: the delivery is not failed, its attempt says what happened, it is
    // retried on the schedule, and once the row is repaired it is delivered.
    void unreadableSecretIsRetriedNotFailed()
    {
        DeliveryFixture f;
        f.receiver.script({TestReceiver::status(410)}); // the agent pauses: the delivery waits, nothing spent
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.agent().status, AgentStatus::Paused);

        Database sideStore; // another connection, as another process would have (SQLite file or PostgreSQL)
        QVERIFY(sideStore.open(f.ingress.engine().databasePath()));
        QSqlDatabase side = sideStore.connection();
        const auto setSealed = [&](const QByteArray& sealed) {
            QSqlQuery q(side);
            q.prepare(QStringLiteral("UPDATE secret_versions SET sealed = ? WHERE webhook_id = ?"));
            q.addBindValue(sealed);
            q.addBindValue(f.webhookId);
            return q.exec() && q.numRowsAffected() == 1;
        };
        QSqlQuery read(side);
        read.prepare(QStringLiteral("SELECT sealed FROM secret_versions WHERE webhook_id = ?"));
        read.addBindValue(f.webhookId);
        QVERIFY(read.exec() && read.next());
        const QByteArray sealed = read.value(0).toByteArray();
        read = QSqlQuery(side);
        QByteArray damaged = sealed;
        damaged[damaged.size() - 1] = char(damaged.at(damaged.size() - 1) ^ 0x01); // the GCM tag no longer matches
        QVERIFY(setSealed(damaged));

        Test::LogCapture log;
        QVERIFY(f.ingress.engine().agents().resume(f.agentId));
        f.advance(0);
        QTRY_COMPARE(f.delivery(id).attempts.size(), 2);
        QVERIFY(log.text().contains("could not be read"));
        QVERIFY(!log.text().contains(f.secret));
        Delivery d = f.delivery(id);
        QCOMPARE(d.status, DeliveryStatus::Retrying);
        QCOMPARE(d.nextAttemptAtMs.value_or(0), f.ingress.clock().nowMs() + 5'000); // the schedule's next step
        const QString error = d.attempts.last().error;
        QVERIFY2(error.contains(QLatin1String("secret could not be read")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("will retry")), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1String("deleted")), qPrintable(error));
        QCOMPARE(f.receiver.count(), 1); // not sent unsigned
        QCOMPARE(f.agent().status, AgentStatus::Online);

        QVERIFY(setSealed(sealed));
        read = QSqlQuery();
        side = QSqlDatabase();
        sideStore.close();
        f.advance(5'000);
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
        QCOMPARE(f.receiver.count(), 2);
        const auto& got = f.receiver.received().last();
        QVERIFY(Signature::verify(got.header("X-Alfe-Signature-256"), got.body, {f.secret}));
    }

    void duplicatesAreNotForwarded()
    {
        DeliveryFixture f;
        f.send("{\"n\":1}", {{"X-Alfe-Delivery-Id", "same"}});
        auto dup = f.ingress.http().postSigned(Test::IngressFixture::hookPath(f.webhookId), "{\"n\":1}", f.secret,
                                               {{"X-Alfe-Delivery-Id", "same"}});
        QCOMPARE(dup.status, 200);
        QTRY_COMPARE(f.receiver.count(), 1);
        QTest::qWait(300);
        QCOMPARE(f.receiver.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestForwarding)
#include "tst_forwarding.moc"
