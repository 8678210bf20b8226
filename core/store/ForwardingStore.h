#pragma once

#include "domain/AttemptOutcome.h"
#include "domain/Delivery.h"
#include "domain/Result.h"

namespace Alfe {

class Clock;
class Database;
class RetrySchedule;

// The database side of forwarding, on the scheduler's own connection: what is due, attempt records,
// and the agents' online/offline/paused state.
class ForwardingStore final
{
public:
    struct Due
    {
        QString deliveryId;
        QString agentId;
        QString forwardUrl;
        bool probe = false; // the one try that tells whether an offline agent is back
    };

    struct Finished
    {
        DeliveryStatus status = DeliveryStatus::Queued;
        bool agentWentOffline = false;
        bool agentCameOnline = false;
        bool agentPaused = false;
    };

    ForwardingStore(Database& db, const Clock& clock);
    Q_DISABLE_COPY_MOVE(ForwardingStore)

    // After a crash: attempts that never finished are recorded as interrupted, and their deliveries are
    // due again (without spending a retry). Returns how many.
    int recoverInterrupted();

    // What can be sent now: up to `perAgent` of each online agent with a forward URL, oldest due first, the
    // agents' heads interleaved; `limit` in all.
    QList<Due> due(int perAgent, int limit);
    // For each offline agent whose probe time has come: its oldest waiting delivery.
    QList<Due> probes();
    // When the next delivery or probe falls due (ms since epoch), or -1.
    qint64 nextDueMs();

    // Marks the delivery as being delivered and records the start of attempt n; returns the delivery
    // (with body and headers) and n.
    Result<QPair<Delivery, int>> beginAttempt(const QString& deliveryId);
    // Records how the attempt ended and what follows for the delivery and its agent.
    Result<Finished> finishAttempt(const Due& due, int n, const AttemptOutcome& outcome, qint64 durationMs,
                                   const QByteArray& responseHeaders, const QByteArray& responseBody,
                                   const RetrySchedule& schedule, int offlineAfter);
    // A delivery that cannot be sent at all (its webhook and secret were deleted).
    Result<void> failWithoutAttempt(const QString& deliveryId, const QString& why);

    // Deletes deliveries (and their attempts) received before `cutoffMs`, at most `batch` at a time.
    int purgeBatch(qint64 cutoffMs, int batch);

private:
    Result<void> exec(const QString& sql, const QVariantList& binds);

    Database& m_db;
    const Clock& m_clock;
};

} // namespace Alfe
