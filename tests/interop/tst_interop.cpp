#include "IngressFixture.h"
#include "crypto/Signature.h"
#include "store/DeliveryStore.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Alfe;
using Test::IngressFixture;

namespace {
// Runs a script of this folder with Node.js and the npm packages ./dev test installed next to it.
QByteArray node(const QStringList& arguments, int* exitCode = nullptr)
{
    QProcess process;
    process.setWorkingDirectory(QStringLiteral(ALFE_INTEROP_DIR));
    process.start(QStringLiteral("node"), arguments);
    process.waitForFinished(60000);
    if (exitCode)
        *exitCode = process.exitCode();
    if (process.exitCode() != 0)
        qWarning().noquote() << process.readAllStandardError();
    return process.readAllStandardOutput().trimmed();
}

QByteArray pushPayload()
{
    return QByteArrayLiteral(
        "{\n  \"ref\": \"refs/heads/main\",\n  \"before\": \"6113728f27ae82c7b1a177c8d03f9e96e0adf246\",\n"
        "  \"after\": \"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\",\n"
        "  \"repository\": {\"full_name\": \"octo-org/agent-demo\", \"private\": false},\n"
        "  \"head_commit\": {\"message\": \"Fix caf\xc3\xa9 menu \xe2\x9c\x93\", \"author\": {\"name\": \"Mona\"}},\n"
        "  \"pusher\": {\"name\": \"mona\"}\n}\n");
}
} // namespace

// Real third-party signers against the real ingress.
class TestInterop : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        int code = -1;
        node(
            {QStringLiteral("-e"), QStringLiteral("import('@octokit/webhooks-methods').then(() => console.log('ok'))")},
            &code);
        QVERIFY2(code == 0, "npm packages missing in tests/interop: run ./dev test, which installs them");
    }

    void octokitSignatureAcceptedInBothHeaders()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::GitHub, &secret);
        QTemporaryDir dir;
        const QString bodyFile = dir.filePath(QStringLiteral("push.json"));
        QFile file(bodyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(pushPayload());
        file.close();

        const QByteArray signature = node({QStringLiteral("octokit-sign.mjs"), QString::fromLatin1(secret), bodyFile});
        QVERIFY2(signature.startsWith("sha256="), signature.constData());
        QCOMPARE(signature, Signature::sign(secret, pushPayload())); // same algorithm, byte for byte

        for (const char* header : {"X-Hub-Signature-256", "X-Alfe-Signature-256"}) {
            auto r = f.http().post(IngressFixture::hookPath(id), pushPayload(),
                                   {{"Content-Type", "application/json"},
                                    {"X-GitHub-Event", "push"},
                                    {"X-GitHub-Delivery", QByteArray("guid-") + header},
                                    {header, signature}});
            QVERIFY2(r.status == 202, r.body.constData());
            auto stored = f.engine().deliveries().get(r.json().value(QLatin1String("deliveryId")).toString());
            QCOMPARE(stored->body, pushPayload());
            QCOMPARE(stored->eventType, QStringLiteral("push"));
        }

        // octokit with another secret: refused.
        const QByteArray wrong =
            node({QStringLiteral("octokit-sign.mjs"), QStringLiteral("whsec_not-the-secret"), bodyFile});
        auto refused = f.http().post(IngressFixture::hookPath(id), pushPayload(),
                                     {{"Content-Type", "application/json"},
                                      {"X-GitHub-Delivery", "guid-wrong"},
                                      {"X-Hub-Signature-256", wrong}});
        QCOMPARE(refused.status, 401);
    }
};

QTEST_GUILESS_MAIN(TestInterop)
#include "tst_interop.moc"
