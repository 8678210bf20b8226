// The in-memory delivery queue over a real SQLite store: order per agent, the in-flight limit, bounded
// memory whatever the backlog, fairness between agents, and an agent that comes back getting everything,
// retrying deliveries included. Rounds are written on the test's connection, as the scheduler does when no
// ingress runs.
#include "ManualClock.h"
#include "TestEngine.h"
#include "delivery/LocalDeliveryQueue.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QSqlQuery>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
DeliveryOptions options()
{
    DeliveryOptions o;
    o.schedule = RetrySchedule({0, 5'000, 300'000}, 0.0);
    o.perAgentConcurrency = 16;
    o.offlineAfterConnectionFailures = 3;
    return o;
}

AttemptOutcome outcome(AttemptOutcome::Kind kind, int status)
{
    AttemptOutcome o;
    o.kind = kind;
    o.statusCode = status;
    if (kind == AttemptOutcome::Kind::ConnectionFailure)
        o.error = QStringLiteral("Connection refused");
    return o;
}

const AttemptOutcome Delivered = outcome(AttemptOutcome::Kind::Delivered, 204);
const AttemptOutcome Refused = outcome(AttemptOutcome::Kind::ConnectionFailure, 0);

struct Fixture
{
    ManualClock clock;
    TestEngine engine{clock};
    LocalDeliveryQueue queue{engine->database(), clock, options()};

    QString addAgent(const QString& url = QStringLiteral("http://127.0.0.1:9/in"))
    {
        return engine->agents().create(QStringLiteral("agent"), url)->agent.id;
    }
    QString addWebhook(const QString& agentId) { return engine->webhooks().create(agentId)->webhook.id; }

    // Stores n deliveries in one transaction; returns their ids in arrival order (and hands them to the
    // queue as the writer would, unless `announce` is false: then only the store knows them).
    QStringList store(const QString& webhookId, int n, bool announce = true)
    {
        QStringList ids;
        QList<CommittedDelivery> committed;
        engine->database().transaction([&]() -> Result<void> {
            for (int i = 0; i < n; ++i) {
                IncomingDelivery in;
                in.webhookId = webhookId;
                in.body = "{\"n\":" + QByteArray::number(i) + "}";
                const auto stored = engine->deliveries().insert(in);
                ids << stored->deliveryId;
                committed << CommittedDelivery{stored->deliveryId, stored->agentId, nullptr};
            }
            return {};
        });
        if (announce)
            queue.enqueue(committed);
        return ids;
    }

    QStringList ids(const QList<DeliveryQueue::Claim>& claims)
    {
        QStringList out;
        for (const auto& c : claims)
            out << c.outgoing.delivery.id;
        return out;
    }

    // Settles every claim with `how`, writes the round; returns the round's events.
    QList<DeliveryQueue::Event> settleAll(const QList<DeliveryQueue::Claim>& claims, const AttemptOutcome& how)
    {
        for (const auto& c : claims)
            queue.settle(c, DeliveryQueue::Report{how, 1, {}, {}});
        return writeRound();
    }

    QList<DeliveryQueue::Event> writeRound()
    {
        DeliveryQueue::Round round = queue.takeRound();
        const bool written = AttemptJournal::write(engine->database(), round.writes).ok();
        return queue.roundWritten(std::move(round), written);
    }

    QVariant scalar(const QString& sql, const QVariantList& binds = {})
    {
        QSqlQuery q(engine->database().connection());
        q.prepare(sql);
        for (const QVariant& b : binds)
            q.addBindValue(b);
        return q.exec() && q.next() ? q.value(0) : QVariant();
    }
};
} // namespace

class TestDeliveryQueue : public QObject
{
    Q_OBJECT

private slots:
    // Under load the writer's notice of a commit can come after the delivery was found in the store, sent and
    // settled: it must not go out a second time (it did, with the same attempt number, seen in the bench).
    void aLateNoticeOfACommitDoesNotSendItAgain()
    {
        Fixture f;
        const QString agent = f.addAgent();
        const QStringList ids = f.store(f.addWebhook(agent), 3, false);
        f.queue.recover(); // found in the store before the writer's notice comes
        const auto claims = f.queue.claim(1000);
        QCOMPARE(f.ids(claims), ids);
        f.settleAll(claims, Delivered);
        QList<CommittedDelivery> late;
        for (const QString& id : ids)
            late << CommittedDelivery{id, agent, nullptr};
        f.queue.enqueue(late);
        QCOMPARE(f.queue.claim(1000).size(), 0);
        QCOMPARE(f.scalar(QStringLiteral("SELECT count(*) FROM attempts")).toInt(), 3);
    }

