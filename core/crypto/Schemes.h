#pragma once

#include "crypto/SignatureScheme.h"

// The schemes SignatureSchemes::all() lists, one file each.
namespace Alfe::Schemes {

const SignatureScheme& alfe();             // X-Alfe-Signature-256, the webhook's own secret (HubSignatureScheme.cpp)
const SignatureScheme& gitHub();           // X-Hub-Signature-256, own or imported secret (HubSignatureScheme.cpp)
const SignatureScheme& stripe();           // Stripe-Signature (StripeScheme.cpp)
const SignatureScheme& slack();            // X-Slack-Signature (SlackScheme.cpp)
const SignatureScheme& standardWebhooks(); // webhook-id / webhook-timestamp / webhook-signature

// The Standard Webhooks value "v1,<base64 HMAC>" of "id.timestamp.body", keyed with the base64 after "whsec_".
// The secret is read through a view: the only plain copy made is the decoded key, wiped before returning.
QByteArray standardWebhooksSignature(QByteArrayView secret, QByteArrayView id, qint64 timestampSeconds,
                                     QByteArrayView body);

} // namespace Alfe::Schemes
