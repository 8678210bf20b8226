#include "crypto/Secrets.h"
#include "crypto/Signature.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Alfe;

class TestSignature : public QObject
{
    Q_OBJECT

private slots:
    void rfc4231_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("mac");
        QByteArray key4;
        for (char c = 1; c <= 25; ++c)
            key4 += c;
        QTest::newRow("case 1") << QByteArray(20, '\x0b') << QByteArray("Hi There")
                                << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        QTest::newRow("case 2") << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
                                << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        QTest::newRow("case 3") << QByteArray(20, '\xaa') << QByteArray(50, '\xdd')
                                << QByteArray("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
        QTest::newRow("case 4") << key4 << QByteArray(50, '\xcd')
                                << QByteArray("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
        // Case 5 specifies only the first 128 bits of the output.
        QTest::newRow("case 5") << QByteArray(20, '\x0c') << QByteArray("Test With Truncation")
                                << QByteArray("a3b6167473100ee06e0c796c2955552b");
        QTest::newRow("case 6") << QByteArray(131, '\xaa')
                                << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
                                << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        QTest::newRow("case 7") << QByteArray(131, '\xaa')
                                << QByteArray("This is a test using a larger than block-size key and a larger than "
                                              "block-size data. The key needs to be hashed before being used by the "
                                              "HMAC algorithm.")
                                << QByteArray("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    }

    void rfc4231()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, mac);
        QCOMPARE(Signature::hmacSha256(key, data).toHex().left(mac.size()), mac);
    }

    void githubKnownAnswer()
    {
        const QByteArray secret = "It's a Secret to Everybody";
        const QByteArray expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        QCOMPARE(Signature::sign(secret, "Hello, World!"), expected);
        QVERIFY(Signature::verify(expected, "Hello, World!", {secret}));
    }

    // docs/signature-test-vectors.json is the public contract; the docs' examples are checked against the
    // same file (tests/docs).
    void publishedVectors()
    {
        QFile file(QStringLiteral(ALFE_SOURCE_DIR "/docs/signature-test-vectors.json"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        const QJsonArray vectors =
            QJsonDocument::fromJson(file.readAll()).object().value(QLatin1String("vectors")).toArray();
        QVERIFY(vectors.size() >= 20);
        int valid = 0;
        for (const auto& entry : vectors) {
            const QJsonObject v = entry.toObject();
            const QByteArray name = v.value(QLatin1String("name")).toString().toUtf8();
            const QByteArray secret = v.value(QLatin1String("secret")).toString().toUtf8();
            const QByteArray body = QByteArray::fromBase64(v.value(QLatin1String("bodyBase64")).toString().toLatin1());
            const QByteArray header = v.value(QLatin1String("header")).toString().toUtf8();
            const bool expected = v.value(QLatin1String("valid")).toBool();
            QVERIFY2(Signature::verify(header, body, {secret}) == expected, name.constData());
            if (expected && header == header.toLower()) {
                QCOMPARE(Signature::sign(secret, body), header);
                ++valid;
            }
        }
        QVERIFY(valid >= 5);
    }

    void rejectsMalformedHeaders_data()
    {
        QTest::addColumn<QByteArray>("header");
        const QByteArray good = Signature::sign("whsec_test", "{\"a\":1}");
        const QByteArray hex = good.mid(7);
        QTest::newRow("missing") << QByteArray();
        QTest::newRow("empty value") << QByteArray("sha256=");
        QTest::newRow("sha1 prefix") << QByteArray("sha1=") + hex.left(40);
        QTest::newRow("sha1 prefix, sha256 length") << QByteArray("sha1=") + hex;
        QTest::newRow("truncated") << good.left(good.size() - 2);
        QTest::newRow("odd length") << good.left(good.size() - 1);
        QTest::newRow("too long") << good + "00";
        QTest::newRow("non-hex") << QByteArray(good).replace(10, 1, "z");
        QTest::newRow("no prefix") << hex;
        QTest::newRow("upper-case prefix") << QByteArray("SHA256=") + hex;
        QTest::newRow("leading space") << QByteArray(" ") + good;
        QTest::newRow("wrong secret") << Signature::sign("whsec_other", "{\"a\":1}");
    }

    void rejectsMalformedHeaders()
    {
        QFETCH(QByteArray, header);
        QVERIFY(!Signature::verify(header, "{\"a\":1}", {QByteArray("whsec_test")}));
    }

    void acceptsUpperCaseHex()
    {
        const QByteArray good = Signature::sign("whsec_test", "{\"a\":1}");
        const QByteArray upper = "sha256=" + good.mid(7).toUpper();
        QVERIFY(upper != good);
        QVERIFY(Signature::verify(upper, "{\"a\":1}", {QByteArray("whsec_test")}));
    }

    void triesEveryValidSecret()
    {
        const QByteArray current = Secrets::newWebhookSecret();
        const QByteArray previous = Secrets::newWebhookSecret();
        const QByteArray body = "{\"event\":\"push\"}";
        QVERIFY(Signature::verify(Signature::sign(previous, body), body, {current, previous}));
        QVERIFY(Signature::verify(Signature::sign(current, body), body, {current, previous}));
        QVERIFY(!Signature::verify(Signature::sign(previous, body), body, {current}));
        QVERIFY(!Signature::verify(Signature::sign(current, body), body, {}));
    }

    void signsExactBytes()
    {
        const QByteArray secret = Secrets::newWebhookSecret();
        const QByteArray header = Signature::sign(secret, "{\"a\": 1}");
        QVERIFY(!Signature::verify(header, "{\"a\":1}", {secret}));    // re-serialized
        QVERIFY(!Signature::verify(header, "{\"a\": 1}\n", {secret})); // trailing newline
        QVERIFY(Signature::verify(header, "{\"a\": 1}", {secret}));
    }
};

QTEST_GUILESS_MAIN(TestSignature)
#include "tst_signature.moc"
