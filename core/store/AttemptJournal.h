#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace Alfe {

class Database;

// What the delivery thread did, written in one transaction per round (group commit): attempts started
// and finished, deliveries' new states, agents' online/offline/paused state. Records accumulate in order
// and commit() writes them all, so that a round of a hundred attempts costs one fsync, not two hundred.
// At least once: if the process dies before a commit, the deliveries are still waiting in the store and
// are sent again.
class AttemptJournal final
{
public:
    struct Finished
    {
        QString deliveryId;
        int attempt = 0;
        qint64 durationMs = 0;
        int statusCode = 0; // 0: no HTTP answer
        QString error;      // network error or timeout, else empty
        QByteArray responseHeaders;
        QByteArray responseBody;
        DeliveryStatus status = DeliveryStatus::Queued;
        int failures = 0;
        std::optional<qint64> nextAttemptAtMs;
        QString via = QStringLiteral("http"); // or "stream"
    };

    struct AgentState
    {
        QString agentId;
        AgentStatus status = AgentStatus::Online;
        int connectionFailures = 0;
        int probeFailures = 0;
        std::optional<qint64> nextProbeAtMs;
    };

    // Records, in order, as one transaction's work on whichever connection writes them (the ingress's writer
    // thread while it runs, so that the two never contend for SQLite's write lock).
    using Batch = std::vector<std::function<Result<void>(Database&)>>;

    AttemptJournal() = default;
    Q_DISABLE_COPY_MOVE(AttemptJournal)

    void started(const QString& deliveryId, int attempt, qint64 atMs, const QString& via = QStringLiteral("http"));
    void finished(Finished result);
    // An attempt whose start was never recorded (it was answered quickly): the whole attempt at once.
    void startedAndFinished(Finished result, qint64 startedAtMs);
    // A delivery that cannot be sent at all (its webhook and secret were deleted): failed, with an attempt
    // that says why.
    void unsendable(const QString& deliveryId, int attempt, qint64 atMs, const QString& why);
    void agent(AgentState state);
    // The agent's live stream: opened by `peer` at `sinceMs`, or closed (no value).
    void stream(const QString& agentId, const QString& peer, std::optional<qint64> sinceMs);
    // No stream is open (at start: the process that held them is gone).
    void noStreams();
    // The agent went away or came back: its retrying deliveries wait as queued, in arrival order, with
    // the budget they had (their failures were the agent being away).
    void requeueRetrying(const QString& agentId);

    bool isEmpty() const { return m_ops.empty(); }
    // What was recorded so far; the journal starts empty again.
    Batch take();
    // Writes a batch in one transaction. A record that cannot be written (its delivery was deleted meanwhile)
    // is skipped and counted; the others still commit.
    static Result<void> write(Database& db, const Batch& batch, int* skipped = nullptr);
    // The same inside a transaction the caller has open (the writer's batch); returns how many were skipped.
    static int apply(Database& db, const Batch& batch);

private:
    static Result<void> run(Database& db, const QString& sql, const QVariantList& binds);

    struct Start
    {
        size_t index = 0; // in m_ops
        int attempt = 0;
        qint64 atMs = 0;
    };

    Batch m_ops;
    QHash<QString, Start> m_starts; // attempts started in this round and not yet finished
};

} // namespace Alfe
