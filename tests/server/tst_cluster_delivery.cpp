// Delivery across nodes (SPEC §14, §11): three `alfe serve` nodes on one PostgreSQL database, six agents that
// forward to one local receiver, 3,000 signed deliveries posted round-robin over the nodes. Every acknowledged
// delivery reaches its agent (by X-Alfe-Delivery-Id), none lost, few twice; the first attempts of an agent keep the
// order in which the ingress accepted its deliveries; and when a node is SIGKILLed mid-run, the others take its
// leases over and finish its work.
#include "Cluster.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <functional>
#include <memory>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
constexpr int Nodes = 3;
constexpr int Agents = 6;
constexpr int Deliveries = 3'000;
constexpr int Streams = 18;             // sequential senders: each posts its next delivery when the last is answered
constexpr int MaxDuplicates = 3;        // 0.1 % of 3,000 (no node dies)
constexpr int PerAgentConcurrency = 16; // alfe.ini delivery/concurrency, the default the nodes run with
constexpr int LeaseSeconds = 3;         // alfe serve --lease-seconds
constexpr int TakeoverSlackMs = 15'000; // on top of the lease, for a loaded machine (still under the 30 s default)
// Waits with QTest::qWaitFor (a failed QTRY_* goes on waiting twice as long to report): under the 300 s a test
// function may take, and the ctest TIMEOUT of tst_cluster_delivery is raised for two of them.
constexpr int WaitMs = 90'000;
constexpr int StoreWaitMs = 30'000;

// The agents' side: a local HTTP server at /in/<agent>, answering 200 after a delay it can change at any time.
// Records the first arrival of every X-Alfe-Delivery-Id, and how many arrived more than once.
class Receiver final
{
public:
    struct Arrival
    {
        int agent = -1;
        qint64 atMs = 0; // on the test's clock
    };

    explicit Receiver(const QElapsedTimer& clock)
        : m_clock(clock)
    {
        m_server.setMissingHandler([this](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
            const QString path = request.url().path();
            const QByteArray id = header(request, "X-Alfe-Delivery-Id");
            const int agent = path.startsWith(QLatin1String("/in/")) ? path.mid(4).toInt() : -1;
            if (m_first.contains(id))
                ++m_duplicates;
            else
                m_first.insert(id, Arrival{agent, m_clock.elapsed()});
            ++m_requests;
            // Taken now, while the socket is alive: a responder's own socket() dangles once its client has gone.
            const QPointer<QTcpSocket> socket = responder.socket();
            if (m_delayMs == 0) {
                answer(socket, std::move(responder));
                return;
            }
            ++m_pending;
            auto held = std::make_shared<QHttpServerResponder>(std::move(responder));
            QTimer::singleShot(m_delayMs, &m_server, [this, socket, held] {
                --m_pending;
                answer(socket, std::move(*held));
            });
        });
        m_listener = new QTcpServer(&m_server);
        if (!m_listener->listen(QHostAddress::LocalHost, 0))
            qFatal("receiver cannot listen");
        m_server.bind(m_listener);
    }

    QString url(int agent) const
    {
        return QStringLiteral("http://127.0.0.1:%1/in/%2").arg(m_listener->serverPort()).arg(agent);
    }
    void setDelayMs(int ms) { m_delayMs = ms; }
    const QHash<QByteArray, Arrival>& firstArrivals() const { return m_first; }
    int distinct() const { return int(m_first.size()); }
    int duplicates() const { return m_duplicates; }
    int requests() const { return m_requests; }
    int pending() const { return m_pending; }

private:
    static QByteArray header(const QHttpServerRequest& request, const QByteArray& name)
    {
        for (const auto& [key, value] : request.headers()) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    static void answer(const QPointer<QTcpSocket>& socket, QHttpServerResponder&& responder)
    {
        // A node killed meanwhile closed the connection: nothing to answer (writing would crash Qt 6.4).
        if (!socket || socket->state() != QAbstractSocket::ConnectedState)
            return;
        QHttpServerResponse response(QByteArray("application/json"), QByteArray("{\"ok\":true}"));
        response.write(std::move(responder));
    }

    const QElapsedTimer& m_clock;
    QHttpServer m_server;
    QTcpServer* m_listener = nullptr;
    int m_delayMs = 0;
    QHash<QByteArray, Arrival> m_first;
    int m_duplicates = 0;
    int m_requests = 0;
    int m_pending = 0;
};

// One posted delivery, on the test's clock.
struct Sent
{
    int agent = 0;
    int node = 0;
    qint64 sentMs = -1;
    qint64 answeredMs = -1;
    int status = 0;
    QByteArray id; // the 202's deliveryId
    QString error;
};

} // namespace

