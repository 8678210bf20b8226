#pragma once

#include "crypto/SignatureScheme.h"

#include <optional>

namespace Alfe::SignatureSchemes {

// Every scheme the ingress knows, in the order they are tried (Alfe's own first: the common case is cheapest).
const QList<const SignatureScheme*>& all();
const SignatureScheme* byName(const QString& name);

struct Verification
{
    QString scheme; // the scheme that verified the request; empty when none did
    QString reason; // when none did: why, for the 401 and the refused log
    bool verified() const { return !scheme.isEmpty(); }
};

// Tries every scheme that applies to `provider` until one verifies. When none does, the reason names what the
// request lacked ("no signature header for this provider (expected …)") or what each present signature failed
// on ("Stripe-Signature timestamp 412 s old (tolerance 300 s)").
Verification verify(Provider provider, const SignedRequest& request, const SchemeKeys& keys);

// The scheme the provider's own sender would use for a webhook with these keys: Stripe-Signature for a stripe
// webhook with an imported secret, X-Slack-Signature for slack, X-Hub-Signature-256 for github, Standard
// Webhooks for any other webhook with an imported `whsec_` secret, and X-Alfe-Signature-256 otherwise.
const SignatureScheme& senderScheme(Provider provider, const SchemeKeys& keys);
// The scheme that reads a provider secret imported on a webhook of `provider` (the provider's own header):
// Stripe-Signature, X-Slack-Signature, X-Hub-Signature-256, and Standard Webhooks for a generic webhook.
const SignatureScheme& importedSecretScheme(Provider provider);

// A scheme as a person reads it: "Stripe-Signature (stripe)"; the name alone for one this build does not know;
// empty for empty (a delivery stored before the scheme was recorded).
QString describe(const QString& scheme);

// A Unix timestamp in seconds as providers send it: 1 to 12 digits, nothing else.
std::optional<qint64> parseTimestamp(QByteArrayView text);
// The end every timestamped scheme shares, once it has compared: "<header> does not match the body", then (checked
// after the signature, as Stripe does, so a stale timestamp is said only of a genuine request) "<header> timestamp
// 412 s old (tolerance 300 s)" or "… in the future …", else verified.
SchemeVerdict timestampedVerdict(const QByteArray& header, bool matched, qint64 timestampSeconds,
                                 const SignedRequest& request);
// "no <provider> signing secret imported for this webhook (alfe webhook set-provider-secret)".
SchemeVerdict noSecretImported(const char* provider);

} // namespace Alfe::SignatureSchemes
