// Dedup across nodes (SPEC §14): two `alfe serve` nodes on one PostgreSQL database get the same event (same body,
// same X-Alfe-Delivery-Id, properly signed) at the same moment. The unique index (webhook_id, dedup_key) with
// ON CONFLICT leaves no window of double acceptance: for each event one node answers 202 with the new delivery's
// id, the other 200 {"deliveryId": <that id>, "duplicate": true}, and the store holds one delivery for the event
// and one duplicate row that points at it.
#include "Cluster.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
constexpr int Events = 50;
constexpr int HeldEvents = 10;
constexpr int AnswerWaitMs = 30'000;

struct Answer
{
    int status = 0;
    QJsonObject json;
    QString error;

    QByteArray describe() const
    {
        return "HTTP " + QByteArray::number(status) + " " + QJsonDocument(json).toJson(QJsonDocument::Compact) + " " +
               error.toUtf8();
    }
};

} // namespace

class TestClusterDedup final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void sameEventOnTwoNodesAtOnceIsAcceptedOnce();
    void insertsHeldUntilBothNodesWaitAreAcceptedOnce();

private:
    // Posts `events` events, each to both nodes at once, and checks each pair of answers: one 202, one duplicate
    // 200 naming the 202's delivery. With `holdInserts`, the test holds an EXCLUSIVE lock on the deliveries table
    // until both nodes' INSERTs wait for it, so both have looked for an original, found none, and meet at the
    // unique index. Appends the 202's ids to m_accepted.
    void race(const QByteArray& prefix, int events, bool holdInserts);
    // The store holds exactly one non-duplicate delivery per event of `prefix`, the 202's, and one duplicate of it.
    void checkStore(const QByteArray& prefix, int events);

    std::unique_ptr<Cluster> m_cluster;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QString m_webhookId;
    QByteArray m_secret;
    QStringList m_accepted;
};

void TestClusterDedup::init()
{
    m_cluster = std::make_unique<Cluster>();
    m_network = std::make_unique<QNetworkAccessManager>();
    m_accepted.clear();
    QVERIFY2(m_cluster->isValid(), qPrintable(m_cluster->error()));
    // No forward URL and no stream: every delivery stays queued, nothing but the ingress touches the rows.
    const QString agentId = m_cluster->addAgent(QStringLiteral("race-bot"));
    QVERIFY(!agentId.isEmpty());
    std::tie(m_webhookId, m_secret) = m_cluster->createWebhook(agentId);
    QVERIFY(!m_webhookId.isEmpty());
    QVERIFY(m_secret.startsWith("whsec_"));
    QCOMPARE(m_cluster->startNode(), 0);
    QCOMPARE(m_cluster->startNode(), 1);
    QVERIFY(m_cluster->nodeId(0) != m_cluster->nodeId(1));

    // Warm both nodes up (connections open, webhook cached), so the racing requests go out together.
    for (int node = 0; node < 2; ++node) {
        QNetworkReply* warm = postSigned(*m_network, m_cluster->hookUrl(node, m_webhookId), m_secret,
                                         "{\"type\":\"warm.up\",\"node\":" + QByteArray::number(node) + "}",
                                         "warm-" + QByteArray::number(node));
        QTRY_VERIFY_WITH_TIMEOUT(warm->isFinished(), AnswerWaitMs);
        QCOMPARE(warm->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 202);
        warm->deleteLater();
    }
}

void TestClusterDedup::cleanup()
{
    m_network.reset();
    m_cluster.reset(); // kills the nodes if the test did not stop them
}

