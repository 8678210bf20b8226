#include "crypto/Schemes.h"
#include "crypto/Signature.h"
#include "delivery/ForwardRequest.h"

#include <QTest>

using namespace Alfe;

namespace {
QByteArray header(const HeaderList& headers, const QByteArray& name)
{
    QByteArray found;
    int count = 0;
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            found = value;
            ++count;
        }
    }
    return count > 1 ? QByteArray("<duplicate>") : found;
}
} // namespace

class TestForwardRequest : public QObject
{
    Q_OBJECT

private slots:
    // The Standard Webhooks specification's own example (also what the npm standardwebhooks library signs).
    void standardWebhooksKnownAnswer()
    {
        QCOMPARE(Schemes::standardWebhooksSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                                    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                                    "{\"test\": 2432232314}"),
                 QByteArray("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    void headersForTheAgent()
    {
        Delivery d;
        d.id = QStringLiteral("dlv_01J9Z8Q0000000000000000000");
        d.webhookId = QStringLiteral("whk_01J9Z8Q0000000000000000000");
        d.provider = Provider::GitHub;
        d.eventType = QStringLiteral("issues.opened");
        d.body = "{\"action\":\"opened\"}";
        d.headers = {{"Host", "hooks.example.test"}, {"Connection", "keep-alive"},
                     {"Authorization", "token x"},   {"Cookie", "a=b"},
                     {"Content-Length", "20"},       {"Transfer-Encoding", "chunked"},
                     {"X-GitHub-Event", "issues"},   {"X-Alfe-Signature-256", "sha256=sender"},
                     {"webhook-id", "sender-id"},    {"User-Agent", "GitHub-Hookshot/abc"}};
        const QByteArray secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const HeaderList out = ForwardRequest::headers(d, secret, 3, 1'750'000'000'123);
        for (const char* gone :
             {"Host", "Connection", "Authorization", "Cookie", "Content-Length", "Transfer-Encoding"})
            QVERIFY2(header(out, gone).isEmpty(), gone);
        QCOMPARE(header(out, "X-GitHub-Event"), QByteArray("issues"));
        QCOMPARE(header(out, "User-Agent"), QByteArray("GitHub-Hookshot/abc"));
        QCOMPARE(header(out, "X-Alfe-Webhook-Id"), d.webhookId.toLatin1());
        QCOMPARE(header(out, "X-Alfe-Delivery-Id"), d.id.toLatin1());
        QCOMPARE(header(out, "X-Alfe-Provider"), QByteArray("github"));
        QCOMPARE(header(out, "X-Alfe-Event"), QByteArray("issues.opened"));
        QCOMPARE(header(out, "X-Alfe-Attempt"), QByteArray("3"));
        // Ours replace the sender's, once each.
        QCOMPARE(header(out, "X-Alfe-Signature-256"), Signature::sign(secret, d.body));
        QCOMPARE(header(out, "webhook-id"), d.id.toLatin1());
        QCOMPARE(header(out, "webhook-timestamp"), QByteArray("1750000000"));
        QCOMPARE(header(out, "webhook-signature"),
                 Schemes::standardWebhooksSignature(secret, d.id.toLatin1(), 1750000000, d.body));
    }
};

QTEST_GUILESS_MAIN(TestForwardRequest)
#include "tst_forwardrequest.moc"
