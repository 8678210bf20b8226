// Provider-native verification (issue 11) against real provider signing libraries from npm: requests signed by
// `stripe` (stripe-sign.mjs), `standardwebhooks` (standardwebhooks-sign.mjs) and @octokit/webhooks-methods
// (octokit-sign.mjs), sent through the real ingress over HTTP (Slack's are in tst_interop_slack). Time is the
// fixture's manual clock: the libraries are given the timestamps to sign, so no test depends on the wall clock.
#include "DeliveryFixture.h"
#include "ProviderInterop.h"
#include "TestReceiver.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Alfe;
using Test::DeliveryFixture;
using Test::HttpResponse;
using Test::IngressFixture;
using namespace Alfe::Test::ProviderExamples;
using namespace Alfe::Test::ProviderInterop;

class TestInteropProviders : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_files = 0;

    // Runs a script of this folder with Node.js (and the npm packages ./dev test installed next to it), the body
    // written to a file it reads; what the script printed, empty when it failed.
    QByteArray signWith(const QString& script, QStringList arguments, const QByteArray& body)
    {
        const QString bodyFile = m_dir.filePath(QStringLiteral("body-%1").arg(++m_files));
        QFile file(bodyFile);
        if (!file.open(QIODevice::WriteOnly) || file.write(body) != body.size())
            return {};
        file.close();
        arguments.prepend(script);
        arguments << bodyFile;
        QProcess process;
        process.setWorkingDirectory(QStringLiteral(ALFE_INTEROP_DIR));
        process.start(QStringLiteral("node"), arguments);
        if (!process.waitForFinished(60'000) || process.exitStatus() != QProcess::NormalExit ||
            process.exitCode() != 0) {
            qWarning().noquote() << script << "failed:" << process.readAllStandardError();
            return {};
        }
        return process.readAllStandardOutput().trimmed();
    }

    QByteArray stripeSign(const QByteArray& secret, qint64 timestamp, const QByteArray& body)
    {
        return signWith(QStringLiteral("stripe-sign.mjs"), {QString::fromLatin1(secret), QString::number(timestamp)},
                        body);
    }
    QByteArray standardSign(const QByteArray& secret, const QByteArray& messageId, qint64 timestamp,
                            const QByteArray& body)
    {
        return signWith(QStringLiteral("standardwebhooks-sign.mjs"),
                        {QString::fromLatin1(secret), QString::fromLatin1(messageId), QString::number(timestamp)},
                        body);
    }
    QByteArray octokitSign(const QByteArray& secret, const QByteArray& body)
    {
        return signWith(QStringLiteral("octokit-sign.mjs"), {QString::fromLatin1(secret)}, body);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QProcess probe;
        probe.setWorkingDirectory(QStringLiteral(ALFE_INTEROP_DIR));
        probe.start(QStringLiteral("node"),
                    {QStringLiteral("-e"), QStringLiteral("Promise.all(['stripe', 'standardwebhooks', "
                                                          "'@octokit/webhooks-methods'].map((m) => import(m)))"
                                                          ".then(() => console.log('ok'))")});
        QVERIFY(probe.waitForFinished(60'000));
        QVERIFY2(probe.exitCode() == 0 && probe.readAllStandardOutput().trimmed() == "ok",
                 "npm packages missing in tests/interop: run ./dev test, which installs them");
    }

    // ---- Stripe: the `stripe` library's webhooks.generateTestHeaderString ----

    void stripeLibrarySignature()
    {
        IngressFixture f(options());
        const QString id = f.createWebhook(Provider::Stripe, nullptr);
        const qint64 now = f.clock().nowMs() / 1000;
        const QByteArray body = stripeEvent("evt_1PStripeInterop0001");
        const QByteArray header = stripeSign(StripeSecret, now, body);
        QVERIFY2(header.startsWith("t=" + QByteArray::number(now) + ",v1="), header.constData());
        const HeaderList headers{{"Content-Type", "application/json; charset=utf-8"}, {"Stripe-Signature", header}};

        // Before the secret is imported: refused, and the message says what to do.
        EXPECT_REFUSED(
            f, id, body, headers,
            QStringLiteral("no Stripe signing secret imported for this webhook (alfe webhook set-provider-secret)"));
        QVERIFY(f.engine().webhooks().setProviderSecret(id, StripeSecret));

        const QString deliveryId = expectAccepted(f, id, body, headers, QStringLiteral("stripe"));
        QVERIFY(!deliveryId.isEmpty());
        const Delivery stored = f.engine().deliveries().get(deliveryId).value();
        QCOMPARE(stored.eventType, QStringLiteral("invoice.paid"));
        QCOMPARE(stored.dedupKey, QStringLiteral("evt_1PStripeInterop0001"));

        // The body one byte off; the secret one byte off; the timestamp one second past the window.
        EXPECT_REFUSED(f, id, tampered(body), headers, QStringLiteral("Stripe-Signature does not match the body"));
        const QByteArray otherSecret = stripeSign(oneByteOff(StripeSecret, StripeSecret.size() - 1), now, body);
        QVERIFY(otherSecret.startsWith("t=") && otherSecret != header);
        EXPECT_REFUSED(f, id, body, {{"Content-Type", "application/json"}, {"Stripe-Signature", otherSecret}},
                       QStringLiteral("Stripe-Signature does not match the body"));
        const QByteArray stale = stripeSign(StripeSecret, now - 301, body);
        QVERIFY(stale.startsWith("t="));
        EXPECT_REFUSED(f, id, body, {{"Content-Type", "application/json"}, {"Stripe-Signature", stale}},
                       QStringLiteral("Stripe-Signature timestamp 301 s old (tolerance 300 s)"));
        const QByteArray ahead = stripeSign(StripeSecret, now + 301, body);
        QVERIFY(ahead.startsWith("t="));
        EXPECT_REFUSED(f, id, body, {{"Content-Type", "application/json"}, {"Stripe-Signature", ahead}},
                       QStringLiteral("Stripe-Signature timestamp 301 s in the future (tolerance 300 s)"));

        // Exactly at the edge of the window: accepted (another event, so that it is not a duplicate).
        const QByteArray edgeBody = stripeEvent("evt_1PStripeInterop0002");
        const QByteArray edge = stripeSign(StripeSecret, now - 300, edgeBody);
        QVERIFY(!expectAccepted(f, id, edgeBody, {{"Content-Type", "application/json"}, {"Stripe-Signature", edge}},
                                QStringLiteral("stripe"))
                     .isEmpty());
        QCOMPARE(f.count(QStringLiteral("1")), 2);
    }

    void stripeWebhookTolerance()
    {
        IngressFixture f(options());
        const QString id = webhookWithSecret(f, Provider::Stripe, StripeSecret);
        QVERIFY(!id.isEmpty());
        const qint64 now = f.clock().nowMs() / 1000;
        const QByteArray body = stripeEvent("evt_1PStripeTolerance01");
        const QByteArray header = stripeSign(StripeSecret, now - 120, body);
        QVERIFY(header.startsWith("t="));
        const HeaderList headers{{"Content-Type", "application/json"}, {"Stripe-Signature", header}};
        // Within the default 300 s the first time (a request caches the webhook), then the webhook's own tolerance
        // is narrowed and holds for the next request.
        QVERIFY(!expectAccepted(f, id, body, headers, QStringLiteral("stripe")).isEmpty());
        QVERIFY(f.engine().webhooks().setToleranceSeconds(id, 119));
        EXPECT_REFUSED(f, id, body, headers, QStringLiteral("Stripe-Signature timestamp 120 s old (tolerance 119 s)"));
        QVERIFY(f.engine().webhooks().setToleranceSeconds(id, 120));
        const HttpResponse again = f.http().post(IngressFixture::hookPath(id), body, headers);
        QCOMPARE(again.status, 200); // verified, and a duplicate of the first
        QCOMPARE(again.json().value(QLatin1String("duplicate")).toBool(), true);
    }

    // An imported secret replaced with a grace period: both verify until the grace ends (and the ingress's cached
    // copy of the webhook with it), then only the new one; once cleared, none.
    void stripeSecretReplacedWithGrace()
    {
        IngressFixture f(options());
        const QString id = webhookWithSecret(f, Provider::Stripe, StripeSecret);
        QVERIFY(!id.isEmpty());
        const QByteArray next = "whsec_9xQvT2mLpR7sKd4FhWc1ZbN8jYe3Ua6G";
        int events = 0;
        const auto send = [&](const QByteArray& secret) {
            const QByteArray body = stripeEvent("evt_1PStripeGrace" + QByteArray::number(++events));
            const QByteArray header = stripeSign(secret, f.clock().nowMs() / 1000, body);
            return f.http().post(IngressFixture::hookPath(id), body,
                                 {{"Content-Type", "application/json"}, {"Stripe-Signature", header}});
        };
        QCOMPARE(send(StripeSecret).status, 202); // the ingress caches the webhook and its one secret
        QVERIFY(f.engine().webhooks().setProviderSecret(id, next, 60));
        QCOMPARE(send(StripeSecret).status, 202);
        QCOMPARE(send(next).status, 202);
        f.clock().advanceSeconds(59);
        QCOMPARE(send(StripeSecret).status, 202);
        f.clock().advanceSeconds(1);
        const HttpResponse ended = send(StripeSecret);
        QCOMPARE(ended.status, 401);
        QCOMPARE(errorMessage(ended),
                 QStringLiteral("The signature did not verify: Stripe-Signature does not match the body."));
        QCOMPARE(send(next).status, 202);

        QVERIFY(f.engine().webhooks().clearProviderSecret(id));
        const HttpResponse cleared = send(next);
        QCOMPARE(cleared.status, 401);
        QCOMPARE(errorMessage(cleared),
                 QStringLiteral("The signature did not verify: no Stripe signing secret imported "
                                "for this webhook (alfe webhook set-provider-secret)."));
        QCOMPARE(f.count(QStringLiteral("verified_by = 'stripe'")), 5);
    }

    // The same event signed by the stripe library, sent again: within the window a duplicate of the first, never
    // forwarded twice; after the window refused.
    void stripeReplay()
    {
        DeliveryFixture d;
        IngressFixture& f = d.ingress;
        const QString id = f.engine().webhooks().create(d.agentId, Provider::Stripe)->webhook.id;
        QVERIFY(f.engine().webhooks().setProviderSecret(id, StripeSecret));
        const qint64 now = f.clock().nowMs() / 1000;
        const QByteArray body = stripeEvent("evt_1PStripeReplay00001");
        const QByteArray header = stripeSign(StripeSecret, now, body);
        QVERIFY(header.startsWith("t="));
        const HeaderList headers{{"Content-Type", "application/json"}, {"Stripe-Signature", header}};

        const QString original = expectAccepted(f, id, body, headers, QStringLiteral("stripe"));
        QVERIFY(!original.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(d.delivery(original).status, DeliveryStatus::Delivered, 15'000);
        QCOMPARE(d.receiver.count(), 1);
        QCOMPARE(d.receiver.received().at(0).body, body);

        // The captured request replayed as it was, and Stripe's own retry of the event (signed again, later).
        d.advance(60'000);
        const QByteArray resigned = stripeSign(StripeSecret, now + 60, body);
        QVERIFY(resigned.startsWith("t=") && resigned != header);
        for (const QByteArray& value : {header, resigned}) {
            const HttpResponse r = f.http().post(IngressFixture::hookPath(id), body,
                                                 {{"Content-Type", "application/json"}, {"Stripe-Signature", value}});
            QVERIFY2(r.status == 200, r.body.constData());
            QCOMPARE(r.json().value(QLatin1String("deliveryId")).toString(), original);
            QCOMPARE(r.json().value(QLatin1String("duplicate")).toBool(), true);
        }

        // Another event after them is forwarded; the duplicates never were.
        const QByteArray next = stripeEvent("evt_1PStripeReplay00002");
        const QByteArray nextHeader = stripeSign(StripeSecret, now + 60, next);
        const QString nextId =
            expectAccepted(f, id, next, {{"Content-Type", "application/json"}, {"Stripe-Signature", nextHeader}},
                           QStringLiteral("stripe"));
        QVERIFY(!nextId.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(d.delivery(nextId).status, DeliveryStatus::Delivered, 15'000);
        QCOMPARE(d.receiver.count(), 2);
        QCOMPARE(d.receiver.received().at(1).body, next);
        QCOMPARE(
            f.count(QStringLiteral("status = 'duplicate' AND duplicate_of = '%1' AND attempt_count = 0").arg(original)),
            2);

        // Replayed after the window (300 s after it was signed, plus one): refused, and still forwarded once.
        d.advance(241'000);
        const HttpResponse late = f.http().post(IngressFixture::hookPath(id), body, headers);
        QCOMPARE(late.status, 401);
        QVERIFY2(errorMessage(late).contains(QLatin1String("timestamp")) &&
                     errorMessage(late).contains(QLatin1String("old")),
                 qPrintable(errorMessage(late)));
        QCOMPARE(
            errorMessage(late),
            QStringLiteral("The signature did not verify: Stripe-Signature timestamp 301 s old (tolerance 300 s)."));
        QCOMPARE(f.count(QStringLiteral("1")), 4);
        QCOMPARE(d.receiver.count(), 2);
    }

    // ---- Standard Webhooks: the `standardwebhooks` library's Webhook.sign ----

    void standardWebhooksLibrarySignature()
    {
        IngressFixture f(options());
        const QString id = webhookWithSecret(f, Provider::Generic, StandardSecret);
        QVERIFY(!id.isEmpty());
        const qint64 now = f.clock().nowMs() / 1000;
        const QByteArray body =
            "{\"type\":\"invoice.created\",\"data\":{\"amount\":4200,\"customer\":\"Caf\xc3\xa9\"}}";
        const QByteArray messageId = "msg_2Lh9KRb0pzN4LePd3XiO0mY5";
        const QByteArray signature = standardSign(StandardSecret, messageId, now, body);
        QVERIFY2(signature.startsWith("v1,"), signature.constData());
        const auto headers = [&](const QByteArray& msg, qint64 t, const QByteArray& value) {
            return HeaderList{{"Content-Type", "application/json"},
                              {"webhook-id", msg},
                              {"webhook-timestamp", QByteArray::number(t)},
                              {"webhook-signature", value}};
        };

        const QString deliveryId =
            expectAccepted(f, id, body, headers(messageId, now, signature), QStringLiteral("standard-webhooks"));
        QVERIFY(!deliveryId.isEmpty());
        QCOMPARE(f.engine().deliveries().get(deliveryId)->dedupKey, QString::fromLatin1(messageId));
        QCOMPARE(f.engine().deliveries().get(deliveryId)->eventType, QStringLiteral("invoice.created"));

        const QString mismatch = QStringLiteral("webhook-signature does not match the body");
        EXPECT_REFUSED(f, id, tampered(body), headers(messageId, now, signature), mismatch);
        const QByteArray otherSecret = standardSign(oneByteOff(StandardSecret, 6), messageId, now, body);
        QVERIFY(otherSecret.startsWith("v1,") && otherSecret != signature);
        EXPECT_REFUSED(f, id, body, headers(messageId, now, otherSecret), mismatch);
        const QByteArray stale = standardSign(StandardSecret, messageId, now - 301, body);
        QVERIFY(stale.startsWith("v1,"));
        EXPECT_REFUSED(f, id, body, headers(messageId, now - 301, stale),
                       QStringLiteral("webhook-signature timestamp 301 s old (tolerance 300 s)"));
        // The signed id and timestamp are part of what was signed.
        EXPECT_REFUSED(f, id, body, headers("msg_other", now, signature), mismatch);
        EXPECT_REFUSED(f, id, body, headers(messageId, now - 1, signature), mismatch);

        // The window moves with the clock: the first request, sent again 301 s later, is refused.
        f.clock().advanceSeconds(301);
        EXPECT_REFUSED(f, id, body, headers(messageId, now, signature),
                       QStringLiteral("webhook-signature timestamp 301 s old (tolerance 300 s)"));
    }

    void standardWebhooksWithAlfesOwnSecret()
    {
        // No secret imported: a Standard Webhooks sender given the webhook's own whsec_ secret verifies too.
        IngressFixture f(options());
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const qint64 now = f.clock().nowMs() / 1000;
        const QByteArray body = "{\"type\":\"build.finished\",\"ok\":true}";
        const QByteArray signature = standardSign(secret, "msg_alfe_own_1", now, body);
        QVERIFY2(signature.startsWith("v1,"), signature.constData());
        QVERIFY(!expectAccepted(f, id, body,
                                {{"Content-Type", "application/json"},
                                 {"webhook-id", "msg_alfe_own_1"},
                                 {"webhook-timestamp", QByteArray::number(now)},
                                 {"webhook-signature", signature}},
                                QStringLiteral("standard-webhooks"))
                     .isEmpty());
    }

    // ---- GitHub: @octokit/webhooks-methods ----

    void octokitWithAlfesAndImportedSecrets()
    {
        IngressFixture f(options());
        QByteArray alfeSecret;
        const QString id = f.createWebhook(Provider::GitHub, &alfeSecret);
        const QByteArray body = "{\"action\":\"opened\",\"number\":42,\"pull_request\":{\"title\":\"Caf\xc3\xa9 "
                                "\xe2\x9c\x93\"},\"repository\":{\"full_name\":\"octo-org/agent-demo\"}}";
        const auto headers = [](const char* delivery, const char* header, const QByteArray& signature) {
            return HeaderList{{"Content-Type", "application/json"},
                              {"X-GitHub-Event", "pull_request"},
                              {"X-GitHub-Delivery", delivery},
                              {header, signature}};
        };

        // Alfe's own secret, pasted into GitHub's webhook form.
        const QByteArray withAlfe = octokitSign(alfeSecret, body);
        QVERIFY2(withAlfe.startsWith("sha256="), withAlfe.constData());
        const QString first =
            expectAccepted(f, id, body, headers("guid-1", "X-Hub-Signature-256", withAlfe), QStringLiteral("github"));
        QVERIFY(!first.isEmpty());
        QCOMPARE(f.engine().deliveries().get(first)->eventType, QStringLiteral("pull_request.opened"));

        // A secret GitHub was given elsewhere, imported: it verifies GitHub's header, not Alfe's own.
        const QByteArray withImported = octokitSign(GitHubSecret, body);
        QVERIFY(withImported.startsWith("sha256="));
        EXPECT_REFUSED(f, id, body, headers("guid-2", "X-Hub-Signature-256", withImported),
                       QStringLiteral("X-Hub-Signature-256 does not match the body"));
        QVERIFY(f.engine().webhooks().setProviderSecret(id, GitHubSecret));
        QVERIFY(!expectAccepted(f, id, body, headers("guid-2", "X-Hub-Signature-256", withImported),
                                QStringLiteral("github"))
                     .isEmpty());
        EXPECT_REFUSED(f, id, body, headers("guid-3", "X-Alfe-Signature-256", withImported),
                       QStringLiteral("X-Alfe-Signature-256 does not match the body"));
        // ... and Alfe's own still verifies beside it.
        QVERIFY(
            !expectAccepted(f, id, body, headers("guid-4", "X-Hub-Signature-256", withAlfe), QStringLiteral("github"))
                 .isEmpty());

        // One byte off, in the body or in either secret.
        const QString mismatch = QStringLiteral("X-Hub-Signature-256 does not match the body");
        EXPECT_REFUSED(f, id, tampered(body), headers("guid-5", "X-Hub-Signature-256", withAlfe), mismatch);
        EXPECT_REFUSED(f, id, tampered(body), headers("guid-6", "X-Hub-Signature-256", withImported), mismatch);
        for (const QByteArray& secret : {alfeSecret, GitHubSecret}) {
            const QByteArray wrong = octokitSign(oneByteOff(secret, secret.size() - 2), body);
            QVERIFY(wrong.startsWith("sha256="));
            EXPECT_REFUSED(f, id, body, headers("guid-7", "X-Hub-Signature-256", wrong), mismatch);
        }
    }

    void gitHubHeaderOnAGenericWebhook()
    {
        // X-Hub-Signature-256 is read on github webhooks only, even with the right secret.
        IngressFixture f(options());
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const QByteArray body = "{\"zen\":\"Keep it logically awesome.\"}";
        const QByteArray signature = octokitSign(secret, body);
        QVERIFY(signature.startsWith("sha256="));
        EXPECT_REFUSED(
            f, id, body, {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", signature}},
            QStringLiteral(
                "no signature header for this provider (expected X-Alfe-Signature-256 or webhook-signature)"));
        QVERIFY(!expectAccepted(f, id, body,
                                {{"Content-Type", "application/json"}, {"X-Alfe-Signature-256", signature}},
                                QStringLiteral("alfe"))
                     .isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestInteropProviders)
#include "tst_interop_providers.moc"
