#include "domain/AttemptOutcome.h"
#include "domain/Duration.h"
#include "domain/RetrySchedule.h"

#include <QTest>

using namespace Alfe;

class TestRetrySchedule : public QObject
{
    Q_OBJECT

private slots:
    void defaultIsTheSpecs()
    {
        const RetrySchedule schedule;
        QCOMPARE(schedule.toString(), QStringLiteral("0s,5s,5m,30m,2h,5h,10h,10h"));
        QCOMPARE(schedule.maxAttempts(), 8);
        QCOMPARE(schedule.nominalDelayAfter(0), qint64(0));
        QCOMPARE(schedule.nominalDelayAfter(1), qint64(5'000));
        QCOMPARE(schedule.nominalDelayAfter(7), qint64(36'000'000));
        QCOMPARE(schedule.delayAfter(8), qint64(-1)); // spent: failed
    }

    void jitterStaysWithinTwentyPercent()
    {
        const RetrySchedule schedule;
        qint64 low = LLONG_MAX, high = 0;
        for (int i = 0; i < 2000; ++i) {
            const qint64 d = schedule.delayAfter(2); // 5 min
            QVERIFY(d >= 240'000 && d <= 360'000);
            low = std::min(low, d);
            high = std::max(high, d);
        }
        QVERIFY(low < 270'000 && high > 330'000);    // it does spread
        QCOMPARE(schedule.delayAfter(0), qint64(0)); // "immediately" stays immediate
    }

    void parse()
    {
        auto parsed = RetrySchedule::parse(QStringLiteral("0s, 10s,1m,2h,1d"));
        QVERIFY(parsed);
        QCOMPARE(parsed->toString(), QStringLiteral("0s,10s,1m,2h,1d"));
        QCOMPARE(parsed->nominalDelayAfter(4), qint64(86'400'000));
        for (const char* bad : {"", "5", "5x", "-5s", "1s,,2s", "1.5m"}) {
            auto rejected = RetrySchedule::parse(QString::fromLatin1(bad));
            QVERIFY2(!rejected, bad);
            QVERIFY(rejected.error().message.contains(QLatin1String("s, m, h or d")));
        }
    }

    // One reader of durations for the retry schedule (a unit is required) and --grace (plain seconds too).
    void durations()
    {
        QCOMPARE(Duration::parseSeconds(QStringLiteral("90s"), true), std::optional<qint64>(90));
        QCOMPARE(Duration::parseSeconds(QStringLiteral(" 30m "), true), std::optional<qint64>(1800));
        QCOMPARE(Duration::parseSeconds(QStringLiteral("1H"), true), std::optional<qint64>(3600));
        QCOMPARE(Duration::parseSeconds(QStringLiteral("7d"), false), std::optional<qint64>(7 * 86400));
        QCOMPARE(Duration::parseSeconds(QStringLiteral("12"), false), std::optional<qint64>(12));
        QVERIFY(!Duration::parseSeconds(QStringLiteral("12"), true));
        QVERIFY(!Duration::parseSeconds(QStringLiteral("1.5h"), false));
        QVERIFY(!Duration::parseSeconds(QStringLiteral("-5s"), false));
        QVERIFY(!Duration::parseSeconds(QStringLiteral("5 minutes"), false));
        QCOMPARE(Duration::formatSeconds(0), QStringLiteral("0s"));
        QCOMPARE(Duration::formatSeconds(90), QStringLiteral("90s"));
        QCOMPARE(Duration::formatSeconds(1800), QStringLiteral("30m"));
        QCOMPARE(Duration::formatSeconds(7200), QStringLiteral("2h"));
        QCOMPARE(Duration::formatSeconds(172800), QStringLiteral("2d"));
        // The schedule reads and writes the same forms, and refuses a delay past a year.
        QCOMPARE(RetrySchedule::parse(QStringLiteral("0s, 90s,30m,2h,2d"))->toString(),
                 QStringLiteral("0s,90s,30m,2h,2d"));
        QVERIFY(!RetrySchedule::parse(QStringLiteral("0s,400d")));
    }

    void outcomes()
    {
        using Kind = AttemptOutcome::Kind;
        const qint64 now = 1'750'000'000'000;
        QCOMPARE(AttemptOutcome::classify(200, {}, {}, now).kind, Kind::Delivered);
        QCOMPARE(AttemptOutcome::classify(204, {}, {}, now).kind, Kind::Delivered);
        QCOMPARE(AttemptOutcome::classify(302, {}, {}, now).kind, Kind::Failed);
        QCOMPARE(AttemptOutcome::classify(404, {}, {}, now).kind, Kind::Failed);
        QCOMPARE(AttemptOutcome::classify(410, {}, {}, now).kind, Kind::Gone);
        QCOMPARE(AttemptOutcome::classify(0, QStringLiteral("Connection refused"), {}, now).kind,
                 Kind::ConnectionFailure);
        QCOMPARE(AttemptOutcome::classify(429, {}, "30", now).retryAfterMs, qint64(30'000));
        QCOMPARE(AttemptOutcome::classify(503, {}, "Sun, 15 Jun 2025 15:07:00 GMT", 1'750'000'000'000).retryAfterMs,
                 qint64(20'000));                                                        // 15:06:40 UTC + 20 s
        QCOMPARE(AttemptOutcome::classify(500, {}, "30", now).retryAfterMs, qint64(-1)); // only 429/503
        QCOMPARE(AttemptOutcome::classify(429, {}, "soon", now).retryAfterMs, qint64(-1));
        QCOMPARE(AttemptOutcome::classify(429, {}, "999999999", now).retryAfterMs, qint64(24 * 3600 * 1000)); // capped
        QCOMPARE(AttemptOutcome::classify(503, {}, "9223372036854775807", now).retryAfterMs,
                 qint64(24 * 3600 * 1000)); // capped, not overflowed
    }
};

QTEST_GUILESS_MAIN(TestRetrySchedule)
#include "tst_retryschedule.moc"
