#pragma once

#include "domain/Result.h"

#include <QStringList>

namespace Alfe {
class Engine;
}

namespace Alfe::Bench {

// A large delivery log for the deliveries view's benchmark and tests.
struct DeliveryLog
{
    QString agentId;
    QStringList webhookIds; // github, stripe, generic, github, slack
    qint64 newestMs = 0;    // received time of the newest row; rows are one second apart
};

// Writes `rows` deliveries straight into the engine's SQLite file in one transaction (one INSERT …
// WITH RECURSIVE): ids that sort like their receive time (as Ids::newDeliveryId makes them), five
// webhooks in turn, about 1 % failed, 0.5 % duplicate, 0.2 % retrying, the rest delivered. The
// engine must be unlocked. A million rows take about ten seconds on a two-core machine.
Result<DeliveryLog> generateDeliveryLog(Engine& engine, int rows, qint64 newestMs);

// Resident set size of this process in KiB (VmRSS of /proc/self/status), or -1.
qint64 residentKiB();

} // namespace Alfe::Bench
