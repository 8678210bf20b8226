#pragma once

#include "domain/Delivery.h"

#include <QByteArray>

namespace Alfe::ForwardRequest {

// The headers Alfe adds to a delivery it forwards to an agent: the original headers minus
// hop-by-hop ones, Host, Authorization, Cookie and framing, plus X-Alfe-* and the signatures:
// X-Alfe-Signature-256 (same contract as the ingress) and Standard Webhooks' webhook-id,
// webhook-timestamp and webhook-signature, so agents can verify with stock libraries.
HeaderList headers(const Delivery& delivery, const QByteArray& secret, int attempt, qint64 nowMs);
// (Schemes::standardWebhooksSignature computes the last.)

} // namespace Alfe::ForwardRequest