void TestClusterDedup::race(const QByteArray& prefix, int events, bool holdInserts)
{
    QSqlDatabase db = m_cluster->sql();
    QSqlQuery lock(db);
    int won[2] = {0, 0};
    for (int i = 0; i < events; ++i) {
        const QByteArray senderId = prefix + QByteArray::number(i);
        const QByteArray body = "{\"type\":\"race.test\",\"n\":" + QByteArray::number(i) + "}";
        if (holdInserts) {
            QVERIFY(db.transaction());
            QVERIFY2(lock.exec(QStringLiteral("LOCK TABLE deliveries IN EXCLUSIVE MODE")),
                     qPrintable(lock.lastError().text()));
        }
        // Both requests are out before either answer is read; which node gets its request first alternates.
        Answer answers[2];
        int pending = 2;
        QObject answering; // the answers' handlers go with this iteration, also when a check returns early
        for (int k = 0; k < 2; ++k) {
            const int node = (i + k) % 2;
            QNetworkReply* reply =
                postSigned(*m_network, m_cluster->hookUrl(node, m_webhookId), m_secret, body, senderId);
            connect(reply, &QNetworkReply::finished, &answering, [reply, &answers, &pending, node] {
                reply->deleteLater();
                Answer& answer = answers[node];
                answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                answer.json = QJsonDocument::fromJson(reply->readAll()).object();
                if (reply->error() != QNetworkReply::NoError)
                    answer.error = reply->errorString();
                --pending;
            });
        }
        if (holdInserts) {
            // Both nodes' INSERTs wait for the lock (SELECTs do not: each has looked for an original already).
            auto waiting = [&] {
                QSqlQuery locks(db);
                return locks.exec(QStringLiteral("SELECT count(*) FROM pg_locks WHERE NOT granted"
                                                 " AND relation = 'deliveries'::regclass")) &&
                               locks.next()
                           ? locks.value(0).toInt()
                           : -1;
            };
            QTRY_VERIFY_WITH_TIMEOUT(waiting() >= 2, AnswerWaitMs);
            QCOMPARE(pending, 2);
            QVERIFY(db.rollback());
        }
        QTRY_COMPARE_WITH_TIMEOUT(pending, 0, AnswerWaitMs);

        const QByteArray both =
            "event " + senderId + ": node 0 " + answers[0].describe() + "; node 1 " + answers[1].describe();
        QVERIFY2(QSet<int>({answers[0].status, answers[1].status}) == QSet<int>({200, 202}), both.constData());
        const int winner = answers[0].status == 202 ? 0 : 1;
        const Answer& created = answers[winner];
        const Answer& duplicate = answers[1 - winner];
        const QString id = created.json.value(QLatin1String("deliveryId")).toString();
        QVERIFY2(id.startsWith(QLatin1String("dlv_")), both.constData());
        QVERIFY2(!created.json.contains(QLatin1String("duplicate")), both.constData());
        QVERIFY2(duplicate.json.value(QLatin1String("duplicate")).toBool(), both.constData());
        QVERIFY2(duplicate.json.value(QLatin1String("deliveryId")).toString() == id, both.constData());
        ++won[winner];
        m_accepted << id;
    }
    qInfo("%d events posted to both nodes at once: node 0 stored %d, node 1 stored %d", events, won[0], won[1]);
}

void TestClusterDedup::checkStore(const QByteArray& prefix, int events)
{
    QCOMPARE(QSet<QString>(m_accepted.cbegin(), m_accepted.cend()).size(), events);

    // Through the CLI: the 202's deliveries, and one duplicate row pointing at each (besides the warm-up ones).
    const CliResult listed =
        m_cluster->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--webhook"), m_webhookId,
                        QStringLiteral("--limit"), QStringLiteral("500"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(listed);
    QStringList originals;
    QStringList duplicateOf;
    for (const QJsonValue& value : listed.json().array()) {
        const QJsonObject row = value.toObject();
        if (row.value(QLatin1String("status")).toString() == u"duplicate")
            duplicateOf << row.value(QLatin1String("duplicateOf")).toString();
        else
            originals << row.value(QLatin1String("id")).toString();
    }
    QCOMPARE(originals.size(), events + 2); // and the two warm-up deliveries
    QCOMPARE(duplicateOf.size(), events);
    QCOMPARE(missingIds(m_accepted, originals), QStringList());
    QCOMPARE(missingIds(m_accepted, duplicateOf), QStringList());
    QCOMPARE(QSet<QString>(duplicateOf.cbegin(), duplicateOf.cend()).size(), events);

    // By dedup key, straight from the database: exactly one non-duplicate row and one duplicate per event.
    QSqlQuery query(m_cluster->sql());
    QVERIFY(query.prepare(QStringLiteral("SELECT dedup_key, count(*) FILTER (WHERE status <> 'duplicate'),"
                                         " count(*) FILTER (WHERE status = 'duplicate') FROM deliveries"
                                         " WHERE dedup_key LIKE ? GROUP BY dedup_key")));
    query.addBindValue(QString::fromLatin1(prefix + '%'));
    QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
    int keys = 0;
    while (query.next()) {
        ++keys;
        QVERIFY2(query.value(1).toInt() == 1 && query.value(2).toInt() == 1, qPrintable(query.value(0).toString()));
    }
    QCOMPARE(keys, events);
}

void TestClusterDedup::sameEventOnTwoNodesAtOnceIsAcceptedOnce()
{
    const QByteArray prefix = "race-" + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "-";
    race(prefix, Events, false);
    if (QTest::currentTestFailed())
        return;
    checkStore(prefix, Events);
    QVERIFY(m_cluster->stopAll());
}

// The narrowest window, made certain: each node has looked for an original and found none before either inserts.
void TestClusterDedup::insertsHeldUntilBothNodesWaitAreAcceptedOnce()
{
    const QByteArray prefix = "held-" + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "-";
    race(prefix, HeldEvents, true);
    if (QTest::currentTestFailed())
        return;
    checkStore(prefix, HeldEvents);
    QVERIFY(m_cluster->stopAll());
}

QTEST_GUILESS_MAIN(TestClusterDedup)
#include "tst_cluster_dedup.moc"
