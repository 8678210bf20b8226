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
};

} // namespace Alfe
