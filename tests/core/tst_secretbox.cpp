#include "crypto/SecretBox.h"
#include "domain/Random.h"
#include "store/WebhookStore.h"

#include <QTest>

using namespace Alfe;

class TestSecretBox : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip()
    {
        const SecretBox box(Random::bytes(32));
        const QByteArray secret = "whsec_Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=";
        const QByteArray aad = WebhookStore::secretAad(QStringLiteral("whk_01J9Z8Q0000000000000000000"), 1);
        const QByteArray sealed = box.seal(secret, aad);
        QCOMPARE(sealed.size(), SecretBox::NonceSize + secret.size() + SecretBox::TagSize);
        QVERIFY(!sealed.contains(secret));
        QVERIFY(!sealed.contains(secret.mid(6)));
        const auto opened = box.open(sealed, aad);
        QVERIFY(opened.has_value());
        QCOMPARE(*opened, secret);
    }

    void freshNonceEachTime()
    {
        const SecretBox box(Random::bytes(32));
        const QByteArray a = box.seal("same", "aad");
        const QByteArray b = box.seal("same", "aad");
        QVERIFY(a.left(SecretBox::NonceSize) != b.left(SecretBox::NonceSize));
        QVERIFY(a != b);
    }

    void flippedByteFails()
    {
        const SecretBox box(Random::bytes(32));
        const QByteArray sealed = box.seal("whsec_secret", "aad");
        for (int i = 0; i < sealed.size(); ++i) { // nonce, ciphertext and tag are all covered
            QByteArray tampered = sealed;
            tampered[i] = char(tampered[i] ^ 0x01);
            QVERIFY2(!box.open(tampered, "aad").has_value(), qPrintable(QStringLiteral("byte %1").arg(i)));
        }
        QVERIFY(!box.open(sealed.left(sealed.size() - 1), "aad").has_value());
        QVERIFY(!box.open(QByteArray(), "aad").has_value());
    }

    void wrongKeyFails()
    {
        const SecretBox box(Random::bytes(32));
        const SecretBox other(Random::bytes(32));
        QVERIFY(!other.open(box.seal("whsec_secret", "aad"), "aad").has_value());
    }

    void movedToAnotherRowFails()
    {
        const SecretBox box(Random::bytes(32));
        const QString webhookA = QStringLiteral("whk_01J9Z8Q0000000000000000000");
        const QString webhookB = QStringLiteral("whk_01J9Z8Q0000000000000000001");
        const QByteArray sealed = box.seal("whsec_secret", WebhookStore::secretAad(webhookA, 1));
        QVERIFY(box.open(sealed, WebhookStore::secretAad(webhookA, 1)).has_value());
        QVERIFY(!box.open(sealed, WebhookStore::secretAad(webhookB, 1)).has_value()); // other webhook
        QVERIFY(!box.open(sealed, WebhookStore::secretAad(webhookA, 2)).has_value()); // other version
    }

    void rejectsBadKeySize()
    {
        const SecretBox box(Random::bytes(16));
        QVERIFY(!box.isValid());
        QVERIFY(!box.open(QByteArray(40, 'x'), "aad").has_value());
    }
};

QTEST_GUILESS_MAIN(TestSecretBox)
#include "tst_secretbox.moc"