class TestClusterDelivery final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void threeNodesDeliverEverythingInOrder();
    void killedNodesWorkIsTakenOver();

private:
    // Six agents forwarding to the receiver, a webhook each, three nodes with a short lease.
    void setUpCluster();
    // Posts every delivery: delivery i through node i % 3 for agent (i / 3) % 6, by Streams sequential senders
    // (stream s posts the i with i % Streams == s, so each stream is one agent through one node).
    void postAll();
    QStringList acknowledged() const;
    QStringList receivedIds() const;

    QElapsedTimer m_clock;
    std::unique_ptr<Receiver> m_receiver;
    std::unique_ptr<Cluster> m_cluster;
    QList<QPair<QString, QByteArray>> m_webhooks; // per agent: id, secret
    QStringList m_agentIds;
    QList<Sent> m_sent;
};

void TestClusterDelivery::init()
{
    m_clock.start();
    m_receiver = std::make_unique<Receiver>(m_clock);
    m_cluster = std::make_unique<Cluster>();
    m_webhooks.clear();
    m_agentIds.clear();
    m_sent.clear();
}

void TestClusterDelivery::cleanup()
{
    m_cluster.reset(); // kills any node still running
    m_receiver.reset();
}

void TestClusterDelivery::setUpCluster()
{
    QVERIFY2(m_cluster->isValid(), qPrintable(m_cluster->error()));
    for (int a = 0; a < Agents; ++a) {
        const QString agentId = m_cluster->addAgent(QStringLiteral("agent-%1").arg(a), m_receiver->url(a));
        QVERIFY(!agentId.isEmpty());
        const auto webhook = m_cluster->createWebhook(agentId);
        QVERIFY(!webhook.first.isEmpty());
        m_agentIds << agentId;
        m_webhooks << webhook;
    }
    for (int n = 0; n < Nodes; ++n)
        QCOMPARE(m_cluster->startNode({QStringLiteral("--lease-seconds"), QString::number(LeaseSeconds)}), n);
}

void TestClusterDelivery::postAll()
{
    QNetworkAccessManager network;
    QObject answering; // the handlers go before the network, also when a check returns early
    m_sent.resize(Deliveries);
    int finished = 0;
    std::function<void(int)> post = [&](int i) {
        Sent& sent = m_sent[i];
        sent.node = i % Nodes;
        sent.agent = (i / Nodes) % Agents;
        const QByteArray body = "{\"type\":\"cluster.test\",\"n\":" + QByteArray::number(i) +
                                ",\"agent\":" + QByteArray::number(sent.agent) + ",\"pad\":\"" + QByteArray(100, 'x') +
                                "\"}";
        const auto& [webhookId, secret] = m_webhooks.at(sent.agent);
        sent.sentMs = m_clock.elapsed();
        QNetworkReply* reply = postSigned(network, m_cluster->hookUrl(sent.node, webhookId), secret, body);
        connect(reply, &QNetworkReply::finished, &answering, [&, reply, i] {
            reply->deleteLater();
            Sent& s = m_sent[i];
            s.answeredMs = m_clock.elapsed();
            s.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            s.id = QJsonDocument::fromJson(reply->readAll())
                       .object()
                       .value(QLatin1String("deliveryId"))
                       .toString()
                       .toLatin1();
            if (reply->error() != QNetworkReply::NoError)
                s.error = reply->errorString();
            ++finished;
            if (i + Streams < Deliveries)
                post(i + Streams);
        });
    };
    for (int s = 0; s < Streams; ++s)
        post(s);
    QVERIFY2(QTest::qWaitFor([&] { return finished == Deliveries; }, WaitMs),
             qPrintable(QStringLiteral("%1 of %2 posts answered").arg(finished).arg(Deliveries)));
    for (const Sent& s : std::as_const(m_sent))
        QVERIFY2(s.status == 202 && !s.id.isEmpty(),
                 qPrintable(QStringLiteral("HTTP %1 %2").arg(s.status).arg(s.error)));
    const QStringList ids = acknowledged();
    QCOMPARE(QSet<QString>(ids.cbegin(), ids.cend()).size(), Deliveries);
}

