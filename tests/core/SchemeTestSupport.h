#pragma once

// What the signature scheme tests share: a fixed clock, the kinds of secret each sender shows, and signatures
// computed with Qt's own HMAC (QMessageAuthenticationCode), not with the code under test.
#include "ProviderExamples.h"
#include "crypto/SignatureSchemes.h"

#include <QMessageAuthenticationCode>

namespace Alfe::Test::SchemeTests {

using SignatureSchemes::Verification;

inline constexpr qint64 NowMs = 1'750'000'000'000;
inline constexpr qint64 NowSeconds = NowMs / 1000;

// The kinds of secret each sender shows. Alfe's is "whsec_" + base64 of 32 bytes, like its real ones.
inline const QByteArray AlfeSecret = "whsec_xI68V5GXvvb4GwA0tD8fEC6+smtFi/c9POeoW3HkLWg=";
inline const QByteArray StripeSecret = "whsec_Zr4kQn7TsXb2Lp9WmCv5Hd1JgFy8Ea3U";
inline const QByteArray GitHubSecret = "It's a Secret to Everybody";

inline const QByteArray Body = "{\"id\":\"evt_1NG8Du2eZvKYlo2CUI79vXWy\",\"type\":\"invoice.paid\"}";

inline QByteArray hmac(const QByteArray& key, const QByteArray& data)
{
    return QMessageAuthenticationCode::hash(data, key, QCryptographicHash::Sha256);
}

inline QByteArray stripeV1(const QByteArray& secret, qint64 t, const QByteArray& body)
{
    return hmac(secret, QByteArray::number(t) + '.' + body).toHex();
}

inline HeaderList stripeHeaders(const QByteArray& value)
{
    return {{"Content-Type", "application/json"}, {"Stripe-Signature", value}};
}

inline HeaderList stripeSigned(const QByteArray& secret, qint64 t, const QByteArray& body)
{
    return stripeHeaders("t=" + QByteArray::number(t) + ",v1=" + stripeV1(secret, t, body));
}

inline HeaderList slackSigned(const QByteArray& secret, const QByteArray& timestamp, const QByteArray& body)
{
    return {{"X-Slack-Request-Timestamp", timestamp},
            {"X-Slack-Signature", "v0=" + hmac(secret, "v0:" + timestamp + ':' + body).toHex()}};
}

// The Standard Webhooks key: the base64 after "whsec_".
inline QByteArray standardV1(const QByteArray& secret, const QByteArray& id, qint64 t, const QByteArray& body)
{
    const QByteArray key = QByteArray::fromBase64(secret.mid(6));
    return "v1," + hmac(key, id + '.' + QByteArray::number(t) + '.' + body).toBase64();
}

inline HeaderList standardHeaders(const QByteArray& id, qint64 t, const QByteArray& signature)
{
    return {{"webhook-id", id}, {"webhook-timestamp", QByteArray::number(t)}, {"webhook-signature", signature}};
}

inline HeaderList hubSigned(const char* header, const QByteArray& secret, const QByteArray& body)
{
    return {{header, "sha256=" + hmac(secret, body).toHex()}};
}

inline Verification check(Provider provider, const HeaderList& headers, const QByteArray& body,
                          const QList<QByteArray>& alfe, const QList<QByteArray>& provided, qint64 nowMs = NowMs,
                          int toleranceSeconds = 300)
{
    return SignatureSchemes::verify(provider, SignedRequest{headers, body, nowMs, toleranceSeconds},
                                    SchemeKeys{alfe, provided});
}

// "verified by X" or "refused: why", so that a failing comparison shows both.
inline QString outcome(const Verification& v)
{
    return v.verified() ? QStringLiteral("verified by ") + v.scheme : QStringLiteral("refused: ") + v.reason;
}

inline QString verifiedBy(const char* scheme)
{
    return QStringLiteral("verified by ") + QLatin1String(scheme);
}

inline QString refused(const QString& reason)
{
    return QStringLiteral("refused: ") + reason;
}

// The secret with one byte changed (for a Standard Webhooks secret, a byte of its base64 that changes the key).
inline QByteArray oneByteOff(QByteArray secret)
{
    const int at = secret.startsWith("whsec_") ? 6 : secret.size() - 1;
    secret[at] = secret[at] == 'A' ? 'B' : 'A';
    return secret;
}

// Whether a secret is a Standard Webhooks key: base64, after "whsec_" if it has it.
inline bool isBase64Key(const QByteArray& secret)
{
    const auto decoded = QByteArray::fromBase64Encoding(secret.startsWith("whsec_") ? secret.mid(6) : secret,
                                                        QByteArray::AbortOnBase64DecodingErrors);
    return decoded && !decoded.decoded.isEmpty();
}

inline QByteArray oneByteOffBody(QByteArray body)
{
    body[body.size() - 2] = body[body.size() - 2] == '1' ? '2' : '1';
    return body;
}

} // namespace Alfe::Test::SchemeTests
