#include "IngressFixture.h"
#include "crypto/Secrets.h"
#include "crypto/Signature.h"
#include "store/DeliveryStore.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace Alfe;
using Test::IngressFixture;

namespace {
QList<QPair<QByteArray, QByteArray>> bearer(const QByteArray& token)
{
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}
} // namespace

// The management API: agents integrate themselves with bearer tokens and see only their own things.
class TestManagementApi : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_f = std::make_unique<IngressFixture>();
        auto me = m_f->engine().agents().create(QStringLiteral("self-serve bot"));
        m_agentId = me->agent.id;
        m_token = me->token;
        auto other = m_f->engine().agents().create(QStringLiteral("someone else"));
        m_otherToken = other->token;
    }

    void cleanup() { m_f.reset(); }

    void createReturnsTheSecretOnce()
    {
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"),
                                        "{\"provider\":\"github\",\"description\":\"repo events\"}", bearer(m_token));
        QCOMPARE(created.status, 201);
        const QJsonObject hook = created.json();
        const QString id = hook.value(QLatin1String("id")).toString();
        const QByteArray secret = hook.value(QLatin1String("secret")).toString().toLatin1();
        QVERIFY(Secrets::isWebhookSecret(secret));
        QCOMPARE(hook.value(QLatin1String("provider")).toString(), QStringLiteral("github"));
        QCOMPARE(hook.value(QLatin1String("url")).toString(),
                 m_f->engine().ingressUrl() + QStringLiteral("/v1/hooks/") + id);
        QCOMPARE(hook.value(QLatin1String("enabled")).toBool(), true);
        QCOMPARE(created.header("Location"), "/v1/webhooks/" + id.toLatin1());

        // The secret works at the ingress...
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{\"zen\":1}", secret).status, 202);
        // ...and nothing shows it again.
        auto list = m_f->http().get(QStringLiteral("/v1/webhooks"), bearer(m_token));
        QCOMPARE(list.status, 200);
        QCOMPARE(list.json().value(QLatin1String("webhooks")).toArray().size(), 1);
        QVERIFY(!list.body.contains(secret));
        QVERIFY(!list.body.contains("\"secret\""));
        auto show = m_f->http().get(QStringLiteral("/v1/webhooks/") + id, bearer(m_token));
        QCOMPARE(show.status, 200);
        QVERIFY(!show.body.contains(secret));
        QVERIFY(!show.body.contains("\"secret\""));
    }

    void noTokenIs401()
    {
        for (const QByteArray& auth : {QByteArray(), QByteArray("Bearer"), QByteArray("Bearer alfe_nope"),
                                       QByteArray("Basic dXNlcjpwYXNz"), QByteArray("Bearer ") + m_token + "x"}) {
            QList<QPair<QByteArray, QByteArray>> headers;
            if (!auth.isEmpty())
                headers << qMakePair(QByteArray("Authorization"), auth);
            auto r = m_f->http().get(QStringLiteral("/v1/webhooks"), headers);
            QCOMPARE(r.status, 401);
            QCOMPARE(r.header("WWW-Authenticate"), QByteArray("Bearer"));
            QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
        }
        QCOMPARE(m_f->http().post(QStringLiteral("/v1/webhooks"), "{}").status, 401);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/agents/me")).status, 401);
    }

    void anotherAgentSees404()
    {
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"), "{}", bearer(m_token));
        const QString id = created.json().value(QLatin1String("id")).toString();
        const QByteArray secret = created.json().value(QLatin1String("secret")).toString().toLatin1();
        auto delivered = m_f->http().postSigned(IngressFixture::hookPath(id), "{\"a\":1}", secret);
        const QString deliveryId = delivered.json().value(QLatin1String("deliveryId")).toString();
        const auto other = bearer(m_otherToken);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/webhooks/") + id, other).status, 404);
        QCOMPARE(m_f->http().send("PATCH", QStringLiteral("/v1/webhooks/") + id, "{\"enabled\":false}", other).status,
                 404);
        QCOMPARE(m_f->http().send("DELETE", QStringLiteral("/v1/webhooks/") + id, {}, other).status, 404);
        QCOMPARE(m_f->http().post(QStringLiteral("/v1/webhooks/") + id + QStringLiteral("/rotate"), "{}", other).status,
                 404);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/deliveries/") + deliveryId, other).status, 404);
        QCOMPARE(m_f->http()
                     .post(QStringLiteral("/v1/deliveries/") + deliveryId + QStringLiteral("/retry"), {}, other)
                     .status,
                 404);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/deliveries?webhookId=") + id, other).status, 404);
        auto theirList = m_f->http().get(QStringLiteral("/v1/deliveries"), other);
        QCOMPARE(theirList.json().value(QLatin1String("deliveries")).toArray().size(), 0);
        QCOMPARE(m_f->http()
                     .get(QStringLiteral("/v1/webhooks"), other)
                     .json()
                     .value(QLatin1String("webhooks"))
                     .toArray()
                     .size(),
                 0);
        // Untouched by the attempts.
        QCOMPARE(m_f->http()
                     .get(QStringLiteral("/v1/webhooks/") + id, bearer(m_token))
                     .json()
                     .value(QLatin1String("enabled")),
                 QJsonValue(true));
    }

    // PUT /v1/webhooks/{id}/provider-secret imports the provider's signing secret: the answer never shows it, the
    // ingress verifies with it at once, a replacement keeps the previous one for its grace, DELETE removes it.
    void providerSecretThroughTheApi()
    {
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"), "{\"provider\":\"stripe\"}", bearer(m_token));
        const QString id = created.json().value(QLatin1String("id")).toString();
        const QString path = QStringLiteral("/v1/webhooks/") + id + QStringLiteral("/provider-secret");
        const auto stripePost = [&](const QByteArray& secret, const QByteArray& body) {
            const QByteArray t = QByteArray::number(m_f->clock().nowMs() / 1000);
            const QByteArray v1 = Signature::hmacSha256(secret, t + '.' + body).toHex();
            return m_f->http().post(
                IngressFixture::hookPath(id), body,
                {{"Content-Type", "application/json"}, {"Stripe-Signature", "t=" + t + ",v1=" + v1}});
        };
        QCOMPARE(stripePost("whsec_firstStripeSecret01", "{\"id\":\"evt_0\"}").status, 401);

        auto put = m_f->http().send("PUT", path, "{\"secret\":\"whsec_firstStripeSecret01\",\"toleranceSeconds\":60}",
                                    bearer(m_token));
        QCOMPARE(put.status, 200);
        QVERIFY(!put.body.contains("whsec_firstStripeSecret01"));
        QCOMPARE(put.json().value(QLatin1String("providerSecretImported")).toBool(), true);
        QCOMPARE(put.json().value(QLatin1String("providerSecretVersion")).toInt(), 1);
        QCOMPARE(put.json().value(QLatin1String("toleranceSeconds")).toInt(), 60);
        auto first = stripePost("whsec_firstStripeSecret01", "{\"id\":\"evt_1\"}");
        QCOMPARE(first.status, 202);
        auto stored = m_f->engine().deliveries().get(first.json().value(QLatin1String("deliveryId")).toString());
        QCOMPARE(stored->verifiedBy, QStringLiteral("stripe"));

        auto replaced = m_f->http().send("PUT", path, "{\"secret\":\"whsec_secondStripeSecret2\",\"graceSeconds\":30}",
                                         bearer(m_token));
        QCOMPARE(replaced.status, 200);
        QVERIFY(replaced.json().value(QLatin1String("previousProviderSecretExpiresAt")).isString());
        QCOMPARE(stripePost("whsec_firstStripeSecret01", "{\"id\":\"evt_2\"}").status, 202);
        QCOMPARE(stripePost("whsec_secondStripeSecret2", "{\"id\":\"evt_3\"}").status, 202);
        m_f->clock().advanceSeconds(31);
        auto expired = stripePost("whsec_firstStripeSecret01", "{\"id\":\"evt_4\"}");
        QCOMPARE(expired.status, 401);
        QVERIFY2(expired.body.contains("Stripe-Signature does not match the body"), expired.body.constData());

        // Bad bodies are refused with what is wrong, and change nothing.
        const QList<QPair<QByteArray, QString>> bad{
            {"{}", QStringLiteral("Send \"secret\"")},
            {"{\"secret\":42}", QStringLiteral("secret must be a string")},
            {"{\"secret\":\"sk_live_abcdefghijkl\"}", QStringLiteral("That is a Stripe API key")},
            {"{\"secret\":\"whsec_ok_but_bad_grace\",\"graceSeconds\":-1}",
             QStringLiteral("graceSeconds must be a whole number from 0 to 604800")},
            {"{\"secret\":\"whsec_ok_but_bad_tolerance\",\"toleranceSeconds\":0}",
             QStringLiteral("toleranceSeconds must be a whole number from 1 to 86400")},
            {"[1]", QStringLiteral("The body must be a JSON object")},
            {"{\"graceSeconds\":60,\"toleranceSeconds\":60}",
             QStringLiteral("graceSeconds goes with a new \"secret\"")},
        };
        for (const auto& [body, message] : bad) {
            auto refused = m_f->http().send("PUT", path, body, bearer(m_token));
            QCOMPARE(refused.status, 400);
            const QString said =
                refused.json().value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString();
            QVERIFY2(said.contains(message), refused.body.constData());
        }
        QCOMPARE(m_f->engine().webhooks().get(id)->providerSecretVersion, 2);
        QCOMPARE(m_f->engine().webhooks().get(id)->toleranceSeconds, 60);
        QCOMPARE(m_f->http().send("PUT", path, "{\"toleranceSeconds\":600}", bearer(m_token)).status, 200);
        QCOMPARE(m_f->engine().webhooks().get(id)->toleranceSeconds, 600);

        // Another agent's webhook does not exist for this token.
        QCOMPARE(m_f->http().send("PUT", path, "{\"secret\":\"whsec_someoneElses01\"}", bearer(m_otherToken)).status,
                 404);
        QCOMPARE(m_f->http().send("DELETE", path, {}, bearer(m_otherToken)).status, 404);

        auto removed = m_f->http().send("DELETE", path, {}, bearer(m_token));
        QCOMPARE(removed.status, 200);
        QCOMPARE(removed.json().value(QLatin1String("providerSecretImported")).toBool(), false);
        QCOMPARE(stripePost("whsec_secondStripeSecret2", "{\"id\":\"evt_5\"}").status, 401);
        // Only PUT and DELETE live there.
        auto get = m_f->http().send("GET", path, {}, bearer(m_token));
        QCOMPARE(get.status, 405);
        QCOMPARE(get.header("Allow"), QByteArray("PUT, DELETE"));
    }

    void rotateKeepsTheOldSecretForItsGrace()
    {
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"), "{}", bearer(m_token));
        const QString id = created.json().value(QLatin1String("id")).toString();
        const QByteArray oldSecret = created.json().value(QLatin1String("secret")).toString().toLatin1();
        auto rotated = m_f->http().post(QStringLiteral("/v1/webhooks/") + id + QStringLiteral("/rotate"),
                                        "{\"graceSeconds\":120}", bearer(m_token));
        QCOMPARE(rotated.status, 200);
        const QByteArray newSecret = rotated.json().value(QLatin1String("secret")).toString().toLatin1();
        QVERIFY(Secrets::isWebhookSecret(newSecret));
        QVERIFY(newSecret != oldSecret);
        QCOMPARE(rotated.json().value(QLatin1String("secretVersion")).toInt(), 2);
        QVERIFY(rotated.json().value(QLatin1String("previousSecretExpiresAt")).toString().endsWith(QLatin1Char('Z')));

        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{\"v\":1}", oldSecret).status, 202);
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{\"v\":2}", newSecret).status, 202);
        m_f->clock().advanceSeconds(121);
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{\"v\":3}", oldSecret).status, 401);
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{\"v\":4}", newSecret).status, 202);

        auto tooLong = m_f->http().post(QStringLiteral("/v1/webhooks/") + id + QStringLiteral("/rotate"),
                                        "{\"graceSeconds\":604801}", bearer(m_token));
        QCOMPARE(tooLong.status, 400);
        QCOMPARE(tooLong.errorCode(), QStringLiteral("invalid_argument"));
        for (const QByteArray& bad : {QByteArray("{\"graceSeconds\":1e300}"), QByteArray("{\"graceSeconds\":-1}"),
                                      QByteArray("{\"graceSeconds\":1.5}"), QByteArray("{\"graceSeconds\":\"60\"}")}) {
            auto refused = m_f->http().post(QStringLiteral("/v1/webhooks/") + id + QStringLiteral("/rotate"), bad,
                                            bearer(m_token));
            QCOMPARE(refused.status, 400);
            QVERIFY2(refused.body.contains("from 0 to 604800"), refused.body.constData());
        }
        // Nothing was rotated by the refused requests: the secret of the rotation above still verifies.
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{\"v\":5}", newSecret).status, 202);
    }

    void patchAndDeleteReachTheIngress()
    {
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"), "{}", bearer(m_token));
        const QString id = created.json().value(QLatin1String("id")).toString();
        const QByteArray secret = created.json().value(QLatin1String("secret")).toString().toLatin1();
        auto patched = m_f->http().send("PATCH", QStringLiteral("/v1/webhooks/") + id,
                                        "{\"enabled\":false,\"description\":\"paused for now\"}", bearer(m_token));
        QCOMPARE(patched.status, 200);
        QCOMPARE(patched.json().value(QLatin1String("description")).toString(), QStringLiteral("paused for now"));
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{}", secret).status, 410);
        m_f->http().send("PATCH", QStringLiteral("/v1/webhooks/") + id, "{\"enabled\":true}", bearer(m_token));
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{}", secret).status, 202);
        auto removed = m_f->http().send("DELETE", QStringLiteral("/v1/webhooks/") + id, {}, bearer(m_token));
        QCOMPARE(removed.status, 204);
        QCOMPARE(m_f->http().postSigned(IngressFixture::hookPath(id), "{\"x\":1}", secret).status, 404);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/webhooks/") + id, bearer(m_token)).status, 404);
    }

    void badInput()
    {
        auto notJson = m_f->http().post(QStringLiteral("/v1/webhooks"), "{provider:", bearer(m_token));
        QCOMPARE(notJson.status, 400);
        QCOMPARE(notJson.errorCode(), QStringLiteral("invalid_json"));
        auto badProvider =
            m_f->http().post(QStringLiteral("/v1/webhooks"), "{\"provider\":\"gitlab\"}", bearer(m_token));
        QCOMPARE(badProvider.status, 400);
        QVERIFY(badProvider.json()
                    .value(QLatin1String("error"))
                    .toObject()
                    .value(QLatin1String("message"))
                    .toString()
                    .contains(QLatin1String("github")));
        auto array = m_f->http().post(QStringLiteral("/v1/webhooks"), "[1,2]", bearer(m_token));
        QCOMPARE(array.status, 400);
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"), {}, bearer(m_token)); // empty body: defaults
        QCOMPARE(created.status, 201);
        QCOMPARE(created.json().value(QLatin1String("provider")).toString(), QStringLiteral("generic"));
        const QString id = created.json().value(QLatin1String("id")).toString();
        QCOMPARE(m_f->http().send("PATCH", QStringLiteral("/v1/webhooks/") + id, "{}", bearer(m_token)).status, 400);
        QCOMPARE(m_f->http()
                     .send("PATCH", QStringLiteral("/v1/webhooks/") + id, "{\"enabled\":\"no\"}", bearer(m_token))
                     .status,
                 400);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/deliveries?status=lost"), bearer(m_token)).status, 400);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/deliveries?limit=0"), bearer(m_token)).status, 400);
        QCOMPARE(m_f->http().get(QStringLiteral("/v1/deliveries?cursor=garbage"), bearer(m_token)).status, 400);
        QCOMPARE(m_f->engine().webhooks().list(m_agentId).size(), 1); // nothing half-created
    }

    void deliveriesPagingAndDetail()
    {
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"), "{\"provider\":\"stripe\"}", bearer(m_token));
        const QString id = created.json().value(QLatin1String("id")).toString();
        const QByteArray secret = created.json().value(QLatin1String("secret")).toString().toLatin1();
        QStringList sent;
        for (int i = 0; i < 7; ++i) {
            const QByteArray body = "{\"id\":\"evt_" + QByteArray::number(i) + "\",\"type\":\"invoice.paid\"}";
            auto r = m_f->http().postSigned(IngressFixture::hookPath(id), body, secret);
            QCOMPARE(r.status, 202);
            sent.prepend(r.json().value(QLatin1String("deliveryId")).toString()); // newest first
            m_f->clock().advanceMs(1);
        }
        QStringList seen;
        QString cursor;
        int pages = 0;
        do {
            QString path = QStringLiteral("/v1/deliveries?limit=3&webhookId=") + id;
            if (!cursor.isEmpty())
                path += QStringLiteral("&cursor=") + QString::fromLatin1(QUrl::toPercentEncoding(cursor));
            auto page = m_f->http().get(path, bearer(m_token));
            QCOMPARE(page.status, 200);
            for (const auto& d : page.json().value(QLatin1String("deliveries")).toArray())
                seen << d.toObject().value(QLatin1String("id")).toString();
            cursor = page.json().value(QLatin1String("nextCursor")).toString();
            ++pages;
        } while (!cursor.isEmpty() && pages < 10);
        QCOMPARE(pages, 3);
        QCOMPARE(seen, sent);

        auto detail = m_f->http().get(QStringLiteral("/v1/deliveries/") + sent.first(), bearer(m_token));
        QCOMPARE(detail.status, 200);
        const QJsonObject d = detail.json();
        QCOMPARE(d.value(QLatin1String("eventType")).toString(), QStringLiteral("invoice.paid"));
        QCOMPARE(d.value(QLatin1String("body")).toString(),
                 QStringLiteral("{\"id\":\"evt_6\",\"type\":\"invoice.paid\"}"));
        QCOMPARE(QByteArray::fromBase64(d.value(QLatin1String("bodyBase64")).toString().toLatin1()),
                 QByteArray("{\"id\":\"evt_6\",\"type\":\"invoice.paid\"}"));
        QVERIFY(d.value(QLatin1String("headers")).toArray().size() >= 2);
        QCOMPARE(d.value(QLatin1String("status")).toString(), QStringLiteral("queued"));

        auto queued = m_f->http().get(QStringLiteral("/v1/deliveries?status=queued"), bearer(m_token));
        QCOMPARE(queued.json().value(QLatin1String("deliveries")).toArray().size(), 7);
        QCOMPARE(m_f->http()
                     .get(QStringLiteral("/v1/deliveries?status=failed"), bearer(m_token))
                     .json()
                     .value(QLatin1String("deliveries"))
                     .toArray()
                     .size(),
                 0);

        auto retried = m_f->http().post(QStringLiteral("/v1/deliveries/") + sent.last() + QStringLiteral("/retry"), {},
                                        bearer(m_token));
        QCOMPARE(retried.status, 202);
        QCOMPARE(retried.json().value(QLatin1String("status")).toString(), QStringLiteral("queued"));
    }

    // A store that fails (here: another connection holds SQLite's write lock past the busy timeout) is a 503
    // with a fixed message and Retry-After: what SQLite said goes to the log, never to the client.
    void storageFailureIs503WithoutSqliteText()
    {
        auto created = m_f->http().post(QStringLiteral("/v1/webhooks"), "{}", bearer(m_token)); // the token's use
        QCOMPARE(created.status, 201);                                                          // is recorded
        const QString id = created.json().value(QLatin1String("id")).toString();
        {
            QSqlDatabase locker = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
            locker.setDatabaseName(m_f->engine().databasePath());
            QVERIFY(locker.open());
            QSqlQuery lock(locker);
            QVERIFY2(lock.exec(QStringLiteral("BEGIN EXCLUSIVE")), qPrintable(lock.lastError().text()));
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("database is locked")));
            auto failed = m_f->http().send("PATCH", QStringLiteral("/v1/webhooks/") + id,
                                           "{\"description\":\"while locked\"}", bearer(m_token));
            QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
            QCOMPARE(failed.status, 503);
            QCOMPARE(failed.errorCode(), QStringLiteral("storage_unavailable"));
            QVERIFY(failed.header("Retry-After").toInt() > 0);
            for (const char* leak : {"database", "locked", "SQL", "statement", "fetch row"})
                QVERIFY2(!failed.body.contains(leak), failed.body.constData());
            lock = QSqlQuery();
            locker.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("locker"));
        auto patched = m_f->http().send("PATCH", QStringLiteral("/v1/webhooks/") + id,
                                        "{\"description\":\"after the lock\"}", bearer(m_token));
        QCOMPARE(patched.status, 200);
    }

    void agentsMe()
    {
        auto me = m_f->http().get(QStringLiteral("/v1/agents/me"), bearer(m_token));
        QCOMPARE(me.status, 200);
        QCOMPARE(me.json().value(QLatin1String("id")).toString(), m_agentId);
        QCOMPARE(me.json().value(QLatin1String("name")).toString(), QStringLiteral("self-serve bot"));
        QVERIFY(!me.body.contains(m_token));
    }

private:
    std::unique_ptr<IngressFixture> m_f;
    QString m_agentId;
    QByteArray m_token;
    QByteArray m_otherToken;
};

QTEST_GUILESS_MAIN(TestManagementApi)
#include "tst_managementapi.moc"
