// What the signature schemes (issue 11) have in common: the reason when no scheme's header is there, which schemes
// apply to which provider, the scheme a provider's sender signs with, round trips of every scheme's own signature,
// and how a scheme is named for people. Fixed clock; expected values from SchemeTestSupport.h.
#include "SchemeTestSupport.h"
#include "crypto/Schemes.h"
#include "crypto/Signature.h"

#include <QTest>

using namespace Alfe;
using namespace Alfe::Test::ProviderExamples;
using namespace Alfe::Test::SchemeTests;

class TestSchemeSelection : public QObject
{
    Q_OBJECT

private slots:

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

QTEST_GUILESS_MAIN(TestSchemeSelection)
#include "tst_schemeselection.moc"
