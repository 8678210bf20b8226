// The retry policy (SPEC §5) as a table: what each outcome means for the delivery and for its agent.
#include "delivery/AttemptVerdict.h"
#include "domain/RetrySchedule.h"

#include <QTest>

using namespace Alfe;
using Verdict = AttemptVerdict::Agent;
using Kind = AttemptOutcome::Kind;

Q_DECLARE_METATYPE(Alfe::AttemptVerdict::Agent)
Q_DECLARE_METATYPE(Alfe::AttemptOutcome::Kind)
Q_DECLARE_METATYPE(Alfe::DeliveryStatus)
Q_DECLARE_METATYPE(Alfe::AgentStatus)

class TestAttemptVerdict : public QObject
{
    Q_OBJECT

private slots:
    void verdicts_data()
    {
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<qint64>("retryAfterMs");
        QTest::addColumn<bool>("probe");
        QTest::addColumn<AgentStatus>("agentStatus");
        QTest::addColumn<int>("failures");
        QTest::addColumn<int>("connectionFailures");
        QTest::addColumn<DeliveryStatus>("status");
        QTest::addColumn<int>("failuresAfter");
        QTest::addColumn<qint64>("nextAttemptAt"); // -1: none
        QTest::addColumn<Verdict>("agent");

        const auto On = AgentStatus::Online;
        const auto Off = AgentStatus::Offline;
        // now = 1,000,000; received at 500; schedule 0 / 5 s / 300 s: three attempts in all.
        QTest::newRow("2xx") << Kind::Delivered << -1LL << false << On << 0 << 0 << DeliveryStatus::Delivered << 0
                             << -1LL << Verdict::Answered;
        QTest::newRow("500, first failure") << Kind::Failed << -1LL << false << On << 0 << 0 << DeliveryStatus::Retrying
                                            << 1 << 1'005'000LL << Verdict::Answered;
        QTest::newRow("503 with Retry-After") << Kind::Failed << 60'000LL << false << On << 0 << 0
                                              << DeliveryStatus::Retrying << 1 << 1'060'000LL << Verdict::Answered;
        QTest::newRow("500, budget spent") << Kind::Failed << -1LL << false << On << 2 << 0 << DeliveryStatus::Failed
                                           << 3 << -1LL << Verdict::Answered;
        QTest::newRow("refused, first") << Kind::ConnectionFailure << -1LL << false << On << 0 << 0
                                        << DeliveryStatus::Retrying << 1 << 1'005'000LL << Verdict::ConnectionFailure;
        QTest::newRow("refused, third in a row: offline")
            << Kind::ConnectionFailure << -1LL << false << On << 1 << 2 << DeliveryStatus::Queued << 1 << 500LL
            << Verdict::WentOffline;
        QTest::newRow("refused after the agent went offline")
            << Kind::ConnectionFailure << -1LL << false << Off << 0 << 3 << DeliveryStatus::Queued << 0 << 500LL
            << Verdict::Unchanged;
        QTest::newRow("probe refused") << Kind::ConnectionFailure << -1LL << true << Off << 0 << 3
                                       << DeliveryStatus::Queued << 0 << 500LL << Verdict::ProbeFailed;
        QTest::newRow("probe answered 2xx") << Kind::Delivered << -1LL << true << Off << 0 << 3
                                            << DeliveryStatus::Delivered << 0 << -1LL << Verdict::CameOnline;
        QTest::newRow("probe answered 500") << Kind::Failed << -1LL << true << Off << 0 << 3 << DeliveryStatus::Retrying
                                            << 1 << 1'005'000LL << Verdict::CameOnline;
        QTest::newRow("410") << Kind::Gone << -1LL << false << On << 0 << 0 << DeliveryStatus::Queued << 0 << 500LL
                             << Verdict::Paused;
    }

    void verdicts()
    {
        QFETCH(Kind, kind);
        QFETCH(qint64, retryAfterMs);
        QFETCH(bool, probe);
        QFETCH(AgentStatus, agentStatus);
        QFETCH(int, failures);
        QFETCH(int, connectionFailures);
        QFETCH(DeliveryStatus, status);
        QFETCH(int, failuresAfter);
        QFETCH(qint64, nextAttemptAt);
        QFETCH(Verdict, agent);

        AttemptVerdict::Input in;
        in.outcome.kind = kind;
        in.outcome.retryAfterMs = retryAfterMs;
        in.probe = probe;
        in.agentStatus = agentStatus;
        in.failures = failures;
        in.receivedAtMs = 500;
        in.connectionFailures = connectionFailures;
        in.offlineAfter = 3;
        in.nowMs = 1'000'000;
        const AttemptVerdict v = AttemptVerdict::of(in, RetrySchedule({0, 5'000, 300'000}, 0.0));
        QCOMPARE(v.status, status);
        QCOMPARE(v.failures, failuresAfter);
        QCOMPARE(v.nextAttemptAtMs.value_or(-1), nextAttemptAt);
        QCOMPARE(v.agent, agent);
    }
};

QTEST_GUILESS_MAIN(TestAttemptVerdict)
#include "tst_attemptverdict.moc"
