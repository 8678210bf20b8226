#include "delivery/AttemptVerdict.h"

#include "domain/RetrySchedule.h"

namespace Alfe {

AttemptVerdict AttemptVerdict::of(const Input& in, const RetrySchedule& schedule)
{
    AttemptVerdict v;
    v.failures = in.failures;
    const bool away = in.agentStatus != AgentStatus::Online;
    // Waiting again as it arrived: first in line when the agent can receive again, nothing spent.
    const auto waitAsQueued = [&] {
        v.status = DeliveryStatus::Queued;
        v.nextAttemptAtMs = in.receivedAtMs;
    };

    switch (in.outcome.kind) {
    case AttemptOutcome::Kind::Delivered:
        v.status = DeliveryStatus::Delivered;
        v.agent = away ? Agent::CameOnline : Agent::Answered;
        return v;
    case AttemptOutcome::Kind::Gone:
        // The agent said its endpoint is gone: its forwarding pauses; this delivery waits with it.
        waitAsQueued();
        v.agent = Agent::Paused;
        return v;
    case AttemptOutcome::Kind::ConnectionFailure:
        if (in.probe) {
            waitAsQueued(); // a probe does not spend the delivery's budget
            v.agent = Agent::ProbeFailed;
            return v;
        }
        if (away) {
            // Sent before the agent was found offline: its failure is the agent being away.
            waitAsQueued();
            return v;
        }
        if (in.connectionFailures + 1 >= in.offlineAfter) {
            waitAsQueued();
            v.agent = Agent::WentOffline;
            return v;
        }
        v.agent = Agent::ConnectionFailure;
        break;
    case AttemptOutcome::Kind::Interrupted:
        // Sent on a stream that closed before the agent answered: first in line when it is back.
        waitAsQueued();
        return v;
    case AttemptOutcome::Kind::Failed:
        v.agent = away ? Agent::CameOnline : Agent::Answered; // it answered, though unhappy with this one
        break;
    }
    ++v.failures;
    qint64 delay = schedule.delayAfter(v.failures);
    if (delay >= 0 && in.outcome.retryAfterMs >= 0)
        delay = in.outcome.retryAfterMs;
    if (delay < 0) {
        v.status = DeliveryStatus::Failed;
    } else {
        v.status = DeliveryStatus::Retrying;
        v.nextAttemptAtMs = in.nowMs + delay;
    }
    return v;
}

} // namespace Alfe
