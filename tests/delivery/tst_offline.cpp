#include "DeliveryFixture.h"

#include <QSqlQuery>
#include <QTest>

using namespace Alfe;
using Test::DeliveryFixture;
using Test::TestReceiver;

// Offline agents, their backlog, and what was in flight when delivery stopped.
class TestOffline : public QObject
{
    Q_OBJECT

private slots:
    void offlineBacklogDrainsInArrivalOrder()
    {
        DeliveryFixture f;
        f.receiver.refuseConnections();
        const QString first = f.send("{\"n\":0}");
        // Three connection-level failures in a row: 0 s, +5 s, +5 min.
        QTRY_COMPARE(f.delivery(first).attemptCount, 1);
        QTRY_COMPARE(f.delivery(first).status, DeliveryStatus::Retrying);
        f.advance(5'000);
        QTRY_COMPARE(f.delivery(first).attemptCount, 2);
        QTRY_COMPARE(f.delivery(first).status, DeliveryStatus::Retrying);
        QCOMPARE(f.agent().status, AgentStatus::Online);
        f.advance(300'000);
        QTRY_COMPARE(f.agent().status, AgentStatus::Offline);
        QCOMPARE(f.delivery(first).status, DeliveryStatus::Queued);
        const int spentBefore =
            f.ingress.scalar(QStringLiteral("SELECT failures FROM deliveries WHERE id = ?"), {first}).toInt();

        // 1,000 deliveries arrive while the agent is away: none is tried, none spends its budget.
        QStringList arrived{first};
        for (int i = 1; i <= 1000; ++i)
            arrived << f.send("{\"n\":" + QByteArray::number(i) + "}");
        QCOMPARE(arrived.size(), 1001);
        QCOMPARE(f.ingress.engine().agents().backlog(f.agentId), 1001);
        const int attemptsBefore = int(f.started->size());

        // One probe follows the backoff (5 s); the agent is still down.
        f.advance(5'000);
        QTRY_COMPARE(int(f.started->size()), attemptsBefore + 1);
        QCOMPARE(f.started->last().at(0).toString(), first); // the oldest waiting one
        QTRY_COMPARE(f.delivery(first).status, DeliveryStatus::Queued);
        QCOMPARE(f.agent().status, AgentStatus::Offline);
        QCOMPARE(f.ingress.scalar(QStringLiteral("SELECT failures FROM deliveries WHERE id = ?"), {first}).toInt(),
                 spentBefore); // a probe spends nothing
        QTest::qWait(300);
        QCOMPARE(int(f.started->size()), attemptsBefore + 1); // only the probe

        // The agent comes back: the next probe succeeds and the backlog drains, oldest first.
        f.receiver.acceptConnections();
        f.advance(300'000);
        QTRY_COMPARE_WITH_TIMEOUT(f.receiver.count(), 1001, 60000);
        QTRY_COMPARE(f.ingress.count(QStringLiteral("status = 'delivered'")), 1001);
        QCOMPARE(f.agent().status, AgentStatus::Online);
        QCOMPARE(f.ingress.count(QStringLiteral("failures > 0 AND id <> '%1'").arg(first)), 0);
        QCOMPARE(f.ingress.count(QStringLiteral("attempt_count <> 1 AND id <> '%1'").arg(first)), 0);

        QStringList firstAttempts;
        for (const QList<QVariant>& args : std::as_const(*f.started)) {
            if (args.at(1).toInt() == 1)
                firstAttempts << args.at(0).toString();
        }
        QCOMPARE(firstAttempts, arrived);
    }

    void interruptedAttemptIsTriedAgainAfterRestart()
    {
        DeliveryFixture f;
        f.receiver.script({TestReceiver::hang()});
        const QString id = f.send("{\"n\":1}");
        QTRY_COMPARE(f.receiver.count(), 1);
        // The start is recorded with its round, a moment after the request left (at least once: had the
        // process died before, the delivery would still be waiting and be sent again).
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivering);
        // The process stops with the attempt in flight.
        f.ingress.engine().stopDelivery();
        QCOMPARE(f.delivery(id).status, DeliveryStatus::Delivering);
        QVERIFY(f.ingress.engine().startDelivery(DeliveryFixture::defaultOptions()));
        QTRY_COMPARE(f.delivery(id).status, DeliveryStatus::Delivered);
        const Delivery d = f.delivery(id);
        QCOMPARE(d.attempts.size(), 2);
        QCOMPARE(d.attempts.at(0).error, QStringLiteral("interrupted"));
        QCOMPARE(d.attempts.at(1).statusCode.value_or(0), 200);
        QCOMPARE(f.ingress.scalar(QStringLiteral("SELECT failures FROM deliveries WHERE id = ?"), {id}).toInt(), 0);
        QCOMPARE(f.receiver.count(), 2);
    }

    void retentionPurgesOldDeliveries()
    {
        auto options = DeliveryFixture::defaultOptions();
        options.retentionDays = 30;
        options.purgeBatch = 7; // several small batches
        DeliveryFixture f(options);
        QStringList old;
        for (int i = 0; i < 20; ++i)
            old << f.send("{\"old\":" + QByteArray::number(i) + "}");
        QTRY_COMPARE(f.ingress.count(QStringLiteral("status = 'delivered'")), 20);
        f.ingress.clock().advanceMs(31LL * 24 * 3600 * 1000);
        const QString fresh = f.send("{\"fresh\":1}");
        QTRY_COMPARE(f.delivery(fresh).status, DeliveryStatus::Delivered);
        QSignalSpy purged(f.ingress.engine().deliveryScheduler(), &DeliveryScheduler::purged);
        f.ingress.engine().deliveryScheduler()->purgeNow();
        QTRY_COMPARE(purged.size(), 1);
        QCOMPARE(purged.first().first().toInt(), 20);
        QCOMPARE(f.ingress.count(QStringLiteral("1")), 1);
        QCOMPARE(f.ingress.count(QStringLiteral("1"), QStringLiteral("attempts")), 1);
        QVERIFY(f.ingress.engine().deliveries().get(fresh));
    }
};

QTEST_GUILESS_MAIN(TestOffline)
#include "tst_offline.moc"