QStringList TestClusterDelivery::acknowledged() const
{
    QStringList ids;
    for (const Sent& s : m_sent)
        ids << QString::fromLatin1(s.id);
    return ids;
}

QStringList TestClusterDelivery::receivedIds() const
{
    QStringList ids;
    for (auto it = m_receiver->firstArrivals().cbegin(); it != m_receiver->firstArrivals().cend(); ++it)
        ids << QString::fromLatin1(it.key());
    return ids;
}

namespace {

// Ids of `expected` not in `actual`, shortened for a failure message.
QByteArray describeMissing(const QStringList& missing)
{
    return QByteArray::number(missing.size()) + " missing, e.g. " + missing.mid(0, 5).join(QLatin1Char(' ')).toLatin1();
}

} // namespace

void TestClusterDelivery::threeNodesDeliverEverythingInOrder()
{
    setUpCluster();
    if (QTest::currentTestFailed())
        return;
    postAll();
    if (QTest::currentTestFailed())
        return;

    // Every acknowledged delivery reaches its own agent.
    QVERIFY2(QTest::qWaitFor([&] { return m_receiver->distinct() >= Deliveries; }, WaitMs) &&
                 missingIds(acknowledged(), receivedIds()).isEmpty(),
             describeMissing(missingIds(acknowledged(), receivedIds())).constData());
    for (const Sent& s : std::as_const(m_sent))
        QCOMPARE(m_receiver->firstArrivals().value(s.id).agent, s.agent);
    QCOMPARE(m_receiver->distinct(), Deliveries);
    QVERIFY2(m_receiver->duplicates() <= MaxDuplicates,
             qPrintable(QStringLiteral("%1 sent twice").arg(m_receiver->duplicates())));

    // ...and is recorded as delivered.
    QSqlQuery query(m_cluster->sql());
    const QString countDelivered = QStringLiteral("SELECT count(*) FROM deliveries WHERE status = 'delivered'");
    auto delivered = [&] {
        return query.exec(countDelivered) && query.next() ? query.value(0).toInt() : -1;
    };
    QVERIFY(QTest::qWaitFor([&] { return delivered() == Deliveries; }, StoreWaitMs));
    QCOMPARE(delivered(), Deliveries);

    // Order of first attempts per agent (SPEC §11): when delivery x was acknowledged before delivery y of the same
    // agent was even sent, x's first attempt started no later than y's. The start times come from the store
    // (attempt 1's started_at, in ms, ties allowed): arrival order at the receiver is not asserted, since attempts
    // in flight together on different connections may arrive in either order.
    QHash<QByteArray, qint64> firstStart;
    QVERIFY2(query.exec(QStringLiteral("SELECT delivery_id, started_at FROM attempts WHERE n = 1")),
             qPrintable(query.lastError().text()));
    while (query.next())
        firstStart.insert(query.value(0).toByteArray(), query.value(1).toLongLong());
    for (const Sent& s : std::as_const(m_sent))
        QVERIFY2(firstStart.contains(s.id), s.id.constData());

    // Inversions among pairs ordered by the test's clock (x answered before y sent): `sameStream` only for the
    // pairs of one sequential sender (one agent through one node), else for any pair of the agent's.
    auto inversions = [&](bool sameStream, bool atReceiver, QByteArray* example) {
        int count = 0;
        for (int agent = 0; agent < Agents; ++agent) {
            for (int stream = 0; stream < (sameStream ? Streams : 1); ++stream) {
                QList<const Sent*> mine;
                for (int i = 0; i < Deliveries; ++i) {
                    if (m_sent.at(i).agent == agent && (!sameStream || i % Streams == stream))
                        mine << &m_sent.at(i);
                }
                auto at = [&](const Sent* s) {
                    return atReceiver ? m_receiver->firstArrivals().value(s->id).atMs : firstStart.value(s->id);
                };
                QList<const Sent*> byAnswer = mine;
                std::sort(byAnswer.begin(), byAnswer.end(),
                          [](const Sent* a, const Sent* b) { return a->answeredMs < b->answeredMs; });
                std::sort(mine.begin(), mine.end(), [](const Sent* a, const Sent* b) { return a->sentMs < b->sentMs; });
                qsizetype next = 0;
                const Sent* latest = nullptr; // the latest-started of those answered so far
                for (const Sent* y : std::as_const(mine)) {
                    for (; next < byAnswer.size() && byAnswer.at(next)->answeredMs < y->sentMs; ++next) {
                        if (!latest || at(byAnswer.at(next)) > at(latest))
                            latest = byAnswer.at(next);
                    }
                    if (latest && at(latest) > at(y)) {
                        if (count++ == 0 && example)
                            *example = latest->id + " (accepted first) started after " + y->id;
                    }
                }
            }
        }
        return count;
    };
    QByteArray example;
    const int streamInversions = inversions(true, false, &example);
    const int agentInversions = inversions(false, false, nullptr);
    const int arrivalInversions = inversions(true, true, nullptr);
    qInfo("%d deliveries over %d nodes: %d sent twice; first attempts out of acceptance order: %d within a sender, "
          "%d across senders of an agent; first arrivals out of order within a sender: %d",
          Deliveries, Nodes, m_receiver->duplicates(), streamInversions, agentInversions, arrivalInversions);
    QVERIFY2(streamInversions == 0, example.constData());

    QVERIFY(m_cluster->stopAll());
}

