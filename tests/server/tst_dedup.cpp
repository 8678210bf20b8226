#include "IngressFixture.h"
#include "store/DeliveryStore.h"

#include <QTest>

using namespace Alfe;
using Test::IngressFixture;

// Dedup keys, first found: the signed body's id (stripe id, slack event_id), X-Alfe-Delivery-Id, webhook-id,
// Idempotency-Key, X-GitHub-Delivery (github); without one, the body hash inside the window.
class TestDedup : public QObject
{
    Q_OBJECT

private slots:
    void keySources_data()
    {
        QTest::addColumn<int>("provider");
        QTest::addColumn<QByteArray>("headerName");
        QTest::addColumn<QByteArray>("firstBody");
        QTest::addColumn<QByteArray>("secondBody");
        // The bodies differ where a key decides, so the body hash cannot be what matched.
        QTest::newRow("X-Alfe-Delivery-Id") << int(Provider::Generic) << QByteArray("X-Alfe-Delivery-Id")
                                            << QByteArray("{\"n\":1}") << QByteArray("{\"n\":2}");
        QTest::newRow("webhook-id") << int(Provider::Generic) << QByteArray("webhook-id") << QByteArray("{\"n\":1}")
                                    << QByteArray("{\"n\":2}");
        QTest::newRow("Idempotency-Key") << int(Provider::Generic) << QByteArray("Idempotency-Key")
                                         << QByteArray("{\"n\":1}") << QByteArray("{\"n\":2}");
        QTest::newRow("X-GitHub-Delivery") << int(Provider::GitHub) << QByteArray("X-GitHub-Delivery")
                                           << QByteArray("{\"n\":1}") << QByteArray("{\"n\":2}");
        QTest::newRow("stripe body id") << int(Provider::Stripe) << QByteArray()
                                        << QByteArray("{\"id\":\"evt_9\",\"type\":\"invoice.paid\",\"n\":1}")
                                        << QByteArray("{\"id\":\"evt_9\",\"type\":\"invoice.paid\",\"n\":2}");
        QTest::newRow("slack event_id") << int(Provider::Slack) << QByteArray()
                                        << QByteArray("{\"event_id\":\"Ev01\",\"n\":1}")
                                        << QByteArray("{\"event_id\":\"Ev01\",\"n\":2}");
    }

    void keySources()
    {
        QFETCH(int, provider);
        QFETCH(QByteArray, headerName);
        QFETCH(QByteArray, firstBody);
        QFETCH(QByteArray, secondBody);
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider(provider), &secret);
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!headerName.isEmpty())
            headers << qMakePair(headerName, QByteArray("key-123"));

        auto first = f.http().postSigned(IngressFixture::hookPath(id), firstBody, secret, headers);
        QCOMPARE(first.status, 202);
        const QString original = first.json().value(QLatin1String("deliveryId")).toString();
        // Long after the body-hash window: an explicit key still dedups.
        f.clock().advanceSeconds(3600);
        auto second = f.http().postSigned(IngressFixture::hookPath(id), secondBody, secret, headers);
        QCOMPARE(second.status, 200);
        QCOMPARE(second.json().value(QLatin1String("deliveryId")).toString(), original);
        QCOMPARE(second.json().value(QLatin1String("duplicate")).toBool(), true);

        // Visible in the log, linked to the original, never queued for forwarding.
        QCOMPARE(f.count(QStringLiteral("status = 'duplicate' AND duplicate_of = '%1'").arg(original)), 1);
        QCOMPARE(f.count(QStringLiteral("status = 'queued'")), 1);

        // A different key is a different delivery.
        if (!headerName.isEmpty()) {
            auto other = f.http().postSigned(IngressFixture::hookPath(id), firstBody, secret,
                                             {{headerName, QByteArray("key-456")}});
            QCOMPARE(other.status, 202);
        }
    }

    void keyPrecedence()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::GitHub, &secret);
        auto first = f.http().postSigned(IngressFixture::hookPath(id), "{\"a\":1}", secret,
                                         {{"X-Alfe-Delivery-Id", "alfe-1"}, {"X-GitHub-Delivery", "gh-1"}});
        QCOMPARE(first.status, 202);
        // Same GitHub id, different X-Alfe-Delivery-Id: the first-found key (X-Alfe-Delivery-Id) decides.
        auto second = f.http().postSigned(IngressFixture::hookPath(id), "{\"a\":2}", secret,
                                          {{"X-Alfe-Delivery-Id", "alfe-2"}, {"X-GitHub-Delivery", "gh-1"}});
        QCOMPARE(second.status, 202);
    }

    // A captured signed Stripe (or Slack) request replayed with a fresh, unsigned X-Alfe-Delivery-Id is still the
    // same event: the id inside the signed body decides, so the replay is a duplicate and is not forwarded.
    void signedBodyIdWinsOverHeaders_data()
    {
        QTest::addColumn<int>("provider");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("stripe") << int(Provider::Stripe)
                                << QByteArray("{\"id\":\"evt_1\",\"type\":\"charge.succeeded\"}");
        QTest::newRow("slack") << int(Provider::Slack)
                               << QByteArray("{\"event_id\":\"Ev1\",\"type\":\"event_callback\"}");
    }

    void signedBodyIdWinsOverHeaders()
    {
        QFETCH(int, provider);
        QFETCH(QByteArray, body);
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider(provider), &secret);
        auto first = f.http().postSigned(IngressFixture::hookPath(id), body, secret, {{"X-Alfe-Delivery-Id", "a-1"}});
        QCOMPARE(first.status, 202);
        auto replay = f.http().postSigned(IngressFixture::hookPath(id), body, secret, {{"X-Alfe-Delivery-Id", "a-2"}});
        QCOMPARE(replay.status, 200);
        QCOMPARE(replay.json().value(QLatin1String("duplicate")).toBool(), true);
        QCOMPARE(f.count(QStringLiteral("status = 'queued'")), 1);
    }

    void bodyHashWindow()
    {
        IngressFixture f; // window: 300 s
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const QByteArray body = "{\"type\":\"ping\"}";
        auto first = f.http().postSigned(IngressFixture::hookPath(id), body, secret);
        QCOMPARE(first.status, 202);
        f.clock().advanceSeconds(299);
        auto inside = f.http().postSigned(IngressFixture::hookPath(id), body, secret);
        QCOMPARE(inside.status, 200);
        QCOMPARE(inside.json().value(QLatin1String("deliveryId")), first.json().value(QLatin1String("deliveryId")));
        f.clock().advanceSeconds(2); // 301 s after the first
        auto outside = f.http().postSigned(IngressFixture::hookPath(id), body, secret);
        QCOMPARE(outside.status, 202);
        QVERIFY(outside.json().value(QLatin1String("deliveryId")) != first.json().value(QLatin1String("deliveryId")));
        // Another webhook with the same body is not a duplicate.
        QByteArray otherSecret;
        const QString other = f.createWebhook(Provider::Generic, &otherSecret);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(other), body, otherSecret).status, 202);
    }

    void windowOff()
    {
        auto options = IngressFixture::defaultOptions();
        options.dedupWindowSeconds = 0;
        IngressFixture f(options);
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{}", secret).status, 202);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{}", secret).status, 202);
    }
};

QTEST_GUILESS_MAIN(TestDedup)
#include "tst_dedup.moc"
