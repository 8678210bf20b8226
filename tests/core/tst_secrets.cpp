#include "crypto/Secrets.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Alfe;

class TestSecrets : public QObject
{
    Q_OBJECT

private slots:
    void webhookSecretFormat()
    {
        const QRegularExpression form(QStringLiteral("^whsec_[A-Za-z0-9+/]{43}=$"));
        QSet<QByteArray> seen;
        for (int i = 0; i < 1000; ++i) {
            const QByteArray secret = Secrets::newWebhookSecret();
            QCOMPARE(secret.size(), 50);
            QVERIFY2(form.match(QString::fromLatin1(secret)).hasMatch(), secret.constData());
            QCOMPARE(QByteArray::fromBase64(secret.mid(6)).size(), 32);
            QVERIFY(Secrets::isWebhookSecret(secret));
            seen.insert(secret);
        }
        QCOMPARE(seen.size(), 1000);
    }

    void agentTokenFormat()
    {
        const QRegularExpression form(QStringLiteral("^alfe_[A-Za-z0-9_-]{43}$"));
        QSet<QByteArray> seen;
        for (int i = 0; i < 1000; ++i) {
            const QByteArray token = Secrets::newAgentToken();
            QCOMPARE(token.size(), 48);
            QVERIFY2(form.match(QString::fromLatin1(token)).hasMatch(), token.constData());
            QCOMPARE(QByteArray::fromBase64(token.mid(5), QByteArray::Base64UrlEncoding).size(), 32);
            QVERIFY(Secrets::isAgentToken(token));
            seen.insert(token);
        }
        QCOMPARE(seen.size(), 1000);
    }

    void rejectsLookalikes()
    {
        const QByteArray secret = Secrets::newWebhookSecret();
        QVERIFY(!Secrets::isWebhookSecret(secret.mid(6)));                          // prefix missing
        QVERIFY(!Secrets::isWebhookSecret(secret.left(49)));                        // truncated
        QVERIFY(!Secrets::isWebhookSecret(QByteArray(secret).replace(10, 1, "*"))); // not base64
        const QByteArray token = Secrets::newAgentToken();
        QVERIFY(!Secrets::isAgentToken(QByteArray("alfx_") + token.mid(5)));
        QVERIFY(!Secrets::isAgentToken(token + "A"));
    }

    void sha256KnownAnswer()
    {
        QCOMPARE(Secrets::sha256("abc").toHex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    void cleanseEmptiesAndLeavesSharedCopiesAlone()
    {
        QByteArray secret = "whsec_keepme";
        QByteArray copy = secret; // implicitly shared: cleanse() must detach, not wipe the copy's bytes
        Secrets::cleanse(secret);
        QVERIFY(secret.isEmpty());
        QCOMPARE(copy, QByteArray("whsec_keepme"));
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
