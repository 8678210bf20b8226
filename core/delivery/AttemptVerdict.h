#pragma once

#include "domain/AttemptOutcome.h"
#include "domain/Delivery.h"

#include <optional>

namespace Alfe {

class RetrySchedule;

// What an attempt's outcome means for its delivery and its agent: the retry policy of SPEC §5 as one pure
// function, so the scheduler only applies it.
struct AttemptVerdict
{
    enum class Agent
    {
        Unchanged,
        Answered,          // it answered: its count of connection failures starts again
        ConnectionFailure, // one more connection failure, still online
        WentOffline,       // too many connection failures in a row
        CameOnline,        // an offline agent answered (its probe, or a straggler)
        ProbeFailed,       // still offline: probe later
        Paused,            // 410: its forwarding waits for a person
    };

    struct Input
    {
        AttemptOutcome outcome;
        bool probe = false;
        AgentStatus agentStatus = AgentStatus::Online; // as the scheduler knows it when the answer lands
        int failures = 0;                              // the delivery's spent retries before this attempt
        qint64 receivedAtMs = 0;
        int connectionFailures = 0; // the agent's, in a row, before this attempt
        int offlineAfter = 3;
        qint64 nowMs = 0;
    };

    DeliveryStatus status = DeliveryStatus::Queued;
    int failures = 0;
    std::optional<qint64> nextAttemptAtMs;
    Agent agent = Agent::Unchanged;

    static AttemptVerdict of(const Input& in, const RetrySchedule& schedule);
};

} // namespace Alfe
