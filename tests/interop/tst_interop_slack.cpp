// Slack's signatures (issue 11) through the real ingress: the documented example vector, the url_verification
// handshake, and a retry deduplicated by event_id. Slack has no signing library to call; its documented example
// and signatures made with Qt's own HMAC stand in. Time is the fixture's manual clock.
#include "ProviderInterop.h"

#include <QJsonDocument>
#include <QTest>

using namespace Alfe;
using Test::HttpResponse;
using Test::IngressFixture;
using namespace Alfe::Test::ProviderExamples;
using namespace Alfe::Test::ProviderInterop;

class TestInteropSlack : public QObject
{
    Q_OBJECT

private slots:
    // ---- Slack ----

    void slackDocumentedExample()
    {
        IngressFixture f(options());
        const QString id = webhookWithSecret(f, Provider::Slack, SlackSecret);
        QVERIFY(!id.isEmpty());
        // Back to the day of the example, ten seconds after Slack signed it.
        f.clock().stepWallMs((SlackTimestamp.toLongLong() + 10) * 1000 - f.clock().nowMs());
        const HeaderList headers{{"Content-Type", "application/x-www-form-urlencoded"},
                                 {"X-Slack-Request-Timestamp", SlackTimestamp},
                                 {"X-Slack-Signature", SlackSignature}};

        // A slash command: Slack shows the answer to the person who typed it, so it is an empty 200.
        const HttpResponse r = f.http().post(IngressFixture::hookPath(id), SlackBody, headers);
        QVERIFY2(r.status == 200, r.body.constData());
        QVERIFY(r.body.isEmpty());
        const QString deliveryId = QString::fromLatin1(r.header("X-Alfe-Delivery-Id"));
        QVERIFY2(deliveryId.startsWith(QLatin1String("dlv_")), qPrintable(deliveryId));
        const Delivery stored = f.engine().deliveries().get(deliveryId).value();
        QCOMPARE(stored.verifiedBy, QStringLiteral("slack"));
        QCOMPARE(stored.body, SlackBody);
        QCOMPARE(stored.eventType, QStringLiteral("slash_command"));

        QByteArray changed = SlackBody;
        changed.replace("roadrunner", "roadrunnes");
        const QString mismatch = QStringLiteral("X-Slack-Signature does not match the body");
        EXPECT_REFUSED(f, id, changed, headers, mismatch);
        // A secret one byte off imported in its place (the old one ending at once).
        QVERIFY(f.engine().webhooks().setProviderSecret(id, oneByteOff(SlackSecret, SlackSecret.size() - 1), 0));
        EXPECT_REFUSED(f, id, SlackBody, headers, mismatch);
        QVERIFY(f.engine().webhooks().setProviderSecret(id, SlackSecret, 0));
        // 301 s after Slack signed it.
        f.clock().advanceSeconds(291);
        EXPECT_REFUSED(f, id, SlackBody, headers,
                       QStringLiteral("X-Slack-Signature timestamp 301 s old (tolerance 300 s)"));
        QCOMPARE(f.count(QStringLiteral("1")), 1);
    }

