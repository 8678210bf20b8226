#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"

#include <QString>

#include <optional>

namespace Alfe {

// One line of the delivery log as the list shows it: the summary columns only, kept compact because a
// scrolled-through list holds many of them. Display strings are built when asked for, not stored.
struct DeliveryRow
{
    QString id;
    QString webhookId;
    qint64 receivedAtMs = 0;
    Provider provider = Provider::Generic;
    QString eventType;
    DeliveryStatus status = DeliveryStatus::Queued;
    int attemptCount = 0;
    std::optional<int> lastStatusCode;
    std::optional<qint64> lastLatencyMs;
    QString duplicateOf;

    // The keyset order of the log: newest first means (receivedAtMs, id) descending.
    bool isNewerThan(const DeliveryRow& other) const
    {
        return receivedAtMs != other.receivedAtMs ? receivedAtMs > other.receivedAtMs : id > other.id;
    }
};

} // namespace Alfe
