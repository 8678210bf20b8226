#pragma once

#include <QString>

namespace Alfe::Ids {

// Opaque, prefixed ids: "<prefix>_<ULID>". They reveal nothing about the owner.
inline constexpr QLatin1String AgentPrefix{"agt_"};
inline constexpr QLatin1String WebhookPrefix{"whk_"};
inline constexpr QLatin1String DeliveryPrefix{"dlv_"};

QString newAgentId(qint64 nowMs);
QString newWebhookId(qint64 nowMs);
QString newDeliveryId(qint64 nowMs);

bool isAgentId(QStringView id);
bool isWebhookId(QStringView id);
bool isDeliveryId(QStringView id);

} // namespace Alfe::Ids
