#pragma once

#include "domain/Delivery.h"

namespace Alfe::HeaderRedaction {

// Credentials a sender may put in a request: Authorization, Proxy-Authorization, Cookie. Never stored: the
// delivery log and the refused log keep the header's name and the length of its value. (They are never
// forwarded to agents either.)
bool isCredential(QByteArrayView name);
// Signature headers of the providers Alfe knows (X-Alfe-Signature-256, X-Hub-Signature(-256),
// Stripe-Signature, X-Slack-Signature, webhook-signature). Kept with an accepted delivery, because the agent
// may verify the sender's signature itself, but never shown, and not kept for a refused request.
bool isSignature(QByteArrayView name);

// "[redacted, 47 bytes]"
QByteArray redacted(const QByteArray& value);

// The headers with credentials' values redacted (what a delivery stores).
HeaderList withoutCredentials(const HeaderList& headers);
// The headers with credentials' and signatures' values redacted (what is shown, and the refused log).
HeaderList forDisplay(const HeaderList& headers);

} // namespace Alfe::HeaderRedaction
