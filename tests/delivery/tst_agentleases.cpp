// Agents changing nodes (SPEC §14), at the level of two nodes' delivery queues on one PostgreSQL database, each
// on its own connection, on a manual clock: a node that learns of a second one gives back what is beyond its
// share in the same renewal when nothing of it is in flight, and as soon as the last of it is settled otherwise
// (leasesUnsettled() says so at the next poll); the node short of its part says so too, and takes what was given
// back. Before, both waited for their next lease renewal (a third of the lease: 10 s by default) and the agents in
// between were delivered by nobody: the multi-node drain ran at 900/s with the nodes idle.
#include "ManualClock.h"
#include "TestEngine.h"
#include "delivery/LocalDeliveryQueue.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
constexpr int Agents = 6;

DeliveryOptions nodeOptions(const QString& node)
{
    DeliveryOptions o;
    o.schedule = RetrySchedule({0, 5'000}, 0.0);
    o.perAgentConcurrency = 4;
    o.nodeId = node;
    o.leaseMs = 30'000;
    return o;
}

// One node: its own connection to the shared database, and its queue.
struct Node
{
    Node(const QString& location, const Clock& clock, const QString& id)
    {
        if (auto opened = db.open(location); !opened)
            qFatal("%s", qPrintable(opened.error().message));
        queue = std::make_unique<LocalDeliveryQueue>(db, clock, nodeOptions(id));
        queue->recover();
    }
    Database db;
    std::unique_ptr<LocalDeliveryQueue> queue;
};
} // namespace

class TestAgentLeases : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (qEnvironmentVariable("ALFE_TEST_DATABASE") != QLatin1String("postgresql"))
            QSKIP("agent leases exist on PostgreSQL only (ALFE_TEST_DATABASE=postgresql)");
    }

    void init()
    {
        m_engine = std::make_unique<TestEngine>(m_clock);
        m_agents.clear();
        m_webhooks.clear();
        for (int i = 0; i < Agents; ++i) {
            m_agents << (*m_engine)
                            ->agents()
                            .create(QStringLiteral("agent %1").arg(i), QStringLiteral("http://127.0.0.1:9/in"))
                            ->agent.id;
            m_webhooks << (*m_engine)->webhooks().create(m_agents.last())->webhook.id;
        }
    }

    void cleanup() { m_engine.reset(); }

    void idleAgentsBeyondTheShareGoBackInTheSameRenewal()
    {
        Node a(m_engine->databaseLocation(), m_clock, QStringLiteral("node-a"));
        a.queue->maintainLeases();
        QCOMPARE(held(QStringLiteral("node-a")), Agents); // alone: all of them
        QVERIFY(!a.queue->leasesUnsettled());

        Node b(m_engine->databaseLocation(), m_clock, QStringLiteral("node-b"));
        b.queue->maintainLeases();
        QCOMPARE(held(QStringLiteral("node-b")), 0); // nothing free yet
        QVERIFY(b.queue->leasesUnsettled());         // short of its part (6 / 2): look again at the next poll

        m_clock.advanceMs(1000);
        a.queue->maintainLeases(); // now counts two nodes: its share is 3, the other 3 are idle
        QCOMPARE(held(QStringLiteral("node-a")), Agents / 2);
        QVERIFY(!a.queue->leasesUnsettled());

        b.queue->maintainLeases();
        QCOMPARE(held(QStringLiteral("node-b")), Agents / 2);
        QVERIFY(!b.queue->leasesUnsettled());
        QCOMPARE(scalar(QStringLiteral("SELECT count(DISTINCT agent_id) FROM agent_leases WHERE node_id <> ''")),
                 Agents);
    }

    void busyAgentsGoBackOnceTheirDeliveriesAreSettled()
    {
        Node a(m_engine->databaseLocation(), m_clock, QStringLiteral("node-a"));
        a.queue->maintainLeases();
        for (const QString& webhook : std::as_const(m_webhooks)) {
            IncomingDelivery in;
            in.webhookId = webhook;
            in.body = "{}";
            QVERIFY((*m_engine)->deliveries().insert(in).ok());
        }
        a.queue->refresh();
        const QList<DeliveryQueue::Claim> claims = a.queue->claim(100);
        QCOMPARE(claims.size(), Agents); // one in flight for every agent

        Node b(m_engine->databaseLocation(), m_clock, QStringLiteral("node-b"));
        b.queue->maintainLeases();
        m_clock.advanceMs(1000);
        a.queue->maintainLeases();
        // Three are marked to go, but each has a delivery out: still held, and not yet due to move.
        QCOMPARE(held(QStringLiteral("node-a")), Agents);
        QVERIFY(!a.queue->leasesUnsettled());

        AttemptOutcome delivered;
        delivered.kind = AttemptOutcome::Kind::Delivered;
        delivered.statusCode = 204;
        for (const DeliveryQueue::Claim& claim : claims)
            a.queue->settle(claim, DeliveryQueue::Report{delivered, 1, {}, {}});
        DeliveryQueue::Round round = a.queue->takeRound();
        // Answered, but the results are not in the store yet: another node taking these agents now would find
        // their deliveries still in flight there and send them again. They stay.
        QVERIFY(!a.queue->leasesUnsettled());
        a.queue->maintainLeases();
        QCOMPARE(held(QStringLiteral("node-a")), Agents);
        const bool written = AttemptJournal::write(a.db, round.writes).ok();
        QVERIFY(written);
        a.queue->roundWritten(std::move(round), written);

        QVERIFY(a.queue->leasesUnsettled()); // the scheduler's next poll renews now
        a.queue->maintainLeases();
        QCOMPARE(held(QStringLiteral("node-a")), Agents / 2);
        b.queue->maintainLeases();
        QCOMPARE(held(QStringLiteral("node-b")), Agents / 2);
    }

private:
    int held(const QString& node) const
    {
        return scalar(QStringLiteral("SELECT count(*) FROM agent_leases WHERE node_id = '%1'").arg(node));
    }
    int scalar(const QString& sql) const
    {
        QSqlQuery q((*m_engine)->database().connection());
        return q.exec(sql) && q.next() ? q.value(0).toInt() : -1;
    }

    ManualClock m_clock;
    std::unique_ptr<TestEngine> m_engine;
    QStringList m_agents;
    QStringList m_webhooks;
};

QTEST_GUILESS_MAIN(TestAgentLeases)
#include "tst_agentleases.moc"
