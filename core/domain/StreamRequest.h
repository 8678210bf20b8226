#pragma once

#include <QString>

namespace Alfe {

// An agent's request for its live stream (SPEC §12), as the ingress checked it before handing the connection
// over to delivery.
struct StreamRequest
{
    QString agentId;
    int window = 0; // unacknowledged deliveries at once; 0: the default
    QString peer;   // "address:port"
};

} // namespace Alfe
