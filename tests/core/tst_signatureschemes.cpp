// The signature schemes (issue 11) one by one through SignatureSchemes::verify, with a fixed clock: Stripe, Slack,
// Standard Webhooks, GitHub's and Alfe's own headers. The expected signatures are computed with Qt's own HMAC
// (SchemeTestSupport.h), not with the code under test, or taken from the providers' documentation.
// tst_schemeselection holds what the schemes have in common.
#include "SchemeTestSupport.h"
#include "crypto/Schemes.h"
#include "crypto/Signature.h"

#include <QTest>

using namespace Alfe;
using namespace Alfe::Test::ProviderExamples;
using namespace Alfe::Test::SchemeTests;

class TestSignatureSchemes : public QObject
{
    Q_OBJECT

private slots:
    // ---- Stripe-Signature ----

    void stripeVerifiesWithTheImportedSecret()
    {
        const auto v =
            check(Provider::Stripe, stripeSigned(StripeSecret, NowSeconds, Body), Body, {AlfeSecret}, {StripeSecret});
        QCOMPARE(outcome(v), verifiedBy("stripe"));
    }

    void stripeAnyOneOfSeveralV1Suffices()
    {
        // During Stripe's own secret rotation a header carries one v1 per secret; v0 (legacy test mode) is ignored.
        const QByteArray wrong = stripeV1(oneByteOff(StripeSecret), NowSeconds, Body);
        const QByteArray right = stripeV1(StripeSecret, NowSeconds, Body);
        const QByteArray t = QByteArray::number(NowSeconds);
        for (const QByteArray& value :
             {"t=" + t + ",v1=" + wrong + ",v1=" + right + ",v0=" + wrong, "v1=" + right + ", t=" + t + ", v1=" + wrong,
              "t=" + t + ",v0=" + wrong + ",v1=" + right + ",scheme=x"}) {
            QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders(value), Body, {}, {StripeSecret})),
                     verifiedBy("stripe"));
        }
        const QByteArray onlyWrong = "t=" + t + ",v1=" + wrong + ",v1=" + wrong.left(63) + "0";
        QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders(onlyWrong), Body, {}, {StripeSecret})),
                 refused(QStringLiteral("Stripe-Signature does not match the body")));
    }

    // A header is not a way to make the ingress compute many HMACs: eight signatures are tried (the right one
    // among them verifies), a ninth gets the request refused, whatever the rest of the list.
    void signatureListsAreBounded()
    {
        const QByteArray t = QByteArray::number(NowSeconds);
        const QByteArray wrong = stripeV1(oneByteOff(StripeSecret), NowSeconds, Body);
        const QByteArray right = stripeV1(StripeSecret, NowSeconds, Body);
        QByteArray eight = "t=" + t;
        for (int i = 0; i < 7; ++i)
            eight += ",v1=" + wrong;
        QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders(eight + ",v1=" + right), Body, {}, {StripeSecret})),
                 verifiedBy("stripe"));
        QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders(eight + ",v1=" + wrong + ",v1=" + right), Body, {},
                               {StripeSecret})),
                 refused(QStringLiteral("Stripe-Signature has more than 8 v1 signatures")));

        const QByteArray standardRight = standardV1(StandardSecret, "msg_9", NowSeconds, Body);
        const QByteArray standardWrong = standardV1(oneByteOff(StandardSecret), "msg_9", NowSeconds, Body);
        QByteArray list;
        for (int i = 0; i < 7; ++i)
            list += standardWrong + ' ';
        QCOMPARE(outcome(check(Provider::Generic, standardHeaders("msg_9", NowSeconds, list + standardRight), Body, {},
                               {StandardSecret})),
                 verifiedBy("standard-webhooks"));
        QCOMPARE(outcome(check(Provider::Generic,
                               standardHeaders("msg_9", NowSeconds, list + standardWrong + ' ' + standardRight), Body,
                               {}, {StandardSecret})),
                 refused(QStringLiteral("webhook-signature has more than 8 v1 signatures")));
    }

    void stripeV0IsIgnored()
    {
        // A right signature under v0 does not count: only v1 is Stripe's scheme.
        const QByteArray t = QByteArray::number(NowSeconds);
        const QByteArray right = stripeV1(StripeSecret, NowSeconds, Body);
        QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders("t=" + t + ",v0=" + right), Body, {}, {StripeSecret})),
                 refused(QStringLiteral("Stripe-Signature has no v1 signature")));
        const QByteArray wrong = stripeV1(oneByteOff(StripeSecret), NowSeconds, Body);
        QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders("t=" + t + ",v0=" + right + ",v1=" + wrong), Body, {},
                               {StripeSecret})),
                 refused(QStringLiteral("Stripe-Signature does not match the body")));
    }

    void stripeMalformedHeaders_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("reason");
        const QByteArray t = QByteArray::number(NowSeconds);
        const QByteArray v1 = stripeV1(StripeSecret, NowSeconds, Body);
        const QString noT = QStringLiteral("Stripe-Signature has no single t=<unix seconds>");
        const QString noV1 = QStringLiteral("Stripe-Signature has no v1 signature");
        QTest::newRow("missing t") << "v1=" + v1 << noT;
        QTest::newRow("two t") << "t=" + t + ",t=" + t + ",v1=" + v1 << noT;
        QTest::newRow("two different t") << "t=" + t + ",v1=" + v1 + ",t=1" << noT;
        QTest::newRow("non-numeric t") << "t=abc,v1=" + v1 << noT;
        QTest::newRow("fractional t") << "t=" + t + ".5,v1=" + v1 << noT;
        QTest::newRow("negative t") << "t=-" + t + ",v1=" + v1 << noT;
        QTest::newRow("empty t") << "t=,v1=" + v1 << noT;
        QTest::newRow("13-digit t") << "t=1" + t + "000,v1=" + v1 << noT;
        QTest::newRow("no v1") << "t=" + t << noV1;
        QTest::newRow("only v0") << "t=" + t + ",v0=" + v1 << noV1;
        QTest::newRow("V1 in capitals") << "t=" + t + ",V1=" + v1 << noV1;
        QTest::newRow("garbage") << QByteArray("hello") << noT;
    }

    void stripeMalformedHeaders()
    {
        QFETCH(QByteArray, value);
        QFETCH(QString, reason);
        QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders(value), Body, {}, {StripeSecret})), refused(reason));
    }

    void stripeWithoutImportedSecret()
    {
        // Alfe's own secret is no Stripe secret: a header Stripe signed cannot be checked until one is imported,
        // even when the sender was (wrongly) given Alfe's secret.
        const QString reason =
            QStringLiteral("no Stripe signing secret imported for this webhook (alfe webhook set-provider-secret)");
        QCOMPARE(outcome(check(Provider::Stripe, stripeSigned(StripeSecret, NowSeconds, Body), Body, {AlfeSecret}, {})),
                 refused(reason));
        QCOMPARE(outcome(check(Provider::Stripe, stripeSigned(AlfeSecret, NowSeconds, Body), Body, {AlfeSecret}, {})),
                 refused(reason));
    }

    void stripeTimestampWindow_data()
    {
        QTest::addColumn<qint64>("timestamp");
        QTest::addColumn<int>("tolerance");
        QTest::addColumn<QString>("expected");
        const QString ok = verifiedBy("stripe");
        QTest::newRow("now") << NowSeconds << 300 << ok;
        QTest::newRow("exactly 300 s old") << NowSeconds - 300 << 300 << ok;
        QTest::newRow("exactly 300 s ahead") << NowSeconds + 300 << 300 << ok;
        QTest::newRow("301 s old") << NowSeconds - 301 << 300
                                   << refused(QStringLiteral("Stripe-Signature timestamp 301 s old (tolerance 300 s)"));
        QTest::newRow("301 s ahead") << NowSeconds + 301 << 300
                                     << refused(QStringLiteral(
                                            "Stripe-Signature timestamp 301 s in the future (tolerance 300 s)"));
        QTest::newRow("a day old") << NowSeconds - 86'400 << 300
                                   << refused(
                                          QStringLiteral("Stripe-Signature timestamp 86400 s old (tolerance 300 s)"));
        QTest::newRow("epoch")
            << qint64(0) << 300
            << refused(QStringLiteral("Stripe-Signature timestamp %1 s old (tolerance 300 s)").arg(NowSeconds));
        // A webhook's own tolerance, narrower and wider than the default.
        QTest::newRow("10 s tolerance, 10 s old") << NowSeconds - 10 << 10 << ok;
        QTest::newRow("10 s tolerance, 11 s old")
            << NowSeconds - 11 << 10 << refused(QStringLiteral("Stripe-Signature timestamp 11 s old (tolerance 10 s)"));
        QTest::newRow("10 s tolerance, 11 s ahead")
            << NowSeconds + 11 << 10
            << refused(QStringLiteral("Stripe-Signature timestamp 11 s in the future (tolerance 10 s)"));
        QTest::newRow("1 h tolerance, 3600 s old") << NowSeconds - 3600 << 3600 << ok;
        QTest::newRow("1 h tolerance, 3601 s old")
            << NowSeconds - 3601 << 3600
            << refused(QStringLiteral("Stripe-Signature timestamp 3601 s old (tolerance 3600 s)"));
    }

    void stripeTimestampWindow()
    {
        QFETCH(qint64, timestamp);
        QFETCH(int, tolerance);
        QFETCH(QString, expected);
        QCOMPARE(outcome(check(Provider::Stripe, stripeSigned(StripeSecret, timestamp, Body), Body, {}, {StripeSecret},
                               NowMs, tolerance)),
                 expected);
    }

    void stripeTimestampIsSigned()
    {
        // A captured header with its t moved back into the window no longer matches.
        const QByteArray v1 = stripeV1(StripeSecret, NowSeconds - 1000, Body);
        QCOMPARE(outcome(check(Provider::Stripe, stripeHeaders("t=" + QByteArray::number(NowSeconds) + ",v1=" + v1),
                               Body, {}, {StripeSecret})),
                 refused(QStringLiteral("Stripe-Signature does not match the body")));
    }

    void stripePreviousImportedSecretStillVerifies()
    {
        // While an imported secret is in its grace period both are valid, current first.
        const QByteArray next = "whsec_NextStripeSecret0123456789abcd";
        QCOMPARE(outcome(check(Provider::Stripe, stripeSigned(StripeSecret, NowSeconds, Body), Body, {},
                               {next, StripeSecret})),
                 verifiedBy("stripe"));
        QCOMPARE(outcome(check(Provider::Stripe, stripeSigned(next, NowSeconds, Body), Body, {}, {next, StripeSecret})),
                 verifiedBy("stripe"));
    }

    // ---- X-Slack-Signature ----

    void slackDocumentedExample()
    {
        // Checked independently with `openssl dgst -sha256 -hmac 8f742231b10e8888abcd99yyyzzz85a5`.
        QCOMPARE("v0=" + hmac(SlackSecret, "v0:" + SlackTimestamp + ':' + SlackBody).toHex(), SlackSignature);
        const HeaderList headers{{"Content-Type", "application/x-www-form-urlencoded"},
                                 {"X-Slack-Request-Timestamp", SlackTimestamp},
                                 {"X-Slack-Signature", SlackSignature}};
        const qint64 then = SlackTimestamp.toLongLong() * 1000;
        QCOMPARE(outcome(check(Provider::Slack, headers, SlackBody, {AlfeSecret}, {SlackSecret}, then + 42'000)),
                 verifiedBy("slack"));
        // Slack's example is from 2018: today it is stale.
        QCOMPARE(outcome(check(Provider::Slack, headers, SlackBody, {AlfeSecret}, {SlackSecret})),
                 refused(QStringLiteral("X-Slack-Signature timestamp %1 s old (tolerance 300 s)")
                             .arg(NowSeconds - SlackTimestamp.toLongLong())));
        // And Alfe signs the example exactly as Slack did.
        const HeaderList signedHeaders = Schemes::slack().sign(SlackBody, {{AlfeSecret}, {SlackSecret}}, then, {});
        QCOMPARE(signedHeaders,
                 (HeaderList{{"X-Slack-Request-Timestamp", SlackTimestamp}, {"X-Slack-Signature", SlackSignature}}));
    }

    void slackRefusals_data()
    {
        QTest::addColumn<HeaderList>("headers");
        QTest::addColumn<QList<QByteArray>>("provided");
        QTest::addColumn<QString>("reason");
        const QByteArray t = QByteArray::number(NowSeconds);
        const HeaderList good = slackSigned(SlackSecret, t, Body);
        const QByteArray signature = good.at(1).second;
        const QString noTimestamp = QStringLiteral("X-Slack-Request-Timestamp is missing or not a number of seconds");
        const QString notV0 = QStringLiteral("X-Slack-Signature is not \"v0=\" and 64 hex digits");
        const QString mismatch = QStringLiteral("X-Slack-Signature does not match the body");
        const QList<QByteArray> slack{SlackSecret};
        QTest::newRow("no timestamp") << HeaderList{{"X-Slack-Signature", signature}} << slack << noTimestamp;
        QTest::newRow("timestamp not a number")
            << HeaderList{{"X-Slack-Request-Timestamp", "yesterday"}, {"X-Slack-Signature", signature}} << slack
            << noTimestamp;
        QTest::newRow("v1 instead of v0")
            << HeaderList{{"X-Slack-Request-Timestamp", t}, {"X-Slack-Signature", "v1=" + signature.mid(3)}} << slack
            << notV0;
        QTest::newRow("bare hex") << HeaderList{{"X-Slack-Request-Timestamp", t},
                                                {"X-Slack-Signature", signature.mid(3)}}
                                  << slack << notV0;
        // The reason promises "v0=" and 64 hex digits, as X-Hub-Signature-256's does: a value cut short or not hex
        // is malformed, not signed with another secret (which "does not match the body" would send one looking for).
        QTest::newRow("short hex") << HeaderList{{"X-Slack-Request-Timestamp", t},
                                                 {"X-Slack-Signature", signature.left(signature.size() - 2)}}
                                   << slack << notV0;
        QTest::newRow("not hex") << HeaderList{{"X-Slack-Request-Timestamp", t},
                                               {"X-Slack-Signature", "v0=" + QByteArray(64, 'z')}}
                                 << slack << notV0;
        QTest::newRow("timestamp changed")
            << HeaderList{{"X-Slack-Request-Timestamp", QByteArray::number(NowSeconds - 1)},
                          {"X-Slack-Signature", signature}}
            << slack << mismatch;
        QTest::newRow("no secret imported")
            << good << QList<QByteArray>()
            << QStringLiteral("no Slack signing secret imported for this webhook (alfe webhook set-provider-secret)");
        QTest::newRow("301 s old") << slackSigned(SlackSecret, QByteArray::number(NowSeconds - 301), Body) << slack
                                   << QStringLiteral("X-Slack-Signature timestamp 301 s old (tolerance 300 s)");
        QTest::newRow("301 s ahead") << slackSigned(SlackSecret, QByteArray::number(NowSeconds + 301), Body) << slack
                                     << QStringLiteral(
                                            "X-Slack-Signature timestamp 301 s in the future (tolerance 300 s)");
    }

    void slackRefusals()
    {
        QFETCH(HeaderList, headers);
        QFETCH(QList<QByteArray>, provided);
        QFETCH(QString, reason);
        QCOMPARE(outcome(check(Provider::Slack, headers, Body, {AlfeSecret}, provided)), refused(reason));
    }

    void slackWindowEdges()
    {
        for (const qint64 t : {NowSeconds - 300, NowSeconds + 300}) {
            QCOMPARE(outcome(check(Provider::Slack, slackSigned(SlackSecret, QByteArray::number(t), Body), Body, {},
                                   {SlackSecret})),
                     verifiedBy("slack"));
        }
        QCOMPARE(outcome(check(Provider::Slack, slackSigned(SlackSecret, QByteArray::number(NowSeconds - 61), Body),
                               Body, {}, {SlackSecret}, NowMs, 60)),
                 refused(QStringLiteral("X-Slack-Signature timestamp 61 s old (tolerance 60 s)")));
    }

    // ---- Standard Webhooks ----

    void standardWebhooksSpecificationExample()
    {
        QCOMPARE(standardV1(StandardSecret, StandardId, StandardTimestamp, StandardBody), StandardSignature);
        const HeaderList headers = standardHeaders(StandardId, StandardTimestamp, StandardSignature);
        const qint64 then = StandardTimestamp * 1000;
        QCOMPARE(outcome(check(Provider::Generic, headers, StandardBody, {AlfeSecret}, {StandardSecret}, then)),
                 verifiedBy("standard-webhooks"));
        // Without the imported secret, Alfe's own does not sign it.
        QCOMPARE(outcome(check(Provider::Generic, headers, StandardBody, {AlfeSecret}, {}, then)),
                 refused(QStringLiteral("webhook-signature does not match the body")));
    }

    void standardWebhooksWithAlfesOwnSecret()
    {
        // Alfe's secret has the same whsec_<base64> form: a Standard Webhooks sender can be given it.
        const HeaderList headers =
            standardHeaders("msg_1", NowSeconds, standardV1(AlfeSecret, "msg_1", NowSeconds, Body));
        for (const Provider provider : {Provider::Generic, Provider::GitHub, Provider::Stripe, Provider::Slack}) {
            QCOMPARE(outcome(check(provider, headers, Body, {AlfeSecret}, {})), verifiedBy("standard-webhooks"));
            // ... and its previous secret in its grace period.
            QCOMPARE(outcome(check(provider, headers, Body, {StandardSecret, AlfeSecret}, {})),
                     verifiedBy("standard-webhooks"));
        }
    }

    void standardWebhooksSignatureList()
    {
        const QByteArray right = standardV1(StandardSecret, "msg_2", NowSeconds, Body);
        const QByteArray wrong = standardV1(oneByteOff(StandardSecret), "msg_2", NowSeconds, Body);
        const QByteArray asymmetric = "v1a," + right.mid(3); // the right bytes under another version
        for (const QByteArray& list : {wrong + ' ' + right, right + ' ' + wrong, asymmetric + ' ' + right,
                                       wrong + ' ' + asymmetric + ' ' + right}) {
            QCOMPARE(outcome(check(Provider::Generic, standardHeaders("msg_2", NowSeconds, list), Body, {},
                                   {StandardSecret})),
                     verifiedBy("standard-webhooks"));
        }
        QCOMPARE(outcome(check(Provider::Generic, standardHeaders("msg_2", NowSeconds, asymmetric), Body, {},
                               {StandardSecret})),
                 refused(QStringLiteral("webhook-signature has no v1,<base64> signature")));
        QCOMPARE(outcome(check(Provider::Generic, standardHeaders("msg_2", NowSeconds, wrong + ' ' + asymmetric), Body,
                               {}, {StandardSecret})),
                 refused(QStringLiteral("webhook-signature does not match the body")));
        QCOMPARE(outcome(check(Provider::Generic, standardHeaders("msg_2", NowSeconds, "v1,%%not-base64%%"), Body, {},
                               {StandardSecret})),
                 refused(QStringLiteral("webhook-signature has no v1,<base64> signature")));
    }

    void standardWebhooksRefusals_data()
    {
        QTest::addColumn<HeaderList>("headers");
        QTest::addColumn<QString>("reason");
        const QByteArray signature = standardV1(StandardSecret, "msg_3", NowSeconds, Body);
        const QByteArray t = QByteArray::number(NowSeconds);
        const QString incomplete =
            QStringLiteral("webhook-signature needs webhook-id and webhook-timestamp (unix seconds) beside it");
        QTest::newRow("no webhook-id") << HeaderList{{"webhook-timestamp", t}, {"webhook-signature", signature}}
                                       << incomplete;
        QTest::newRow("no webhook-timestamp")
            << HeaderList{{"webhook-id", "msg_3"}, {"webhook-signature", signature}} << incomplete;
        QTest::newRow("timestamp in milliseconds")
            << HeaderList{{"webhook-id", "msg_3"}, {"webhook-timestamp", t + "000"}, {"webhook-signature", signature}}
            << incomplete;
        QTest::newRow("another id") << standardHeaders("msg_4", NowSeconds, signature)
                                    << QStringLiteral("webhook-signature does not match the body");
        QTest::newRow("301 s old") << standardHeaders("msg_3", NowSeconds - 301,
                                                      standardV1(StandardSecret, "msg_3", NowSeconds - 301, Body))
                                   << QStringLiteral("webhook-signature timestamp 301 s old (tolerance 300 s)");
        QTest::newRow("301 s ahead") << standardHeaders("msg_3", NowSeconds + 301,
                                                        standardV1(StandardSecret, "msg_3", NowSeconds + 301, Body))
                                     << QStringLiteral(
                                            "webhook-signature timestamp 301 s in the future (tolerance 300 s)");
    }

    void standardWebhooksRefusals()
    {
        QFETCH(HeaderList, headers);
        QFETCH(QString, reason);
        QCOMPARE(outcome(check(Provider::Generic, headers, Body, {AlfeSecret}, {StandardSecret})), refused(reason));
    }

    // ---- X-Hub-Signature-256 and X-Alfe-Signature-256 ----

    void gitHubHeaderOnGitHubWebhooks()
    {
        // The specification's known answer.
        const HeaderList known{
            {"X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}};
        QCOMPARE(outcome(check(Provider::GitHub, known, "Hello, World!", {GitHubSecret}, {})), verifiedBy("github"));
        // With Alfe's own secret pasted into GitHub's form, and with a secret GitHub was given elsewhere, imported.
        QCOMPARE(outcome(check(Provider::GitHub, hubSigned("X-Hub-Signature-256", AlfeSecret, Body), Body, {AlfeSecret},
                               {})),
                 verifiedBy("github"));
        QCOMPARE(outcome(check(Provider::GitHub, hubSigned("X-Hub-Signature-256", GitHubSecret, Body), Body,
                               {AlfeSecret}, {GitHubSecret})),
                 verifiedBy("github"));
        QCOMPARE(outcome(check(Provider::GitHub, hubSigned("X-Hub-Signature-256", GitHubSecret, Body), Body,
                               {AlfeSecret}, {})),
                 refused(QStringLiteral("X-Hub-Signature-256 does not match the body")));
        QCOMPARE(outcome(check(
                     Provider::GitHub,
                     {{"X-Hub-Signature",
                       "sha1=" + QMessageAuthenticationCode::hash(Body, AlfeSecret, QCryptographicHash::Sha1).toHex()},
                      {"X-Hub-Signature-256", "sha1=0123"}},
                     Body, {AlfeSecret}, {})),
                 refused(QStringLiteral("X-Hub-Signature-256 is not \"sha256=\" and 64 hex digits")));
    }

    void gitHubHeaderIgnoredElsewhere()
    {
        // X-Hub-Signature-256 is GitHub's: on another webhook it is not looked at, even when it would verify.
        for (const Provider provider : {Provider::Generic, Provider::Stripe, Provider::Slack}) {
            const auto v =
                check(provider, hubSigned("X-Hub-Signature-256", AlfeSecret, Body), Body, {AlfeSecret}, {AlfeSecret});
            QVERIFY2(!v.verified(), qPrintable(outcome(v)));
            QVERIFY2(v.reason.startsWith(QLatin1String("no signature header for this provider")), qPrintable(v.reason));
        }
    }

    void alfeHeaderTakesOnlyAlfesSecrets()
    {
        for (const Provider provider : {Provider::Generic, Provider::GitHub, Provider::Stripe, Provider::Slack}) {
            QCOMPARE(outcome(check(provider, hubSigned("X-Alfe-Signature-256", AlfeSecret, Body), Body, {AlfeSecret},
                                   {GitHubSecret})),
                     verifiedBy("alfe"));
            // An imported secret is the provider's: it does not sign Alfe's own header.
            QCOMPARE(outcome(check(provider, hubSigned("X-Alfe-Signature-256", GitHubSecret, Body), Body, {AlfeSecret},
                                   {GitHubSecret})),
                     refused(QStringLiteral("X-Alfe-Signature-256 does not match the body")));
        }
    }
};

QTEST_GUILESS_MAIN(TestSignatureSchemes)
#include "tst_signatureschemes.moc"
