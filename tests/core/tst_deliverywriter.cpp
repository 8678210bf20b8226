#include "ManualClock.h"
#include "TestEngine.h"
#include "ingress/ConnectionGuard.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryWriter.h"
#include "store/RefusedLog.h"
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
    return q.exec(engine.database().sql(sql)) && q.next() ? q.value(0).toInt() : -1;
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
        if (engine.onPostgres()) {
            // PostgreSQL aborts the whole transaction on an error: the writer's savepoint per row must contain it.
            QVERIFY(engine->database().exec(QStringLiteral(
                "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.body = convert_to('{\"bad\":1}', 'UTF8') THEN RAISE EXCEPTION 'simulated I/O error'; END IF;"
                " RETURN NEW; END $$")));
            QVERIFY(engine->database().exec(QStringLiteral(
                "CREATE TRIGGER refuse_one BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION refuse_one()")));
        } else {
            QVERIFY(engine->database().exec(QStringLiteral(
                "CREATE TRIGGER refuse_one BEFORE INSERT ON deliveries WHEN NEW.body = CAST('{\"bad\":1}' AS BLOB)"
                " BEGIN SELECT RAISE(ABORT, 'simulated I/O error'); END")));
        }

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
        refused.bodyHead = QByteArray(100 * 1024, 'x'); // kept to 4 KiB
        refused.headers = {{"X-Huge", QByteArray(5000, 'h')}, {"X-Next", "1"}};
        writer.submitRefused(refused);
        QTRY_COMPARE(count(*engine, QStringLiteral("SELECT max(length(body_head)) FROM refused_requests")),
                     int(RefusedRequest::BodyHeadBytes));
        // A long header value is shortened, saying how long it was.
        QCOMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests WHERE headers LIKE "
                                               "'%(5000 bytes)%' AND length(headers) < 2000")),
                 1);

        refused.bodyHead = "{\"small\":true}";
        const int total = RefusedLog::MaxRows + 500;
        for (int i = 0; i < total; ++i) {
            refused.headers = {{"X-N", QByteArray::number(i)}};
            writer.submitRefused(refused);
            if (i % 500 == 499) // as fast as the log takes them: it drops what comes faster (see below)
                QTRY_COMPARE_WITH_TIMEOUT(count(*engine, QStringLiteral("SELECT max(id) FROM refused_requests")), i + 2,
                                          10000);
        }
        QCOMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests")), RefusedLog::MaxRows);
        // The newest are kept.
        QCOMPARE(
            count(*engine,
                  QStringLiteral("SELECT count(*) FROM refused_requests WHERE headers LIKE '%\"%1\"%'").arg(total - 1)),
            1);
        QCOMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests WHERE headers LIKE '%\"0\"]%'")),
                 0);

        // Older than 24 h: gone with the next write.
        clock.advanceSeconds(24 * 3600 + 1);
        writer.submitRefused(refused);
        QTRY_COMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests")), 1);
    }

    // A flood of refusals is not written at its own speed: at most MaxPending wait for the next write (the rest
    // is dropped), and the log stays within its byte cap, keeping the newest.
    void refusedLogIsBoundedInBytesAndRate()
    {
        Test::ManualClock clock;
        Test::TestEngine engine(clock);
        Database db;
        QVERIFY(db.open(engine->databasePath()));
        constexpr qint64 cap = 256 * 1024;
        RefusedLog log(cap);
        RefusedRequest refused;
        refused.status = 401;
        refused.code = "invalid_signature";
        refused.method = "POST";
        refused.path = "/v1/hooks/whk_x";
        refused.bodyHead = QByteArray(RefusedRequest::BodyHeadBytes, 'b');
        int taken = 0;
        for (int i = 0; i < 5000; ++i) {
            refused.headers = {{"X-N", QByteArray::number(i)}};
            taken += log.add(refused, clock.nowMs()) ? 1 : 0;
        }
        QCOMPARE(taken, RefusedLog::MaxPending);
        QVERIFY(log.write(db, clock.nowMs()));
        QVERIFY(!log.hasPending());
        QCOMPARE(count(*engine, QStringLiteral("SELECT max(id) FROM refused_requests")), RefusedLog::MaxPending);
        const int bytes = count(*engine, QStringLiteral("SELECT sum(length(CAST(headers AS BLOB)) + length(body_head) "
                                                        "+ length(path) + length(reason)) FROM refused_requests"));
        QVERIFY2(bytes <= cap && bytes > cap - 5 * 1024, qPrintable(QString::number(bytes)));
        QCOMPARE(count(*engine, QStringLiteral("SELECT count(*) FROM refused_requests WHERE headers LIKE '%\"999\"%'")),
                 1);
        // Room again once written.
        QVERIFY(log.add(refused, clock.nowMs()));
    }

    void walIsCutBackAfterCheckpoints()
    {
        Test::ManualClock clock;
        Test::TestEngine engine(clock);
        if (engine.onPostgres())
            QSKIP("SQLite's write-ahead log; PostgreSQL manages its own");
        QCOMPARE(count(*engine, QStringLiteral("PRAGMA journal_size_limit")), 64 * 1024 * 1024);
    }
};

QTEST_GUILESS_MAIN(TestDeliveryWriter)
#include "tst_deliverywriter.moc"
