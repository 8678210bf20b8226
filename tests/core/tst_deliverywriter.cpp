#include "ManualClock.h"
#include "TestEngine.h"
#include "ingress/ConnectionGuard.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryWriter.h"
#include "store/WebhookStore.h"

#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

using namespace Alfe;

namespace {
IncomingDelivery delivery(const QString& webhookId, const QByteArray& body)
{
    IncomingDelivery in;
    in.webhookId = webhookId;
    in.contentType = QStringLiteral("application/json");
    in.body = body;
    return in;
}

int count(Engine& engine, const QString& sql)
{
    QSqlQuery q(engine.database().connection());
    return q.exec(sql) && q.next() ? q.value(0).toInt() : -1;
}
} // namespace

// The group-commit writer: one transaction for what arrives together, one answer per row.
class TestDeliveryWriter : public QObject
{
    Q_OBJECT

private slots:
    void eachRowHasItsOwnResult()
    {
        Test::ManualClock clock;
        Test::TestEngine engine(clock);
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        const QString webhook = engine->webhooks().create(agent)->webhook.id;
        // One particular body cannot be stored; the rest of its batch must still be.
        QVERIFY(engine->database().exec(QStringLiteral(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON deliveries WHEN NEW.body = CAST('{\"bad\":1}' AS BLOB)"
            " BEGIN SELECT RAISE(ABORT, 'simulated I/O error'); END")));

        DeliveryWriter writer(engine->databasePath(), clock);
        QVERIFY(writer.start());
        QSignalSpy committed(&writer, &DeliveryWriter::committed);
        QList<std::optional<Result<StoredDelivery>>> results(6);
        const QList<QByteArray> bodies{"{\"n\":0}", "{\"n\":1}", "{\"bad\":1}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}"};
        for (int i = 0; i < bodies.size(); ++i)
            writer.submit(delivery(webhook, bodies[i]), [&results, i](Result<StoredDelivery> r) { results[i] = r; });
        QTRY_VERIFY(std::all_of(results.cbegin(), results.cend(), [](const auto& r) { return r.has_value(); }));
        for (int i = 0; i < bodies.size(); ++i)
            QCOMPARE(results[i]->ok(), i != 2);
        QVERIFY(committed.size() >= 2); // the first went alone, the others waited and went together
        QCOMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM deliveries")), 5);
        QCOMPARE(
            count(*engine, QStringLiteral("SELECT count(*) FROM deliveries WHERE body = CAST('{\"bad\":1}' AS BLOB)")),
            0);
        // Each committed delivery is handed on with its agent, so the scheduler needs no query to find it.
        QStringList reported;
        for (const QList<QVariant>& args : committed) {
            for (const CommittedDelivery& c : args.at(0).value<QList<CommittedDelivery>>()) {
                QCOMPARE(c.agentId, agent);
                reported << c.deliveryId;
            }
        }
        QCOMPARE(reported.size(), 5);
        for (int i = 0; i < bodies.size(); ++i) {
            if (i != 2)
                QVERIFY(reported.contains(results[i]->value().deliveryId));
        }
    }

    void refusedLogIsCapped()
    {
        Test::ManualClock clock;
        Test::TestEngine engine(clock);
        DeliveryWriter writer(engine->databasePath(), clock);
        QVERIFY(writer.start());
        RefusedRequest refused;
        refused.status = 404;
        refused.code = "not_found";
        refused.method = "POST";
        refused.path = "/v1/hooks/whk_unknown";
        refused.bodyHead = QByteArray(100 * 1024, 'x'); // kept to 64 KiB
        writer.submitRefused(refused);
        QTRY_COMPARE(count(*engine, QStringLiteral("SELECT max(length(body_head)) FROM refused_requests")), 64 * 1024);
        refused.bodyHead = "{\"small\":true}";
        for (int i = 0; i < DeliveryWriter::RefusedLogMaxRows + 500; ++i) {
            refused.headers = {{"X-N", QByteArray::number(i)}};
            writer.submitRefused(refused);
        }
        const int expected = DeliveryWriter::RefusedLogMaxRows;
        QTRY_COMPARE_WITH_TIMEOUT(count(*engine, QStringLiteral("SELECT max(id) FROM refused_requests")),
                                  expected + 501, 30000);
        QCOMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests")), expected);
        // The newest are kept.
        QCOMPARE(
            count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests WHERE headers LIKE '%\"10499\"%'")),
            1);
        QCOMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests WHERE headers LIKE '%\"0\"]%'")),
                 0);

        // Older than 24 h: gone with the next write.
        clock.advanceSeconds(24 * 3600 + 1);
        writer.submitRefused(refused);
        QTRY_COMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests")), 1);
    }
};

QTEST_GUILESS_MAIN(TestDeliveryWriter)
#include "tst_deliverywriter.moc"