void TestClusterDelivery::killedNodesWorkIsTakenOver()
{
    setUpCluster();
    if (QTest::currentTestFailed())
        return;
    // A slow agent side: while posting, attempts take 2 s each, so most deliveries are still to go afterwards.
    m_receiver->setDelayMs(2'000);
    postAll();
    if (QTest::currentTestFailed())
        return;
    m_receiver->setDelayMs(200);
    QVERIFY2(QTest::qWaitFor([&] { return m_receiver->distinct() >= Deliveries / 3; }, WaitMs),
             qPrintable(QStringLiteral("%1 of %2 arrived").arg(m_receiver->distinct()).arg(Deliveries)));

    // The node to kill: the one holding the most agents' leases (agent_leases.node_id), else node 0.
    int victim = 0;
    int victimAgents = Agents; // unknown: as if it held them all
    QSqlQuery query(m_cluster->sql());
    if (query.exec(QStringLiteral("SELECT node_id FROM agent_leases"))) {
        QList<int> held(Nodes, 0);
        while (query.next()) {
            for (int n = 0; n < Nodes; ++n) {
                if (!m_cluster->nodeId(n).isEmpty() && query.value(0).toString() == m_cluster->nodeId(n))
                    ++held[n];
            }
        }
        victim = int(std::max_element(held.cbegin(), held.cend()) - held.cbegin());
        victimAgents = held[victim];
        qInfo("agent leases per node: %d %d %d; killing node %d", held[0], held[1], held[2], victim);
    } else {
        qInfo("agent_leases not readable (%s); killing node 0", qPrintable(query.lastError().text()));
    }

    // What is left at the kill, per agent; what the receiver holds unanswered may come again (at least once).
    QList<int> left(Agents, 0);
    for (const Sent& s : std::as_const(m_sent)) {
        if (!m_receiver->firstArrivals().contains(s.id))
            ++left[s.agent];
    }
    const int receivedAtKill = m_receiver->distinct();
    const int inFlightAtKill = m_receiver->pending();
    const qint64 killedAtMs = m_clock.elapsed();
    QVERIFY(m_cluster->kill(victim));
    QVERIFY2(receivedAtKill < Deliveries, "everything had arrived before the kill: nothing was taken over");

    // Nothing is lost...
    QVERIFY2(QTest::qWaitFor([&] { return m_receiver->distinct() >= Deliveries; }, WaitMs) &&
                 missingIds(acknowledged(), receivedIds()).isEmpty(),
             describeMissing(missingIds(acknowledged(), receivedIds())).constData());
    const qint64 doneAtMs = m_clock.elapsed();
    for (const Sent& s : std::as_const(m_sent))
        QCOMPARE(m_receiver->firstArrivals().value(s.id).agent, s.agent);

    // ...and every agent that had work left got deliveries again within the lease time (and slack): whichever node
    // held it, the dead one's leases expired and another node took them.
    QList<qint64> resumedAfter(Agents, -1);
    for (auto it = m_receiver->firstArrivals().cbegin(); it != m_receiver->firstArrivals().cend(); ++it) {
        const qint64 after = it->atMs - killedAtMs;
        if (after >= 0 && (resumedAfter[it->agent] < 0 || after < resumedAfter[it->agent]))
            resumedAfter[it->agent] = after;
    }
    for (int agent = 0; agent < Agents; ++agent) {
        if (left[agent] == 0)
            continue;
        QVERIFY2(resumedAfter[agent] >= 0 && resumedAfter[agent] <= LeaseSeconds * 1000 + TakeoverSlackMs,
                 qPrintable(QStringLiteral("agent %1 (%2 left at the kill) got its next delivery %3 ms after it")
                                .arg(agent)
                                .arg(left[agent])
                                .arg(resumedAfter[agent])));
    }

    // Sent twice: what the dead node had out at the kill, and what was answered but not yet recorded by it. It
    // sends each of its agents' deliveries PerAgentConcurrency at a time, and records answers a round at a time:
    // at most one round's answers and one round's sends per agent. (The receiver's unanswered count at the kill is
    // no bound: it spans every node, and the receiver answers in bursts.)
    qInfo("node %d (%d agents) killed with %d of %d arrived and %d in flight at the receiver; the rest arrived %lld "
          "ms later; %d sent twice",
          victim, victimAgents, receivedAtKill, Deliveries, inFlightAtKill, qlonglong(doneAtMs - killedAtMs),
          m_receiver->duplicates());
    const int mostTwice = 2 * victimAgents * PerAgentConcurrency;
    QVERIFY2(m_receiver->duplicates() <= mostTwice,
             qPrintable(QStringLiteral("%1 sent twice; a dead node with %2 agents can have %3 out or unrecorded")
                            .arg(m_receiver->duplicates())
                            .arg(victimAgents)
                            .arg(mostTwice)));

    // The store agrees: every delivery delivered.
    auto delivered = [&] {
        return query.exec(QStringLiteral("SELECT count(*) FROM deliveries WHERE status = 'delivered'")) && query.next()
                   ? query.value(0).toInt()
                   : -1;
    };
    QVERIFY(QTest::qWaitFor([&] { return delivered() == Deliveries; }, StoreWaitMs));
    QCOMPARE(delivered(), Deliveries);
    QVERIFY(m_cluster->stopAll());
}

QTEST_GUILESS_MAIN(TestClusterDelivery)
#include "tst_cluster_delivery.moc"
