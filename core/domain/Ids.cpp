#include "domain/Ids.h"

#include "domain/Ulid.h"

namespace Alfe::Ids {

namespace {
bool hasForm(QStringView id, QLatin1String prefix)
{
    return id.startsWith(prefix) && Ulid::isValid(id.mid(prefix.size()));
}
} // namespace

QString newAgentId(qint64 nowMs)
{
    return AgentPrefix + Ulid::generate(nowMs);
}
QString newWebhookId(qint64 nowMs)
{
    return WebhookPrefix + Ulid::generate(nowMs);
}
QString newDeliveryId(qint64 nowMs)
{
    return DeliveryPrefix + Ulid::generate(nowMs);
}

bool isAgentId(QStringView id)
{
    return hasForm(id, AgentPrefix);
}
bool isWebhookId(QStringView id)
{
    return hasForm(id, WebhookPrefix);
}
bool isDeliveryId(QStringView id)
{
    return hasForm(id, DeliveryPrefix);
}

} // namespace Alfe::Ids
