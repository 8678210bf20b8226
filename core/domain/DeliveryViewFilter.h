#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"

#include <QString>

#include <optional>

namespace Alfe {

// What the deliveries view shows: every part is optional and they combine with AND.
struct DeliveryViewFilter
{
    // A delivery id prefix ("dlv_01J…"), a webhook id prefix ("whk_…"), or a piece of an event type.
    QString text;
    std::optional<DeliveryStatus> status;
    QString webhookId;
    std::optional<Provider> provider;
    qint64 sinceMs = 0; // received at or after; 0 = any time
    qint64 untilMs = 0; // received before; 0 = any time (the admin API's `to`)
    QString agentId;    // only the deliveries of this agent's webhooks

    bool isEmpty() const
    {
        return text.trimmed().isEmpty() && !status && webhookId.isEmpty() && !provider && sinceMs == 0 &&
               untilMs == 0 && agentId.isEmpty();
    }
};

} // namespace Alfe
