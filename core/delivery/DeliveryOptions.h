#pragma once

#include "domain/RetrySchedule.h"

namespace Alfe {

// How deliveries are forwarded to agents. The console and `alfe serve` fill it from settings.
struct DeliveryOptions
{
    RetrySchedule schedule;
    int timeoutMs = 10'000;
    int perAgentConcurrency = 16; // attempts in flight per agent (first attempts leave in order)
    int maxInFlight = 512;
    int offlineAfterConnectionFailures = 3;
    int retentionDays = 30; // 0 = keep forever
    int purgeBatch = 500;
    qint64 purgeIntervalMs = 3'600'000;
    int pollIntervalMs = 1000; // also picks up retries queued by other processes (the CLI)

    // Several nodes on one PostgreSQL database (SPEC §14): this node's id (empty: the only node), and how long
    // its lease on an agent lasts unless renewed (every third of it). A dead node's agents are taken over by
    // the others once their leases expire.
    QString nodeId;
    int leaseMs = 30'000;

    // Agents' live streams (SPEC §12).
    int streamAckTimeoutMs = 10'000;   // no ack or nack within this: a failed attempt
    int streamPingIntervalMs = 20'000; // a ping when the peer said nothing for this long
    int streamDeadAfterMs = 40'000;    // a peer silent this long (pongs included) is dropped: within 45 s
    int streamDefaultWindow = 16;      // unacknowledged deliveries in flight, unless ?window=N says otherwise
    static constexpr int StreamMaxWindow = 256;
};

} // namespace Alfe
