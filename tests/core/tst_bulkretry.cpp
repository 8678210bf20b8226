#include "ManualClock.h"
#include "TestEngine.h"
#include "delivery/BulkRetry.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

using namespace Alfe;

namespace {
int countStatus(Engine& engine, const char* status)
{
    QSqlQuery q(engine.database().connection());
    q.prepare(QStringLiteral("SELECT count(*) FROM deliveries WHERE status = ?"));
    q.addBindValue(QString::fromLatin1(status));
    return q.exec() && q.next() ? q.value(0).toInt() : -1;
}
} // namespace

// "Retry all failed": progress as it goes, and a cancel that stops it halfway without undoing anything.
class TestBulkRetry : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_engine = std::make_unique<Test::TestEngine>(m_clock);
        const QString agent = (*m_engine)->agents().create(QStringLiteral("bot"))->agent.id;
        m_webhook = (*m_engine)->webhooks().create(agent)->webhook.id;
        m_other = (*m_engine)->webhooks().create(agent)->webhook.id;
        DeliveryStore& store = (*m_engine)->deliveries();
        QVERIFY((*m_engine)->database().exec(QStringLiteral("BEGIN")));
        for (int i = 0; i < 250; ++i) {
            IncomingDelivery in;
            in.webhookId = i < 240 ? m_webhook : m_other;
            in.body = "{\"n\":" + QByteArray::number(i) + "}";
            QVERIFY(store.insert(in));
            m_clock.advanceMs(1);
        }
        QVERIFY((*m_engine)->database().exec(QStringLiteral("UPDATE deliveries SET status = 'failed', failures = 8")));
        QVERIFY((*m_engine)->database().exec(QStringLiteral("COMMIT")));
        // One that is not failed must be left alone.
        IncomingDelivery delivered;
        delivered.webhookId = m_webhook;
        delivered.body = "{\"delivered\":true}";
        const QString id = store.insert(delivered)->deliveryId;
        QVERIFY((*m_engine)->database().exec(
            QStringLiteral("UPDATE deliveries SET status = 'delivered' WHERE id = '%1'").arg(id)));
    }

    void cleanup() { m_engine.reset(); }

    void retriesEveryMatchingOneWithProgress()
    {
        DeliveryFilter filter;
        filter.status = DeliveryStatus::Failed;
        filter.webhookId = m_webhook;
        BulkRetry bulk((*m_engine)->deliveries(), filter);
        bulk.setChunkSize(50);
        QSignalSpy progress(&bulk, &BulkRetry::progress);
        QSignalSpy finished(&bulk, &BulkRetry::finished);
        bulk.start();
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(0).toInt(), 240);
        QCOMPARE(finished.first().at(1).toBool(), false);
        QList<int> steps;
        for (const auto& args : progress) {
            QCOMPARE(args.at(1).toInt(), 240);
            steps << args.at(0).toInt();
        }
        QCOMPARE(steps, (QList<int>{0, 50, 100, 150, 200, 240}));
        QCOMPARE(countStatus(**m_engine, "queued"), 240);
        QCOMPARE(countStatus(**m_engine, "failed"), 10); // the other webhook's
        QCOMPARE(countStatus(**m_engine, "delivered"), 1);
        QSqlQuery q((*m_engine)->database().connection());
        QVERIFY(q.exec(QStringLiteral("SELECT max(failures) FROM deliveries WHERE status = 'queued'")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0); // a fresh budget
    }

    void cancelHalfway()
    {
        DeliveryFilter filter;
        filter.status = DeliveryStatus::Failed;
        BulkRetry bulk((*m_engine)->deliveries(), filter);
        bulk.setChunkSize(25);
        QSignalSpy finished(&bulk, &BulkRetry::finished);
        connect(&bulk, &BulkRetry::progress, &bulk, [&bulk](int done, int) {
            if (done >= 125)
                bulk.cancel();
        });
        bulk.start();
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(1).toBool(), true);
        const int queued = finished.first().at(0).toInt();
        QCOMPARE(queued, 125);
        QCOMPARE(bulk.total(), 250);
        QCOMPARE(countStatus(**m_engine, "queued"), 125);
        QCOMPARE(countStatus(**m_engine, "failed"), 125);
    }

private:
    Test::ManualClock m_clock;
    std::unique_ptr<Test::TestEngine> m_engine;
    QString m_webhook;
    QString m_other;
};

QTEST_GUILESS_MAIN(TestBulkRetry)
#include "tst_bulkretry.moc"
