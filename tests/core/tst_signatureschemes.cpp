// The signature schemes (issue 11) through SignatureSchemes::verify, with a fixed clock. The expected signatures are
// computed here with Qt's own HMAC (QMessageAuthenticationCode), not with the code under test, or taken from the
// providers' documentation.
#include "ProviderExamples.h"
#include "crypto/Schemes.h"
#include "crypto/Signature.h"
#include "crypto/SignatureSchemes.h"

#include <QMessageAuthenticationCode>
#include <QTest>

using namespace Alfe;
using SignatureSchemes::Verification;
using namespace Alfe::Test::ProviderExamples;

namespace {
constexpr qint64 NowMs = 1'750'000'000'000;
constexpr qint64 NowSeconds = NowMs / 1000;

// The kinds of secret each sender shows. Alfe's is "whsec_" + base64 of 32 bytes, like its real ones.
const QByteArray AlfeSecret = "whsec_xI68V5GXvvb4GwA0tD8fEC6+smtFi/c9POeoW3HkLWg=";
const QByteArray StripeSecret = "whsec_Zr4kQn7TsXb2Lp9WmCv5Hd1JgFy8Ea3U";
const QByteArray GitHubSecret = "It's a Secret to Everybody";

const QByteArray Body = "{\"id\":\"evt_1NG8Du2eZvKYlo2CUI79vXWy\",\"type\":\"invoice.paid\"}";

QByteArray hmac(const QByteArray& key, const QByteArray& data)
{
    return QMessageAuthenticationCode::hash(data, key, QCryptographicHash::Sha256);
}

QByteArray stripeV1(const QByteArray& secret, qint64 t, const QByteArray& body)
{
    return hmac(secret, QByteArray::number(t) + '.' + body).toHex();
}

HeaderList stripeHeaders(const QByteArray& value)
{
    return {{"Content-Type", "application/json"}, {"Stripe-Signature", value}};
}

HeaderList stripeSigned(const QByteArray& secret, qint64 t, const QByteArray& body)
{
    return stripeHeaders("t=" + QByteArray::number(t) + ",v1=" + stripeV1(secret, t, body));
}

HeaderList slackSigned(const QByteArray& secret, const QByteArray& timestamp, const QByteArray& body)
{
    return {{"X-Slack-Request-Timestamp", timestamp},
            {"X-Slack-Signature", "v0=" + hmac(secret, "v0:" + timestamp + ':' + body).toHex()}};
}

// The Standard Webhooks key: the base64 after "whsec_".
QByteArray standardV1(const QByteArray& secret, const QByteArray& id, qint64 t, const QByteArray& body)
{
    const QByteArray key = QByteArray::fromBase64(secret.mid(6));
    return "v1," + hmac(key, id + '.' + QByteArray::number(t) + '.' + body).toBase64();
}

HeaderList standardHeaders(const QByteArray& id, qint64 t, const QByteArray& signature)
{
    return {{"webhook-id", id}, {"webhook-timestamp", QByteArray::number(t)}, {"webhook-signature", signature}};
}

HeaderList hubSigned(const char* header, const QByteArray& secret, const QByteArray& body)
{
    return {{header, "sha256=" + hmac(secret, body).toHex()}};
}

Verification check(Provider provider, const HeaderList& headers, const QByteArray& body, const QList<QByteArray>& alfe,
                   const QList<QByteArray>& provided, qint64 nowMs = NowMs, int toleranceSeconds = 300)
{
    return SignatureSchemes::verify(provider, SignedRequest{headers, body, nowMs, toleranceSeconds},
                                    SchemeKeys{alfe, provided});
}

// "verified by X" or "refused: why", so that a failing comparison shows both.
QString outcome(const Verification& v)
{
    return v.verified() ? QStringLiteral("verified by ") + v.scheme : QStringLiteral("refused: ") + v.reason;
}

QString verifiedBy(const char* scheme)
{
    return QStringLiteral("verified by ") + QLatin1String(scheme);
}

QString refused(const QString& reason)
{
    return QStringLiteral("refused: ") + reason;
}

// The secret with one byte changed (for a Standard Webhooks secret, a byte of its base64 that changes the key).
QByteArray oneByteOff(QByteArray secret)
{
    const int at = secret.startsWith("whsec_") ? 6 : secret.size() - 1;
    secret[at] = secret[at] == 'A' ? 'B' : 'A';
    return secret;
}

// Whether a secret is a Standard Webhooks key: base64, after "whsec_" if it has it.
bool isBase64Key(const QByteArray& secret)
{
    const auto decoded = QByteArray::fromBase64Encoding(secret.startsWith("whsec_") ? secret.mid(6) : secret,
                                                        QByteArray::AbortOnBase64DecodingErrors);
    return decoded && !decoded.decoded.isEmpty();
}

QByteArray oneByteOffBody(QByteArray body)
{
    body[body.size() - 2] = body[body.size() - 2] == '1' ? '2' : '1';
    return body;
}
} // namespace

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

    // ---- what the schemes have in common ----

    void noSignatureHeader_data()
    {
        QTest::addColumn<int>("provider");
        QTest::addColumn<QString>("expected");
        QTest::newRow("generic") << int(Provider::Generic)
                                 << QStringLiteral("X-Alfe-Signature-256 or webhook-signature");
        QTest::newRow("github") << int(Provider::GitHub)
                                << QStringLiteral("X-Alfe-Signature-256, X-Hub-Signature-256 or webhook-signature");
        QTest::newRow("stripe") << int(Provider::Stripe)
                                << QStringLiteral("X-Alfe-Signature-256, Stripe-Signature or webhook-signature");
        QTest::newRow("slack") << int(Provider::Slack)
                               << QStringLiteral("X-Alfe-Signature-256, X-Slack-Signature or webhook-signature");
    }

    void noSignatureHeader()
    {
        QFETCH(int, provider);
        QFETCH(QString, expected);
        const QString reason = QStringLiteral("no signature header for this provider (expected %1)").arg(expected);
        // Nothing at all; and every other provider's header, which this provider's webhook does not read.
        const HeaderList others{{"Content-Type", "application/json"},
                                {"X-Hub-Signature-256", "sha256=" + QByteArray(64, '0')},
                                {"Stripe-Signature", "t=1,v1=00"},
                                {"X-Slack-Signature", "v0=00"},
                                {"X-Slack-Request-Timestamp", "1"}};
        HeaderList foreign;
        for (const auto& header : others) {
            const bool own = (provider == int(Provider::GitHub) && header.first == "X-Hub-Signature-256") ||
                             (provider == int(Provider::Stripe) && header.first == "Stripe-Signature") ||
                             (provider == int(Provider::Slack) && header.first.startsWith("X-Slack"));
            if (!own)
                foreign << header;
        }
        for (const HeaderList& headers : {HeaderList{{"Content-Type", "application/json"}}, foreign}) {
            QCOMPARE(outcome(check(Provider(provider), headers, Body, {AlfeSecret}, {StandardSecret})),
                     refused(reason));
        }
        // An empty header counts as none.
        QCOMPARE(outcome(check(Provider(provider), {{"X-Alfe-Signature-256", ""}}, Body, {AlfeSecret}, {})),
                 refused(reason));
    }

    void everyPresentSignatureSaysWhy()
    {
        // Several headers, none right: each says why, in the order the schemes are tried.
        HeaderList headers = hubSigned("X-Alfe-Signature-256", oneByteOff(AlfeSecret), Body);
        headers << stripeSigned(StripeSecret, NowSeconds - 400, Body).at(1);
        QCOMPARE(
            outcome(check(Provider::Stripe, headers, Body, {AlfeSecret}, {StripeSecret})),
            refused(QStringLiteral("X-Alfe-Signature-256 does not match the body; Stripe-Signature timestamp 400 s "
                                   "old (tolerance 300 s)")));
        // One right header is enough, whichever is wrong beside it.
        headers << standardHeaders("msg_5", NowSeconds, standardV1(AlfeSecret, "msg_5", NowSeconds, Body));
        QCOMPARE(outcome(check(Provider::Stripe, headers, Body, {AlfeSecret}, {StripeSecret})),
                 verifiedBy("standard-webhooks"));
    }

    void schemesAndProviders()
    {
        QStringList names;
        QStringList headers;
        for (const SignatureScheme* scheme : SignatureSchemes::all()) {
            names << scheme->name();
            headers << QString::fromLatin1(scheme->header());
            QCOMPARE(SignatureSchemes::byName(scheme->name()), scheme);
        }
        QCOMPARE(names, (QStringList{QStringLiteral("alfe"), QStringLiteral("github"), QStringLiteral("stripe"),
                                     QStringLiteral("slack"), QStringLiteral("standard-webhooks")}));
        QCOMPARE(headers, (QStringList{QStringLiteral("X-Alfe-Signature-256"), QStringLiteral("X-Hub-Signature-256"),
                                       QStringLiteral("Stripe-Signature"), QStringLiteral("X-Slack-Signature"),
                                       QStringLiteral("webhook-signature")}));
        QCOMPARE(SignatureSchemes::byName(QStringLiteral("svix")), nullptr);
        QCOMPARE(SignatureSchemes::byName(QString()), nullptr);

        const auto applying = [](Provider provider) {
            QStringList out;
            for (const SignatureScheme* scheme : SignatureSchemes::all()) {
                if (scheme->appliesTo(provider))
                    out << scheme->name();
            }
            return out;
        };
        QCOMPARE(applying(Provider::Generic),
                 (QStringList{QStringLiteral("alfe"), QStringLiteral("standard-webhooks")}));
        QCOMPARE(applying(Provider::GitHub),
                 (QStringList{QStringLiteral("alfe"), QStringLiteral("github"), QStringLiteral("standard-webhooks")}));
        QCOMPARE(applying(Provider::Stripe),
                 (QStringList{QStringLiteral("alfe"), QStringLiteral("stripe"), QStringLiteral("standard-webhooks")}));
        QCOMPARE(applying(Provider::Slack),
                 (QStringList{QStringLiteral("alfe"), QStringLiteral("slack"), QStringLiteral("standard-webhooks")}));
    }

    void senderSchemeChoices_data()
    {
        QTest::addColumn<int>("provider");
        QTest::addColumn<QList<QByteArray>>("provided");
        QTest::addColumn<QString>("scheme");
        const QList<QByteArray> none;
        QTest::newRow("stripe, imported")
            << int(Provider::Stripe) << QList<QByteArray>{StripeSecret} << QStringLiteral("stripe");
        QTest::newRow("stripe, none") << int(Provider::Stripe) << none << QStringLiteral("alfe");
        QTest::newRow("slack, imported") << int(Provider::Slack) << QList<QByteArray>{SlackSecret}
                                         << QStringLiteral("slack");
        QTest::newRow("slack, none") << int(Provider::Slack) << none << QStringLiteral("alfe");
        QTest::newRow("github, imported")
            << int(Provider::GitHub) << QList<QByteArray>{GitHubSecret} << QStringLiteral("github");
        QTest::newRow("github, none") << int(Provider::GitHub) << none << QStringLiteral("github");
        QTest::newRow("generic, whsec_") << int(Provider::Generic) << QList<QByteArray>{StandardSecret}
                                         << QStringLiteral("standard-webhooks");
        QTest::newRow("generic, none") << int(Provider::Generic) << none << QStringLiteral("alfe");
        // The current imported secret decides; a whsec_ one only in its grace period does not.
        QTest::newRow("generic, bare base64 current")
            << int(Provider::Generic) << QList<QByteArray>{StandardSecret.mid(6), StandardSecret}
            << QStringLiteral("alfe");
    }

    void senderSchemeChoices()
    {
        QFETCH(int, provider);
        QFETCH(QList<QByteArray>, provided);
        QFETCH(QString, scheme);
        const QList<QByteArray> alfe{AlfeSecret};
        QCOMPARE(SignatureSchemes::senderScheme(Provider(provider), {alfe, provided}).name(), scheme);
    }

    // What the console's test events and the sender's scheme sign, the ingress verifies.
    void senderSignatureRoundTrips_data() { senderSchemeChoices_data(); }

    void senderSignatureRoundTrips()
    {
        QFETCH(int, provider);
        QFETCH(QList<QByteArray>, provided);
        QFETCH(QString, scheme);
        const QList<QByteArray> alfe{AlfeSecret};
        const SignatureScheme& sender = SignatureSchemes::senderScheme(Provider(provider), {alfe, provided});
        const HeaderList headers = sender.sign(Body, {alfe, provided}, NowMs, "msg_round_trip");
        QVERIFY(!headers.isEmpty());
        QCOMPARE(outcome(check(Provider(provider), headers, Body, alfe, provided)), verifiedBy(qPrintable(scheme)));
    }

    // Every scheme, on every provider it applies to, with and without an imported secret: sign() then verify()
    // verifies, and a one-byte change of the body or of the secret, or a timestamp one second past the window,
    // is refused.
    void everySchemeRoundTrips_data()
    {
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<int>("provider");
        QTest::addColumn<QList<QByteArray>>("provided");
        const QList<QPair<Provider, QByteArray>> imported{{Provider::Generic, StandardSecret},
                                                          {Provider::GitHub, GitHubSecret},
                                                          {Provider::Stripe, StripeSecret},
                                                          {Provider::Slack, SlackSecret}};
        for (const SignatureScheme* scheme : SignatureSchemes::all()) {
            for (const auto& [provider, secret] : imported) {
                if (!scheme->appliesTo(provider))
                    continue;
                for (const bool withImported : {false, true}) {
                    // Stripe and Slack sign only with an imported secret (checked in signNeedsASecret).
                    if (!withImported && (scheme->name() == u"stripe" || scheme->name() == u"slack"))
                        continue;
                    QTest::addRow("%s on %s%s", qPrintable(scheme->name()), qPrintable(providerName(provider)),
                                  withImported ? ", imported secret" : "")
                        << scheme->name() << int(provider)
                        << (withImported ? QList<QByteArray>{secret} : QList<QByteArray>());
                }
            }
        }
    }

    void everySchemeRoundTrips()
    {
        QFETCH(QString, scheme);
        QFETCH(int, provider);
        QFETCH(QList<QByteArray>, provided);
        const SignatureScheme* signer = SignatureSchemes::byName(scheme);
        QVERIFY(signer);
        const QList<QByteArray> alfe{AlfeSecret};
        const HeaderList headers = signer->sign(Body, {alfe, provided}, NowMs, "msg_every");
        QVERIFY(!headers.isEmpty());
        QCOMPARE(outcome(check(Provider(provider), headers, Body, alfe, provided)), verifiedBy(qPrintable(scheme)));

        // The body one byte off.
        const auto changedBody = check(Provider(provider), headers, oneByteOffBody(Body), alfe, provided);
        QVERIFY2(!changedBody.verified(), qPrintable(outcome(changedBody)));
        QVERIFY2(changedBody.reason.contains(QLatin1String("does not match the body")), qPrintable(changedBody.reason));

        // Signed with a secret one byte off: the one the signer used (the imported one if there is one, except that
        // Alfe's own header takes only Alfe's, and Standard Webhooks only a base64 key: not GitHub's secret here).
        const bool usesImported = !provided.isEmpty() && scheme != u"alfe" &&
                                  (scheme != u"standard-webhooks" || isBase64Key(provided.first()));
        const QList<QByteArray> otherAlfe = usesImported ? alfe : QList<QByteArray>{oneByteOff(AlfeSecret)};
        const QList<QByteArray> otherProvided =
            usesImported ? QList<QByteArray>{oneByteOff(provided.first())} : provided;
        const HeaderList wrongSecret = signer->sign(Body, {otherAlfe, otherProvided}, NowMs, "msg_every");
        QVERIFY(!wrongSecret.isEmpty());
        QVERIFY(wrongSecret != headers);
        const auto changedSecret = check(Provider(provider), wrongSecret, Body, alfe, provided);
        QVERIFY2(!changedSecret.verified(), qPrintable(outcome(changedSecret)));
        QVERIFY2(changedSecret.reason.contains(QLatin1String("does not match the body")),
                 qPrintable(changedSecret.reason));

        // One second past the window, either way (schemes that sign a timestamp).
        if (scheme == u"alfe" || scheme == u"github") {
            QCOMPARE(outcome(check(Provider(provider), headers, Body, alfe, provided, NowMs + 86'400'000)),
                     verifiedBy(qPrintable(scheme)));
            return;
        }
        const QString header = QString::fromLatin1(signer->header());
        QCOMPARE(outcome(check(Provider(provider), headers, Body, alfe, provided, NowMs + 300'999)),
                 verifiedBy(qPrintable(scheme)));
        QCOMPARE(outcome(check(Provider(provider), headers, Body, alfe, provided, NowMs + 301'000)),
                 refused(QStringLiteral("%1 timestamp 301 s old (tolerance 300 s)").arg(header)));
        QCOMPARE(outcome(check(Provider(provider), headers, Body, alfe, provided, NowMs - 301'000)),
                 refused(QStringLiteral("%1 timestamp 301 s in the future (tolerance 300 s)").arg(header)));
        QCOMPARE(outcome(check(Provider(provider), headers, Body, alfe, provided, NowMs + 31'000, 30)),
                 refused(QStringLiteral("%1 timestamp 31 s old (tolerance 30 s)").arg(header)));
    }

    void signNeedsASecret()
    {
        const QList<QByteArray> alfe{AlfeSecret};
        const QList<QByteArray> none;
        QVERIFY(Schemes::stripe().sign(Body, {alfe, none}, NowMs, "m").isEmpty());
        QVERIFY(Schemes::slack().sign(Body, {alfe, none}, NowMs, "m").isEmpty());
        QVERIFY(Schemes::alfe().sign(Body, {none, none}, NowMs, "m").isEmpty());
        QVERIFY(Schemes::gitHub().sign(Body, {none, none}, NowMs, "m").isEmpty());
        QVERIFY(Schemes::standardWebhooks().sign(Body, {none, none}, NowMs, "m").isEmpty());
        // What each signs, against the oracle of this file.
        QCOMPARE(Schemes::stripe().sign(Body, {alfe, {StripeSecret}}, NowMs + 999, "m"),
                 stripeSigned(StripeSecret, NowSeconds, Body).mid(1));
        QCOMPARE(Schemes::standardWebhooks().sign(Body, {alfe, none}, NowMs, "msg_6"),
                 standardHeaders("msg_6", NowSeconds, standardV1(AlfeSecret, "msg_6", NowSeconds, Body)));
        QCOMPARE(Schemes::standardWebhooks().sign(Body, {alfe, {StandardSecret}}, NowMs, "msg_6"),
                 standardHeaders("msg_6", NowSeconds, standardV1(StandardSecret, "msg_6", NowSeconds, Body)));
        // An imported secret that is no base64 key (GitHub's here) leaves Alfe's own to sign with.
        QVERIFY(!isBase64Key(GitHubSecret));
        QCOMPARE(Schemes::standardWebhooks().sign(Body, {alfe, {GitHubSecret}}, NowMs, "msg_6"),
                 standardHeaders("msg_6", NowSeconds, standardV1(AlfeSecret, "msg_6", NowSeconds, Body)));
        QCOMPARE(Schemes::gitHub().sign(Body, {alfe, {GitHubSecret}}, NowMs, {}),
                 hubSigned("X-Hub-Signature-256", GitHubSecret, Body));
        QCOMPARE(Schemes::gitHub().sign(Body, {alfe, none}, NowMs, {}),
                 hubSigned("X-Hub-Signature-256", AlfeSecret, Body));
        QCOMPARE(Schemes::alfe().sign(Body, {alfe, {GitHubSecret}}, NowMs, {}),
                 hubSigned("X-Alfe-Signature-256", AlfeSecret, Body));
    }

    void describedForPeople()
    {
        QCOMPARE(SignatureSchemes::describe(QStringLiteral("stripe")), QStringLiteral("Stripe-Signature (stripe)"));
        QCOMPARE(SignatureSchemes::describe(QStringLiteral("standard-webhooks")),
                 QStringLiteral("webhook-signature (standard-webhooks)"));
        QCOMPARE(SignatureSchemes::describe(QStringLiteral("alfe")), QStringLiteral("X-Alfe-Signature-256 (alfe)"));
        QCOMPARE(SignatureSchemes::describe(QStringLiteral("svix")), QStringLiteral("svix"));
        QCOMPARE(SignatureSchemes::describe(QString()), QString());
    }

    void timestampsAsProvidersSendThem()
    {
        QCOMPARE(SignatureSchemes::parseTimestamp("1750000000"), std::optional<qint64>(1750000000));
        QCOMPARE(SignatureSchemes::parseTimestamp("0"), std::optional<qint64>(0));
        QCOMPARE(SignatureSchemes::parseTimestamp("999999999999"), std::optional<qint64>(999999999999));
        for (const char* bad : {"", "1000000000000", "-1", "+1", " 1", "1 ", "1.5", "1e9", "0x10", "１"})
            QVERIFY2(!SignatureSchemes::parseTimestamp(bad), bad);
    }
};

QTEST_GUILESS_MAIN(TestSignatureSchemes)
#include "tst_signatureschemes.moc"
