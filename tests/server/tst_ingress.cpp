#include "IngressFixture.h"
#include "api/ApiJson.h"
#include "crypto/Signature.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"

#include <QJsonDocument>
#include <QNetworkReply>
#include <QSet>
#include <QSqlQuery>
#include <QTest>

using namespace Alfe;
using Test::IngressFixture;

// Every row of the ingress status table (README, "What works today") through a real HTTP client against the real
// server.
class TestIngress : public QObject
{
    Q_OBJECT

private slots:
    void accepted()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const QByteArray body = "{\"type\":\"order.created\",\"n\": 1}\n";
        auto r = f.http().postSigned(IngressFixture::hookPath(id), body, secret, {{"X-Trace", "abc"}});
        QCOMPARE(r.status, 202);
        const QString deliveryId = r.json().value(QLatin1String("deliveryId")).toString();
        QVERIFY2(deliveryId.startsWith(QLatin1String("dlv_")), r.body.constData());

        // On disk before the answer: the engine's own connection sees it at once.
        auto stored = f.engine().deliveries().get(deliveryId);
        QVERIFY(stored);
        QCOMPARE(stored->body, body); // exact bytes
        QCOMPARE(stored->status, DeliveryStatus::Queued);
        QCOMPARE(stored->eventType, QStringLiteral("order.created"));
        QCOMPARE(stored->contentType, QStringLiteral("application/json"));
        bool sawTrace = false;
        for (const auto& h : stored->headers)
            sawTrace |= h.first.compare("X-Trace", Qt::CaseInsensitive) == 0 && h.second == "abc";
        QVERIFY(sawTrace);
        QCOMPARE(f.count(QStringLiteral("1"), QStringLiteral("refused_requests")), 0);
    }

    void formBodiesAreAccepted()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Slack, &secret);
        auto r = f.http().postSigned(IngressFixture::hookPath(id), "payload=%7B%22type%22%3A%22block_actions%22%7D",
                                     secret, {{"Content-Type", "application/x-www-form-urlencoded"}});
        // Slack shows the answer to an interactive action to the person who clicked: an empty 200.
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.isEmpty());
        const QString deliveryId = QString::fromLatin1(r.header("X-Alfe-Delivery-Id"));
        QVERIFY2(deliveryId.startsWith(QLatin1String("dlv_")), qPrintable(deliveryId));
        QCOMPARE(f.engine().deliveries().get(deliveryId)->eventType, QStringLiteral("block_actions"));
        auto r2 = f.http().postSigned(IngressFixture::hookPath(id), "{\"a\":1}", secret,
                                      {{"Content-Type", "application/vnd.custom+json; charset=utf-8"}});
        QCOMPARE(r2.status, 202);
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("unsigned") << "unsigned" << 401 << "invalid_signature";
        QTest::newRow("wrong secret") << "wrong-secret" << 401 << "invalid_signature";
        QTest::newRow("sha1 signature") << "sha1" << 401 << "invalid_signature";
        QTest::newRow("empty body") << "empty" << 400 << "empty_body";
        QTest::newRow("JSON type, not JSON") << "not-json" << 400 << "invalid_json";
        QTest::newRow("unknown webhook") << "unknown" << 404 << "not_found";
        QTest::newRow("deleted webhook") << "deleted" << 404 << "not_found";
        QTest::newRow("disabled webhook") << "disabled" << 410 << "gone";
        QTest::newRow("text/plain") << "text" << 415 << "unsupported_media_type";
        QTest::newRow("no content type") << "no-type" << 415 << "unsupported_media_type";
    }

    // A refused request stores nothing but its refused-log row.
    void refusals()
    {
        QFETCH(QString, scenario);
        QFETCH(int, status);
        QFETCH(QString, code);
        IngressFixture f;
        QByteArray secret;
        QString id = f.createWebhook(Provider::Generic, &secret);
        QByteArray body = "{\"type\":\"x\"}";
        QList<QPair<QByteArray, QByteArray>> headers{{"Content-Type", "application/json"}};
        if (scenario == u"unsigned") {
        } else if (scenario == u"wrong-secret") {
            headers << qMakePair(QByteArray(Signature::HeaderName), Signature::sign("whsec_wrong", body));
        } else if (scenario == u"sha1") {
            headers << qMakePair(QByteArray(Signature::HeaderName),
                                 "sha1=" + Signature::hmacSha256(secret, body).toHex().left(40));
        } else {
            if (scenario == u"empty")
                body.clear();
            else if (scenario == u"not-json")
                body = "{\"type\": oops";
            else if (scenario == u"unknown")
                id = QStringLiteral("whk_01J9Z8Q0000000000000000000");
            else if (scenario == u"deleted")
                QVERIFY(f.engine().webhooks().remove(id));
            else if (scenario == u"disabled")
                QVERIFY(f.engine().webhooks().setEnabled(id, false));
            else if (scenario == u"text")
                headers = {{"Content-Type", "text/plain"}};
            else if (scenario == u"no-type")
                headers.clear();
            headers << qMakePair(QByteArray(Signature::HeaderName), Signature::sign(secret, body));
        }
        auto r = f.http().post(IngressFixture::hookPath(id), body, headers);
        QCOMPARE(r.status, status);
        QCOMPARE(r.errorCode(), code);
        QVERIFY(
            !r.json().value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString().isEmpty());
        QCOMPARE(f.count(QStringLiteral("1")), 0);
        QTRY_COMPARE(f.count(QStringLiteral("status = %1").arg(status), QStringLiteral("refused_requests")), 1);
        QCOMPARE(f.scalar(QStringLiteral("SELECT reason FROM refused_requests")).toString(), code);
    }

    // A secret that cannot be read (here a sealed row that does not open) is not "no secret": genuine requests are
    // answered 503 so the sender retries, not refused as unsigned; once the row opens again they are accepted.
    void unreadableSecretIs503NotARefusal()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const QByteArray sealed =
            f.scalar(QStringLiteral("SELECT sealed FROM secret_versions WHERE webhook_id = ?"), {id}).toByteArray();
        QVERIFY(!sealed.isEmpty());
        f.scalar(QStringLiteral("UPDATE secret_versions SET sealed = ? WHERE webhook_id = ?"),
                 {QByteArray(sealed.size(), 'x'), id});
        auto refused = f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":1}", secret);
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.errorCode(), QStringLiteral("storage_unavailable"));
        QCOMPARE(refused.header("Retry-After"), QByteArray("5"));
        QCOMPARE(f.count(QStringLiteral("1")), 0);
        QCOMPARE(f.count(QStringLiteral("1"), QStringLiteral("refused_requests")), 0);

        f.scalar(QStringLiteral("UPDATE secret_versions SET sealed = ? WHERE webhook_id = ?"), {sealed, id});
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":2}", secret).status, 202);
    }

    // Slack's form posts: a slash command is classified as one; a payload that is not JSON is a 400 that says
    // so (after the signature verified) and stores nothing.
    void slackFormPosts()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Slack, &secret);
        const QList<QPair<QByteArray, QByteArray>> form{{"Content-Type", "application/x-www-form-urlencoded"}};
        auto command = f.http().postSigned(IngressFixture::hookPath(id),
                                           "token=x&command=%2Fdeploy&text=api+now&trigger_id=1.2.3", secret, form);
        QCOMPARE(command.status, 200);
        QVERIFY(command.body.isEmpty());
        QCOMPARE(f.engine().deliveries().get(QString::fromLatin1(command.header("X-Alfe-Delivery-Id")))->eventType,
                 QStringLiteral("slash_command"));

        auto broken = f.http().postSigned(IngressFixture::hookPath(id), "payload=%7Bnot+json", secret, form);
        QCOMPARE(broken.status, 400);
        QCOMPARE(broken.errorCode(), QStringLiteral("invalid_json"));
        QVERIFY2(broken.json()
                     .value(QLatin1String("error"))
                     .toObject()
                     .value(QLatin1String("message"))
                     .toString()
                     .startsWith(QLatin1String("The form's payload field is not a JSON object")),
                 broken.body.constData());
        QCOMPARE(f.count(QStringLiteral("1")), 1);

        // On a generic webhook a form body is stored as it is, and answered as any delivery.
        QByteArray genericSecret;
        const QString generic = f.createWebhook(Provider::Generic, &genericSecret);
        QCOMPARE(
            f.http().postSigned(IngressFixture::hookPath(generic), "payload=%7Bnot+json", genericSecret, form).status,
            202);
    }

    // A refusal says why (no header, or a header that does not match), in the answer and the refused log, and
    // nothing of the secret or of the signature that would have matched.
    void unsignedAndBadSignatureSayWhy()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        auto missing = f.http().post(IngressFixture::hookPath(id), "{}", {{"Content-Type", "application/json"}});
        auto wrong = f.http().post(
            IngressFixture::hookPath(id), "{}",
            {{"Content-Type", "application/json"}, {Signature::HeaderName, Signature::sign("whsec_nope", "{}")}});
        QCOMPARE(missing.status, 401);
        QCOMPARE(wrong.status, 401);
        const auto message = [](const Test::HttpResponse& r) {
            return r.json().value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString();
        };
        QCOMPARE(message(missing), QStringLiteral("The signature did not verify: no signature header for this provider "
                                                  "(expected X-Alfe-Signature-256 or webhook-signature)."));
        QCOMPARE(message(wrong),
                 QStringLiteral("The signature did not verify: X-Alfe-Signature-256 does not match the body."));
        const QByteArray expected = Signature::sign(secret, "{}");
        for (const auto* r : {&missing, &wrong}) {
            QVERIFY(!r->body.contains(secret));
            QVERIFY(!r->body.contains(expected.mid(7)));
        }
        QTRY_COMPARE(f.count(QStringLiteral("1"), QStringLiteral("refused_requests")), 2);
        QCOMPARE(f.scalar(QStringLiteral("SELECT group_concat(detail, '|') FROM (SELECT detail FROM refused_requests"
                                         " ORDER BY id)"))
                     .toString(),
                 QStringLiteral("no signature header for this provider (expected X-Alfe-Signature-256 or "
                                "webhook-signature)|X-Alfe-Signature-256 does not match the body"));
    }

    void wrongMethod()
    {
        IngressFixture f;
        const QString id = f.createWebhook(Provider::Generic, nullptr);
        auto r = f.http().get(IngressFixture::hookPath(id));
        QCOMPARE(r.status, 405);
        QCOMPARE(r.header("Allow"), QByteArray("POST"));
        auto put = f.http().send("PUT", IngressFixture::hookPath(id), "{}");
        QCOMPARE(put.status, 405);
        QTRY_COMPARE(f.count(QStringLiteral("status = 405"), QStringLiteral("refused_requests")), 2);
    }

    // A token or a signature in a refused request is never stored: the refused log keeps the header's name and
    // the length of its value (issue 10: an agent token sent with the wrong method was stored verbatim).
    void credentialsAndSignaturesAreNotKeptInTheRefusedLog()
    {
        IngressFixture f;
        const QString id = f.createWebhook(Provider::Generic, nullptr);
        const QByteArray token = "alfe_0123456789abcdefghijklmnopqrstuv";
        QCOMPARE(
            f.http().send("PUT", QStringLiteral("/v1/webhooks"), "{}", {{"Authorization", "Bearer " + token}}).status,
            405);
        QCOMPARE(f.http()
                     .post(IngressFixture::hookPath(id), "{\"n\":1}",
                           {{"Content-Type", "application/json"},
                            {"X-Alfe-Signature-256", "sha256=" + QByteArray(64, 'a')},
                            {"Cookie", "session=s3cr3t"}})
                     .status,
                 401);
        QTRY_COMPARE(f.count(QStringLiteral("1"), QStringLiteral("refused_requests")), 2);
        const QString stored =
            f.scalar(QStringLiteral("SELECT group_concat(headers, ' ') FROM refused_requests")).toString();
        QVERIFY2(!stored.contains(QString::fromLatin1(token)), qPrintable(stored));
        QVERIFY2(!stored.contains(QLatin1String("s3cr3t")), qPrintable(stored));
        QVERIFY2(!stored.contains(QLatin1String("aaaaaaaa")), qPrintable(stored));
        QVERIFY2(stored.contains(QLatin1String("[\"Authorization\",\"[redacted, 44 bytes]\"]")), qPrintable(stored));
        QVERIFY2(stored.contains(QLatin1String("[\"Cookie\",\"[redacted, 14 bytes]\"]")), qPrintable(stored));
        QVERIFY2(stored.contains(QLatin1String("[\"X-Alfe-Signature-256\",\"[redacted, 71 bytes]\"]")),
                 qPrintable(stored));
    }

    // An accepted delivery keeps no credential; its signature is kept (an agent may verify the sender's own
    // signature) but the API never shows it.
    void acceptedDeliveryKeepsNoCredential()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        auto r = f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":1}", secret,
                                     {{"Authorization", "Basic dXNlcjpwYXNz"}});
        QCOMPARE(r.status, 202);
        const QString deliveryId = r.json().value(QLatin1String("deliveryId")).toString();
        const QString stored =
            f.scalar(QStringLiteral("SELECT headers FROM deliveries WHERE id = ?"), {deliveryId}).toString();
        QVERIFY2(!stored.contains(QLatin1String("dXNlcjpwYXNz")), qPrintable(stored));
        QVERIFY2(stored.contains(QLatin1String("[redacted, 18 bytes]")), qPrintable(stored));
        QVERIFY2(stored.contains(QString::fromLatin1(Signature::sign(secret, "{\"n\":1}"))), qPrintable(stored));
        const QByteArray shown =
            ApiJson::compact(ApiJson::deliveryDetail(f.engine().deliveries().get(deliveryId).value()));
        QVERIFY2(!shown.contains(Signature::sign(secret, "{\"n\":1}")), shown.constData());
        QVERIFY2(shown.contains("[redacted, 71 bytes]"), shown.constData());
    }

    void bodyOverTheLimit()
    {
        auto options = IngressFixture::defaultOptions();
        options.bodyLimitBytes = 1024;
        IngressFixture f(options);
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const QByteArray atLimit = "{\"a\":\"" + QByteArray(1024 - 8, 'x') + "\"}";
        QCOMPARE(atLimit.size(), 1024);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), atLimit, secret).status, 202);
        const QByteArray over = "{\"a\":\"" + QByteArray(1024 - 7, 'x') + "\"}";
        auto r = f.http().postSigned(IngressFixture::hookPath(id), over, secret);
        QCOMPARE(r.status, 413);
        QCOMPARE(f.count(QStringLiteral("1")), 1);
        QTRY_COMPARE(f.count(QStringLiteral("status = 413"), QStringLiteral("refused_requests")), 1);
    }

    void rateLimited()
    {
        auto options = IngressFixture::defaultOptions();
        options.rateLimitPerSecond = 3;
        IngressFixture f(options);
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        QByteArray other;
        const QString otherId = f.createWebhook(Provider::Generic, &other);
        for (int i = 0; i < 3; ++i) {
            const QByteArray body = "{\"n\":" + QByteArray::number(i) + "}";
            QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), body, secret).status, 202);
        }
        auto limited = f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":3}", secret);
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.header("Retry-After"), QByteArray("1"));
        // Per webhook: another one is not affected.
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(otherId), "{}", other).status, 202);
        // The bucket refills with time.
        f.clock().advanceMs(1000);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":4}", secret).status, 202);
    }

    // Whoever knows a URL cannot spend its budget: unsigned requests do not count against the webhook.
    void rateLimitCountsOnlyVerifiedRequests()
    {
        auto options = IngressFixture::defaultOptions();
        options.rateLimitPerSecond = 3;
        IngressFixture f(options);
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(f.http().post(IngressFixture::hookPath(id), "{}", {{"Content-Type", "application/json"}}).status,
                     401);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(f.http()
                         .postSigned(IngressFixture::hookPath(id), "{\"n\":" + QByteArray::number(i) + "}", secret)
                         .status,
                     202);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":9}", secret).status, 429);
    }

    // The rate limit runs on a monotonic clock: setting the wall clock back an hour refuses no one.
    void rateLimitIgnoresTheWallClockGoingBack()
    {
        auto options = IngressFixture::defaultOptions();
        options.rateLimitPerSecond = 3;
        IngressFixture f(options);
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":1}", secret).status, 202);
        f.clock().stepWallMs(-3600 * 1000);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":2}", secret).status, 202);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"n\":3}", secret).status, 202);
    }

    // Refusals of requests not known to come from the sender count against their source address: past the
    // rate they are answered 429 and not logged, while the address's signed requests still get through.
    void refusalsPerAddressAreLimited()
    {
        auto options = IngressFixture::defaultOptions();
        options.refusedPerSecond = 5;
        IngressFixture f(options);
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        QList<int> statuses;
        for (int i = 0; i < 8; ++i)
            statuses << f.http().post(QStringLiteral("/v1/hooks/whk_%1").arg(i), "{}").status;
        QCOMPARE(statuses, (QList<int>{404, 404, 404, 404, 404, 429, 429, 429}));
        const auto limited = f.http().post(IngressFixture::hookPath(id), "{}");
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.errorCode(), QStringLiteral("too_many_refusals"));
        QCOMPARE(limited.header("Retry-After"), QByteArray("1"));
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{}", secret).status, 202);
        QTRY_COMPARE(f.count(QStringLiteral("1"), QStringLiteral("refused_requests")), 5);
        f.clock().advanceMs(1000);
        QCOMPARE(f.http().post(IngressFixture::hookPath(id), "{}", {{"Content-Type", "application/json"}}).status, 401);
    }

    // Store unavailable: the insert fails inside SQLite (a trigger raises), the sender gets 503 and
    // nothing is stored; when the store recovers, deliveries are accepted again.
    void storeUnavailable()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        QVERIFY(f.engine().database().exec(QStringLiteral("CREATE TRIGGER fail_inserts BEFORE INSERT ON deliveries "
                                                          "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")));
        auto r = f.http().postSigned(IngressFixture::hookPath(id), "{\"a\":1}", secret);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.errorCode(), QStringLiteral("storage_unavailable"));
        QVERIFY(!r.header("Retry-After").isEmpty());
        QCOMPARE(f.count(QStringLiteral("1")), 0);
        QVERIFY(f.engine().database().exec(QStringLiteral("DROP TRIGGER fail_inserts")));
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"a\":1}", secret).status, 202);
        QCOMPARE(f.count(QStringLiteral("1")), 1);
    }

    void githubSignatureHeader()
    {
        IngressFixture f;
        QByteArray secret;
        const QString github = f.createWebhook(Provider::GitHub, &secret);
        QByteArray genericSecret;
        const QString generic = f.createWebhook(Provider::Generic, &genericSecret);
        const QByteArray body = "{\"zen\":\"Design for failure.\"}";
        auto r = f.http().post(IngressFixture::hookPath(github), body,
                               {{"Content-Type", "application/json"},
                                {"X-GitHub-Event", "ping"},
                                {Signature::GitHubHeaderName, Signature::sign(secret, body)}});
        QCOMPARE(r.status, 202);
        auto notGithub = f.http().post(IngressFixture::hookPath(generic), body,
                                       {{"Content-Type", "application/json"},
                                        {Signature::GitHubHeaderName, Signature::sign(genericSecret, body)}});
        QCOMPARE(notGithub.status, 401);
    }

    void rotationGraceAtTheIngress()
    {
        IngressFixture f;
        QByteArray oldSecret;
        const QString id = f.createWebhook(Provider::Generic, &oldSecret);
        auto rotated = f.engine().webhooks().rotate(id, 60);
        QVERIFY(rotated);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"v\":1}", oldSecret).status, 202);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"v\":2}", rotated->secret).status, 202);
        f.clock().advanceSeconds(61);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"v\":3}", oldSecret).status, 401);
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"v\":4}", rotated->secret).status, 202);
    }

    void eventTypes_data()
    {
        QTest::addColumn<int>("provider");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("headerName");
        QTest::addColumn<QByteArray>("headerValue");
        QTest::addColumn<QString>("expected");
        QTest::newRow("github event + action")
            << int(Provider::GitHub) << QByteArray("{\"action\":\"opened\"}") << QByteArray("X-GitHub-Event")
            << QByteArray("issues") << "issues.opened";
        QTest::newRow("github push") << int(Provider::GitHub) << QByteArray("{\"ref\":\"refs/heads/main\"}")
                                     << QByteArray("X-GitHub-Event") << QByteArray("push") << "push";
        QTest::newRow("stripe") << int(Provider::Stripe) << QByteArray("{\"id\":\"evt_1\",\"type\":\"invoice.paid\"}")
                                << QByteArray() << QByteArray() << "invoice.paid";
        QTest::newRow("slack event") << int(Provider::Slack)
                                     << QByteArray("{\"type\":\"event_callback\",\"event\":{\"type\":\"app_mention\"}}")
                                     << QByteArray() << QByteArray() << "app_mention";
        QTest::newRow("slack plain") << int(Provider::Slack) << QByteArray("{\"type\":\"app_rate_limited\"}")
                                     << QByteArray() << QByteArray() << "app_rate_limited";
        QTest::newRow("generic header") << int(Provider::Generic) << QByteArray("{\"type\":\"ignored\"}")
                                        << QByteArray("X-Alfe-Event") << QByteArray("build.done") << "build.done";
        QTest::newRow("generic body") << int(Provider::Generic) << QByteArray("{\"type\":\"order.paid\"}")
                                      << QByteArray() << QByteArray() << "order.paid";
    }

    void eventTypes()
    {
        QFETCH(int, provider);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, headerName);
        QFETCH(QByteArray, headerValue);
        QFETCH(QString, expected);
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider(provider), &secret);
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!headerName.isEmpty())
            headers << qMakePair(headerName, headerValue);
        auto r = f.http().postSigned(IngressFixture::hookPath(id), body, secret, headers);
        QCOMPARE(r.status, 202);
        auto stored = f.engine().deliveries().get(r.json().value(QLatin1String("deliveryId")).toString());
        QCOMPARE(stored->eventType, expected);
    }

    // Many concurrent senders: every 202 is a distinct stored delivery (group commit answers each one).
    void concurrentRequestsAllStored()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        QNetworkAccessManager nam;
        QList<QNetworkReply*> replies;
        for (int i = 0; i < 300; ++i) {
            const QByteArray body = "{\"n\":" + QByteArray::number(i) + "}";
            QNetworkRequest request(QUrl(f.engine().ingressUrl() + IngressFixture::hookPath(id)));
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
            request.setRawHeader(Signature::HeaderName, Signature::sign(secret, body));
            replies << nam.post(request, body);
        }
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.cbegin(), replies.cend(), [](auto* r) { return r->isFinished(); }),
                                 30000);
        QSet<QString> ids;
        for (QNetworkReply* reply : replies) {
            QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 202);
            ids.insert(
                QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1String("deliveryId")).toString());
            reply->deleteLater();
        }
        QCOMPARE(ids.size(), 300);
        QCOMPARE(f.count(QStringLiteral("status = 'queued'")), 300);
    }
};

QTEST_GUILESS_MAIN(TestIngress)
#include "tst_ingress.moc"