    void slackUrlVerification()
    {
        IngressFixture f(options());
        const QString id = webhookWithSecret(f, Provider::Slack, SlackSecret);
        QVERIFY(!id.isEmpty());
        const qint64 now = f.clock().nowMs() / 1000;
        const QByteArray body = "{\"token\":\"Jhj5dZrVaK7ZwHHjRyZWjbDl\",\"challenge\":\"" + SlackChallenge +
                                "\",\"type\":\"url_verification\"}";
        const auto headers = [&](qint64 t, const QByteArray& signature) {
            return HeaderList{{"Content-Type", "application/json"},
                              {"X-Slack-Request-Timestamp", QByteArray::number(t)},
                              {"X-Slack-Signature", signature}};
        };

        const HttpResponse r =
            f.http().post(IngressFixture::hookPath(id), body, headers(now, slackSignature(SlackSecret, now, body)));
        QVERIFY2(r.status == 200, r.body.constData());
        QVERIFY2(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type").constData());
        QCOMPARE(QJsonDocument::fromJson(r.body).object(),
                 QJsonObject({{QStringLiteral("challenge"), QString::fromLatin1(SlackChallenge)}}));
        QCOMPARE(f.count(QStringLiteral("1")), 0); // a handshake, not a delivery

        // Unsigned, signed with another secret, or stale: 401, and the challenge is not echoed.
        const struct
        {
            HeaderList headers;
            QString reason;
        } refusals[] = {
            {HeaderList{{"Content-Type", "application/json"}},
             QStringLiteral("no signature header for this provider (expected X-Alfe-Signature-256, X-Slack-Signature "
                            "or webhook-signature)")},
            {headers(now, slackSignature(oneByteOff(SlackSecret, 0), now, body)),
             QStringLiteral("X-Slack-Signature does not match the body")},
            {headers(now - 301, slackSignature(SlackSecret, now - 301, body)),
             QStringLiteral("X-Slack-Signature timestamp 301 s old (tolerance 300 s)")},
        };
        for (const auto& refusal : refusals) {
            const HttpResponse refused = f.http().post(IngressFixture::hookPath(id), body, refusal.headers);
            QCOMPARE(refused.status, 401);
            QVERIFY2(!refused.body.contains(SlackChallenge), refused.body.constData());
            QCOMPARE(errorMessage(refused), QStringLiteral("The signature did not verify: %1.").arg(refusal.reason));
        }
        QTRY_COMPARE(f.count(QStringLiteral("detail LIKE '%X-Slack-Signature%'"), QStringLiteral("refused_requests")),
                     3);
        QCOMPARE(f.count(QStringLiteral("1")), 0);
    }

    void slackRetryIsADuplicate()
    {
        IngressFixture f(options());
        const QString id = webhookWithSecret(f, Provider::Slack, SlackSecret);
        QVERIFY(!id.isEmpty());
        const QByteArray body = slackEvent("Ev08MFMKH6");
        const qint64 first = f.clock().nowMs() / 1000;
        const QString original = expectAccepted(f, id, body,
                                                {{"Content-Type", "application/json"},
                                                 {"X-Slack-Request-Timestamp", QByteArray::number(first)},
                                                 {"X-Slack-Signature", slackSignature(SlackSecret, first, body)}},
                                                QStringLiteral("slack"));
        QVERIFY(!original.isEmpty());
        QCOMPARE(f.engine().deliveries().get(original)->eventType, QStringLiteral("app_mention"));

        // Slack retries a minute later, signed anew, with the same event_id.
        f.clock().advanceSeconds(60);
        const qint64 later = first + 60;
        const HttpResponse retry = f.http().post(IngressFixture::hookPath(id), body,
                                                 {{"Content-Type", "application/json"},
                                                  {"X-Slack-Retry-Num", "1"},
                                                  {"X-Slack-Retry-Reason", "http_timeout"},
                                                  {"X-Slack-Request-Timestamp", QByteArray::number(later)},
                                                  {"X-Slack-Signature", slackSignature(SlackSecret, later, body)}});
        QVERIFY2(retry.status == 200, retry.body.constData());
        QCOMPARE(retry.json().value(QLatin1String("deliveryId")).toString(), original);
        QCOMPARE(retry.json().value(QLatin1String("duplicate")).toBool(), true);
        QCOMPARE(f.count(QStringLiteral("status = 'duplicate' AND duplicate_of = '%1'").arg(original)), 1);

        // Another event is not a duplicate.
        const QByteArray other = slackEvent("Ev08MFMKH7");
        QVERIFY(!expectAccepted(f, id, other,
                                {{"Content-Type", "application/json"},
                                 {"X-Slack-Request-Timestamp", QByteArray::number(later)},
                                 {"X-Slack-Signature", slackSignature(SlackSecret, later, other)}},
                                QStringLiteral("slack"))
                     .isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestInteropSlack)
#include "tst_interop_slack.moc"