    // An agent without a forward URL receives over its stream, up to its window; what was out when the stream
    // closed waits again with nothing spent, and the next stream starts with the oldest.
    void aClosedStreamResumesWithTheOldestUnspent()
    {
        Fixture f;
        f.queue.recover();
        const QString agent = f.addAgent(QString());
        const QStringList ids = f.store(f.addWebhook(agent), 5);
        QCOMPARE(f.queue.claim(1000).size(), 0); // no URL, no stream: they wait
        QVERIFY(f.queue.streamOpened(agent, 2, QStringLiteral("127.0.0.1:5000"), f.clock.nowMs()));
        QCOMPARE(f.queue.claim(1000).size(), 0); // not before the stream's opening is written
        f.writeRound();
        auto claims = f.queue.claim(1000);
        QCOMPARE(f.ids(claims), ids.mid(0, 2));
        QVERIFY(claims.at(0).stream && claims.at(1).stream);
        QCOMPARE(f.scalar(QStringLiteral("SELECT stream_peer FROM agents WHERE id = ?"), {agent}).toString(),
                 QStringLiteral("127.0.0.1:5000"));

        f.queue.settle(claims.at(0), DeliveryQueue::Report{Delivered, 1, {}, {}});
        AttemptOutcome interrupted;
        interrupted.kind = AttemptOutcome::Kind::Interrupted;
        interrupted.error = QStringLiteral("the stream closed before the agent answered");
        f.queue.settle(claims.at(1), DeliveryQueue::Report{interrupted, 1, {}, {}});
        f.queue.streamClosed(agent);
        f.writeRound();
        QCOMPARE(f.queue.claim(1000).size(), 0);
        QVERIFY(f.scalar(QStringLiteral("SELECT stream_since FROM agents WHERE id = ?"), {agent}).isNull());
        QCOMPARE(f.scalar(QStringLiteral("SELECT status || ',' || failures FROM deliveries WHERE id = ?"), {ids.at(1)})
                     .toString(),
                 QStringLiteral("queued,0"));
        QCOMPARE(f.scalar(QStringLiteral("SELECT via FROM attempts WHERE delivery_id = ?"), {ids.at(1)}).toString(),
                 QStringLiteral("stream"));

        QVERIFY(f.queue.streamOpened(agent, 16, QStringLiteral("127.0.0.1:5001"), f.clock.nowMs()));
        f.writeRound();
        claims = f.queue.claim(1000);
        QCOMPARE(f.ids(claims), ids.mid(1));
        QCOMPARE(claims.first().attempt, 2);
    }

    void firstAttemptsLeaveInArrivalOrderSixteenAtATime()
    {
        Fixture f;
        f.queue.recover();
        const QString webhook = f.addWebhook(f.addAgent());
        const QStringList arrived = f.store(webhook, 100);
        QStringList sent;
        while (sent.size() < arrived.size()) {
            const auto claims = f.queue.claim(1000);
            QVERIFY(!claims.isEmpty());
            QVERIFY2(claims.size() <= 16, qPrintable(QString::number(claims.size())));
            sent << f.ids(claims);
            f.writeRound();                          // starts
            QCOMPARE(f.queue.claim(1000).size(), 0); // all 16 slots are taken until answers land
            f.settleAll(claims, Delivered);
        }
        QCOMPARE(sent, arrived);
        QCOMPARE(f.scalar(QStringLiteral("SELECT count(*) FROM deliveries WHERE status = 'delivered'")).toInt(), 100);
        QCOMPARE(f.scalar(QStringLiteral("SELECT count(*) FROM attempts WHERE status_code = 204")).toInt(), 100);
        QCOMPARE(f.queue.heldInMemory(), 0);
    }

