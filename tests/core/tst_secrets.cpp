#include "crypto/Secrets.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <atomic>
#include <chrono>
#include <thread>

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

    // A buffer held by one array alone is overwritten where it is: the secret's bytes themselves, not a copy.
    void cleanseWipesTheBufferItAloneHolds()
    {
        QByteArray secret = Secrets::newWebhookSecret();
        const char* bytes = secret.constData();
        QVERIFY(Secrets::overwrite(secret));
        QCOMPARE(secret.constData(), bytes);
        QCOMPARE(secret, QByteArray(Secrets::WebhookSecretLength, '\0'));
        QVERIFY(Secrets::cleanse(secret));
        QVERIFY(secret.isEmpty());
    }

    // A buffer shared with another holder (a reply queued to another thread) is neither zeroed under it, nor
    // copied by a detach only to wipe the copy: cleanse() lets go, says so, and the last holder wipes it.
    void sharedBufferIsWipedByItsLastHolder()
    {
        QByteArray secret = Secrets::newWebhookSecret();
        const QByteArray original(secret.constData(), secret.size()); // a deep copy, to compare with
        QByteArray queued = secret;
        const char* bytes = queued.constData();
        QVERIFY(!Secrets::overwrite(secret));
        QVERIFY(!Secrets::cleanse(secret));
        QVERIFY(secret.isEmpty());
        QCOMPARE(queued, original); // what is still being sent is intact
        QCOMPARE(queued.constData(), bytes);
        QVERIFY(queued.isDetached()); // it is the last holder now
        QVERIFY(Secrets::overwrite(queued));
        QCOMPARE(queued.constData(), bytes);
        QCOMPARE(queued, QByteArray(original.size(), '\0'));

        QByteArray literal = QByteArray::fromRawData("whsec_notours", 13); // not our buffer: never written
        QVERIFY(!Secrets::cleanse(literal));
    }

    // The management API's answer with a new secret: the ingress thread holds it until it is written. The
    // shredder waits for that (the answer arrives whole) and wipes it as soon as it is the last holder, on
    // its own timer.
    void shredderWipesAnAnswerOnceTheOtherThreadLetsGo()
    {
        QByteArray answer = "{\"secret\":\"" + Secrets::newWebhookSecret() + "\"}";
        const QByteArray expected(answer.constData(), answer.size());
        std::atomic<bool> release{false};
        std::atomic<bool> intact{false};
        std::thread ingress([copy = answer, &expected, &release, &intact]() mutable {
            while (!release)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            intact = copy == expected; // "written to the socket"
            copy = QByteArray();
        });
        Secrets::Shredder shredder;
        shredder.keep(std::move(answer));
        QVERIFY(answer.isEmpty());
        QTest::qWait(250); // a few sweeps go by while the other thread holds it
        QCOMPARE(shredder.waiting(), 1);
        release = true;
        ingress.join();
        QVERIFY(intact);
        QTRY_COMPARE(shredder.waiting(), 0); // swept by its timer, not by a call

        QByteArray alone = Secrets::newWebhookSecret(); // nobody else holds it: wiped at once
        shredder.keep(std::move(alone));
        QCOMPARE(shredder.waiting(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
