#include "domain/Delivery.h"

#include <array>

namespace Alfe {

namespace {
constexpr std::array<const char*, 6> StatusNames{"queued",    "delivering", "retrying",
                                                 "delivered", "failed",     "duplicate"};
} // namespace

QString deliveryStatusName(DeliveryStatus status)
{
    return QString::fromLatin1(StatusNames.at(static_cast<size_t>(status)));
}

std::optional<DeliveryStatus> deliveryStatusFromName(const QString& name)
{
    for (size_t i = 0; i < StatusNames.size(); ++i) {
        if (name == QLatin1String(StatusNames[i]))
            return static_cast<DeliveryStatus>(i);
    }
    return std::nullopt;
}

} // namespace Alfe
