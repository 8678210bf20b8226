#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Alfe::Signature {

// The public contract (docs/signatures.md): header "X-Alfe-Signature-256: sha256=<64 hex>", an
// HMAC-SHA256 of the exact body bytes keyed with the UTF-8 bytes of the whole secret string.
inline constexpr char HeaderName[] = "X-Alfe-Signature-256";
inline constexpr char GitHubHeaderName[] = "X-Hub-Signature-256";

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);

// "sha256=" + lower-case hex.
QByteArray sign(QByteArrayView secret, QByteArrayView body);

// True when the header is exactly "sha256=" followed by 64 hex digits (either case) that equal the
// HMAC of the body under any of the secrets. Every secret is tried and compared in constant time, so
// timing does not tell which one matched or how much of the value was right.
bool verify(QByteArrayView header, QByteArrayView body, const QList<QByteArray>& secrets);

// True when `hex` is exactly 64 hex digits (either case) equal to the HMAC-SHA256 of `data` under any of the
// keys, compared in constant time with every key tried. Stripe's v1 and Slack's v0 values are this.
bool matchesHex(QByteArrayView hex, QByteArrayView data, const QList<QByteArray>& keys);
// The most signatures one header may carry (Stripe and Standard Webhooks send several during a rotation, two
// or three in practice). Each costs no HMAC, but a sender must not make the list a way to spend CPU.
inline constexpr int MaxSignaturesPerHeader = 8;
// Whether any of the claimed 32-byte digests equals the HMAC-SHA256 of `data` under any key: one HMAC per key,
// however many digests are claimed, each compared with every expected value in constant time.
bool matchesAnyDigest(const QList<QByteArray>& claimed, QByteArrayView data, const QList<QByteArray>& keys);
// 64 hex digits (either case) as 32 bytes; empty when `hex` is anything else.
QByteArray decodeHexDigest(QByteArrayView hex);

// Whether `hex` is 64 hex digits (either case): the form of every hex HMAC-SHA256 a sender puts in a header.
bool isHexDigest(QByteArrayView hex);
// The same with a raw 32-byte digest (a decoded Standard Webhooks value): false for any other size.
bool matchesDigest(QByteArrayView digest, QByteArrayView data, const QList<QByteArray>& keys);

} // namespace Alfe::Signature
