#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"

#include <QByteArray>
#include <QString>

namespace Alfe {

// A realistic event as the provider would send it, with fresh ids so the ingress never takes two
// test events for duplicates.
struct SampleEvent
{
    QString eventType;  // what the ingress should classify it as
    QByteArray body;    // compact JSON
    HeaderList headers; // provider headers (besides Content-Type and the signature)
};

// GitHub `push`, Stripe `invoice.paid`, Slack `event_callback` with an `app_mention`, or a generic
// `alfe.test` event.
SampleEvent samplePayload(Provider provider, const QString& webhookId, qint64 nowMs);

} // namespace Alfe