    // A backlog larger than the in-memory window (as after a restart: only the store knows it) comes out
    // whole and in order, with memory bounded by the window.
    void backlogBeyondTheWindowDrainsInOrderWithBoundedMemory()
    {
        Fixture f;
        const QString webhook = f.addWebhook(f.addAgent());
        const QStringList arrived = f.store(webhook, 5'000, false);
        f.queue.recover();
        QStringList sent;
        int maxHeld = 0;
        while (sent.size() < arrived.size()) {
            const auto claims = f.queue.claim(16);
            QVERIFY(!claims.isEmpty());
            maxHeld = std::max(maxHeld, f.queue.heldInMemory());
            sent << f.ids(claims);
            f.settleAll(claims, Delivered);
        }
        QCOMPARE(sent, arrived);
        QVERIFY2(maxHeld <= LocalDeliveryQueue::Window + 16, qPrintable(QString::number(maxHeld)));
    }

    void offlineAgentsBacklogCostsNoMemory()
    {
        Fixture f;
        const QString agent = f.addAgent();
        QSqlQuery q(f.engine->database().connection());
        QVERIFY(q.exec(QStringLiteral("UPDATE agents SET status = 'offline', next_probe_at = %1")
                           .arg(f.clock.nowMs() + 3'600'000)));
        f.queue.recover();
        f.store(f.addWebhook(agent), 3'000);
        QCOMPARE(f.queue.claim(1000).size(), 0);
        QCOMPARE(f.queue.heldInMemory(), 0);
        QCOMPARE(f.queue.nextWakeMs(), f.clock.nowMs() + 3'600'000); // its probe
    }

    // A huge backlog of one agent never delays another agent's new delivery by more than one round.
    void newDeliveryOfAnotherAgentGoesInTheNextRound()
    {
        Fixture f;
        f.queue.recover();
        const QString busy = f.addWebhook(f.addAgent());
        const QString quiet = f.addWebhook(f.addAgent(QStringLiteral("http://127.0.0.1:10/in")));
        f.store(busy, 3'000);
        const auto first = f.queue.claim(16); // the global room is 16: all of it goes to the busy agent
        QCOMPARE(first.size(), 16);
        f.settleAll(first, Delivered);
        const QString fresh = f.store(quiet, 1).first();
        const auto next = f.queue.claim(16);
        QCOMPARE(next.size(), 16);
        QVERIFY2(f.ids(next).contains(fresh), "the quiet agent's delivery waited behind the busy agent's backlog");
    }

    // Deliveries that failed while the agent was going away, retrying on their own schedule, go with the
    // rest of the backlog as soon as the agent is back, oldest first, and without spending more of their budget.
    void returningAgentGetsItsRetryingDeliveriesAtOnce()
    {
        Fixture f;
        f.queue.recover();
        const QString agent = f.addAgent();
        const QStringList arrived = f.store(f.addWebhook(agent), 40);

        // The agent is down: the first answers are connection failures; the third makes it offline.
        const auto claims = f.queue.claim(1000);
        QCOMPARE(claims.size(), 16);
        f.writeRound();
        f.queue.settle(claims.at(0), DeliveryQueue::Report{Refused, 1, {}, {}});
        f.queue.settle(claims.at(1), DeliveryQueue::Report{Refused, 1, {}, {}});
        f.writeRound();
        QCOMPARE(f.scalar(QStringLiteral("SELECT status FROM deliveries WHERE id = ?"), {arrived.at(0)}).toString(),
                 QStringLiteral("retrying"));
        f.settleAll(claims.mid(2), Refused); // the third goes offline; the rest land after it
        QCOMPARE(f.scalar(QStringLiteral("SELECT status FROM agents WHERE id = ?"), {agent}).toString(),
                 QStringLiteral("offline"));
        QCOMPARE(f.scalar(QStringLiteral("SELECT count(*) FROM deliveries WHERE status = 'queued'")).toInt(), 40);
        // Budget: the two failures before it was known to be away count, nothing after.
        QCOMPARE(f.scalar(QStringLiteral("SELECT sum(failures) FROM deliveries")).toInt(), 2);

        // A retry scheduled far ahead, as the old scheduler left them: it must still go with the backlog.
        QSqlQuery q(f.engine->database().connection());
        QVERIFY(q.exec(QStringLiteral("UPDATE deliveries SET status = 'retrying', next_attempt_at = %1 WHERE id = '%2'")
                           .arg(f.clock.nowMs() + 3'600'000)
                           .arg(arrived.at(5))));

        // Nothing goes until the probe is due; then one probe, with the oldest.
        QCOMPARE(f.queue.claim(1000).size(), 0);
        f.clock.advanceMs(f.queue.nextWakeMs() - f.clock.nowMs());
        const auto probe = f.queue.claim(1000);
        QCOMPARE(f.ids(probe), QStringList{arrived.at(0)});
        QVERIFY(probe.first().probe);
        const auto events = f.settleAll(probe, Delivered);
        QVERIFY(std::any_of(events.cbegin(), events.cend(), [](const DeliveryQueue::Event& e) {
            return e.kind == DeliveryQueue::Event::Kind::AgentStatus && e.agentStatus == AgentStatus::Online;
        }));

        // Back: all the rest, oldest first, the far retry included, with no clock moved.
        QStringList sent;
        for (int round = 0; round < 10 && sent.size() < 39; ++round) {
            const auto more = f.queue.claim(1000);
            sent << f.ids(more);
            f.settleAll(more, Delivered);
        }
        QCOMPARE(sent, arrived.mid(1));
        QCOMPARE(f.scalar(QStringLiteral("SELECT count(*) FROM deliveries WHERE status = 'delivered'")).toInt(), 40);
    }
};

QTEST_GUILESS_MAIN(TestDeliveryQueue)
#include "tst_deliveryqueue.moc"
