#pragma once

// What the provider interop tests share (tst_interop_providers, tst_interop_slack): the secrets and events they
// send, and the checks of an accepted or refused request through the real ingress.
#include "IngressFixture.h"
#include "ProviderExamples.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QTest>

namespace Alfe::Test::ProviderInterop {

inline const QByteArray StripeSecret = "whsec_4eC39HqLyjWDarjtT1zdp7dcWq2RvZ8b";
inline const QByteArray GitHubSecret = "gh-webhook-secret-7f3a9c";

inline const QByteArray SlackChallenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";

inline QByteArray stripeEvent(const QByteArray& id)
{
    return "{\n  \"id\": \"" + id +
           "\",\n  \"object\": \"event\",\n  \"api_version\": \"2024-06-20\",\n  \"created\": 1750000000,\n"
           "  \"type\": \"invoice.paid\",\n  \"livemode\": false,\n  \"pending_webhooks\": 1,\n"
           "  \"data\": {\"object\": {\"id\": \"in_1PxYz2eZvKYlo2C\", \"object\": \"invoice\", \"amount_paid\": 4200,"
           " \"currency\": \"eur\", \"customer_name\": \"Caf\xc3\xa9 M\xc3\xbcller\"}}\n}\n";
}

inline QByteArray slackEvent(const QByteArray& eventId)
{
    return "{\"token\":\"Jhj5dZrVaK7ZwHHjRyZWjbDl\",\"team_id\":\"T1DC2JH3J\",\"api_app_id\":\"A0KRD7HC3\","
           "\"event\":{\"type\":\"app_mention\",\"user\":\"U2CERLKJA\",\"text\":\"<@U0LAN0Z89> is it everything a "
           "river "
           "should be?\",\"ts\":\"1515449522.000016\",\"channel\":\"C2147483705\"},\"type\":\"event_callback\","
           "\"event_id\":\"" +
           eventId + "\",\"event_time\":1750000000}";
}

inline QByteArray oneByteOff(QByteArray bytes, qsizetype at)
{
    bytes[at] = bytes[at] == 'A' ? 'B' : 'A';
    return bytes;
}

// The body with one byte changed inside a string ("Café" becomes "Cofé"), so that it is still JSON.
inline QByteArray tampered(const QByteArray& body)
{
    QByteArray out = body;
    const qsizetype at = out.indexOf("Caf");
    Q_ASSERT(at >= 0);
    out[at + 1] = 'o';
    return out;
}

inline QString errorMessage(const HttpResponse& r)
{
    return r.json().value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString();
}

inline QByteArray slackSignature(const QByteArray& secret, qint64 timestamp, const QByteArray& body)
{
    return "v0=" + QMessageAuthenticationCode::hash("v0:" + QByteArray::number(timestamp) + ':' + body, secret,
                                                    QCryptographicHash::Sha256)
                       .toHex();
}

// The helpers below check with QVERIFY/QCOMPARE, which return from the helper only: these stop the test too.
#define EXPECT_REFUSED(...)                                                                                            \
    do {                                                                                                               \
        expectRefused(__VA_ARGS__);                                                                                    \
        if (QTest::currentTestFailed())                                                                                \
            return;                                                                                                    \
    } while (false)

inline IngressOptions options()
{
    IngressOptions o = IngressFixture::defaultOptions();
    o.refusedPerSecond = 0; // every refusal is logged, however many a test sends at once
    return o;
}

// A new webhook of the fixture's agent with the provider's signing secret imported; empty if either failed.
inline QString webhookWithSecret(IngressFixture& f, Provider provider, const QByteArray& secret)
{
    const QString id = f.createWebhook(provider, nullptr);
    auto imported = f.engine().webhooks().setProviderSecret(id, secret);
    if (!imported)
        qWarning().noquote() << "setProviderSecret:" << imported.error().message;
    return imported ? id : QString();
}

// Posts a request that must be refused 401 for `reason`: in the answer's message and in the refused log.
inline void expectRefused(IngressFixture& f, const QString& webhookId, const QByteArray& body,
                          const HeaderList& headers, const QString& reason)
{
    const int before = f.count(QStringLiteral("1"), QStringLiteral("refused_requests"));
    const HttpResponse r = f.http().post(IngressFixture::hookPath(webhookId), body, headers);
    QVERIFY2(r.status == 401, qPrintable(QStringLiteral("%1 %2").arg(r.status).arg(QString::fromUtf8(r.body))));
    QCOMPARE(r.errorCode(), QStringLiteral("invalid_signature"));
    QCOMPARE(errorMessage(r), QStringLiteral("The signature did not verify: %1.").arg(reason));
    QTRY_COMPARE(f.count(QStringLiteral("1"), QStringLiteral("refused_requests")), before + 1);
    QCOMPARE(f.scalar(QStringLiteral("SELECT detail FROM refused_requests ORDER BY id DESC LIMIT 1")).toString(),
             reason);
    QCOMPARE(f.scalar(QStringLiteral("SELECT status FROM refused_requests ORDER BY id DESC LIMIT 1")).toInt(), 401);
}

// Posts a request that must be accepted 202; the stored delivery must say which scheme verified it.
inline QString expectAccepted(IngressFixture& f, const QString& webhookId, const QByteArray& body,
                              const HeaderList& headers, const QString& scheme)
{
    const HttpResponse r = f.http().post(IngressFixture::hookPath(webhookId), body, headers);
    if (r.status != 202) {
        qWarning() << "expected 202, got" << r.status << r.body;
        return {};
    }
    const QString id = r.json().value(QLatin1String("deliveryId")).toString();
    auto stored = f.engine().deliveries().get(id);
    if (!stored || stored->verifiedBy != scheme || stored->body != body) {
        qWarning() << "stored" << id << "verified by" << (stored ? stored->verifiedBy : QStringLiteral("?"));
        return {};
    }
    return id;
}

} // namespace Alfe::Test::ProviderInterop
