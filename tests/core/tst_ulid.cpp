#include "domain/Ids.h"
#include "domain/Ulid.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Alfe;

class TestUlid : public QObject
{
    Q_OBJECT

private slots:
    void formatIsCrockfordBase32()
    {
        const QRegularExpression form(QStringLiteral("^[0-7][0-9A-HJKMNP-TV-Z]{25}$"));
        for (int i = 0; i < 1000; ++i) {
            const QString id = Ulid::generate(1'700'000'000'000 + i);
            QVERIFY2(form.match(id).hasMatch(), qPrintable(id));
            QVERIFY(Ulid::isValid(id));
        }
    }

    void encodesTheTimestamp()
    {
        Ulid generator;
        for (qint64 ms :
             {qint64(0), qint64(1), qint64(1469918176385), qint64(1'700'000'000'123), (qint64(1) << 48) - 1}) {
            const QString id = generator.next(ms);
            QCOMPARE(Ulid::timestampMs(id), ms);
        }
        // The ULID spec's example timestamp: 1469918176385 encodes as 01ARYZ6S41.
        Ulid fresh;
        QCOMPARE(fresh.next(1469918176385).left(10), QStringLiteral("01ARYZ6S41"));
    }

    void clockSteppingBackStaysMonotonic()
    {
        Ulid generator;
        const QString before = generator.next(1'700'000'010'000);
        const QString after = generator.next(1'700'000'000'000); // ten seconds back
        QVERIFY(after > before);
        QCOMPARE(Ulid::timestampMs(after), qint64(1'700'000'010'000));
    }

    void uniqueOverAHundredThousand()
    {
        QSet<QString> seen;
        seen.reserve(100'000);
        const qint64 start = 1'700'000'000'000;
        for (int i = 0; i < 100'000; ++i)
            seen.insert(Ulid::generate(start + i / 100)); // 100 ids per millisecond
        QCOMPARE(seen.size(), 100'000);
    }

    void sortsInCreationOrder()
    {
        QStringList ids;
        qint64 ms = 1'700'000'000'000;
        for (int i = 0; i < 5000; ++i) {
            if (i % 7 == 0)
                ++ms; // several ids share a millisecond
            ids << Ulid::generate(ms);
        }
        QStringList sorted = ids;
        sorted.sort();
        QCOMPARE(sorted, ids);
        // A later millisecond always sorts after, whatever the random part.
        QVERIFY(Ulid::generate(ms + 1) > ids.last());
    }

    void rejectsMalformed()
    {
        QVERIFY(!Ulid::isValid(QStringLiteral("01ARYZ6S41TSV4RRFFQ69G5FA")));   // 25 chars
        QVERIFY(!Ulid::isValid(QStringLiteral("01ARYZ6S41TSV4RRFFQ69G5FAVX"))); // 27 chars
        QVERIFY(!Ulid::isValid(QStringLiteral("01ARYZ6S41TSV4RRFFQ69G5FAU")));  // U is not Crockford
        QVERIFY(!Ulid::isValid(QStringLiteral("01arYZ6S41TSV4RRFFQ69G5FAV")));  // lower case
        QVERIFY(!Ulid::isValid(QStringLiteral("81ARYZ6S41TSV4RRFFQ69G5FAV")));  // over 48 bits
        QVERIFY(Ulid::isValid(QStringLiteral("01ARYZ6S41TSV4RRFFQ69G5FAV")));
    }

    void prefixedIds()
    {
        const QString agent = Ids::newAgentId(1'700'000'000'000);
        const QString webhook = Ids::newWebhookId(1'700'000'000'000);
        const QString delivery = Ids::newDeliveryId(1'700'000'000'000);
        QVERIFY(agent.startsWith(QLatin1String("agt_")) && agent.size() == 30);
        QVERIFY(webhook.startsWith(QLatin1String("whk_")) && webhook.size() == 30);
        QVERIFY(delivery.startsWith(QLatin1String("dlv_")) && delivery.size() == 30);
        QVERIFY(Ids::isAgentId(agent) && !Ids::isWebhookId(agent));
        QVERIFY(Ids::isWebhookId(webhook) && !Ids::isDeliveryId(webhook));
        QVERIFY(Ids::isDeliveryId(delivery) && !Ids::isAgentId(delivery));
        QVERIFY(!Ids::isWebhookId(QStringLiteral("whk_../../etc/passwd")));
    }
};

QTEST_GUILESS_MAIN(TestUlid)
#include "tst_ulid.moc"
