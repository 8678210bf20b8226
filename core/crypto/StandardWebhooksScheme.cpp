#include "crypto/Schemes.h"
#include "crypto/Secrets.h"
#include "crypto/Signature.h"
#include "crypto/SignatureSchemes.h"
#include "domain/DeliveryClassifier.h"

namespace Alfe::Schemes {

namespace {
constexpr char IdHeader[] = "webhook-id";
constexpr char TimestampHeader[] = "webhook-timestamp";
constexpr char Header[] = "webhook-signature";

// The HMAC key of a Standard Webhooks secret: the base64 after "whsec_" (or the whole text without the
// prefix), decoded strictly. Empty when it is not base64. The caller cleanses it.
QByteArray keyOf(QByteArrayView secret)
{
    const QByteArrayView prefix(Secrets::WebhookSecretPrefix);
    const QByteArrayView encoded = secret.startsWith(prefix) ? secret.sliced(prefix.size()) : secret;
    auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromRawData(encoded.data(), encoded.size()),
                                                  QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        Secrets::cleanse(decoded.decoded); // what was decoded before the bad character is secret too
        return {};
    }
    return std::move(decoded.decoded);
}

// Every usable key among the secrets: Alfe's own (it has the same "whsec_" form, so a Standard Webhooks
// sender can be given it) and the imported ones.
QList<QByteArray> keysOf(const SchemeKeys& keys)
{
    QList<QByteArray> out;
    for (const QList<QByteArray>* list : {&keys.alfe, &keys.provider}) {
        for (const QByteArray& secret : *list) {
            QByteArray key = keyOf(secret);
            if (!key.isEmpty())
                out << std::move(key);
        }
    }
    return out;
}

// "webhook-signature: v1,<base64> [v1,<base64> …]" over "<webhook-id>.<webhook-timestamp>.<body>" (the
// Standard Webhooks specification, which Svix and others send). Other versions (v1a: asymmetric) are skipped.
class StandardWebhooksScheme final : public SignatureScheme
{
public:
    QString name() const override { return QStringLiteral("standard-webhooks"); }
    QByteArray header() const override { return Header; }
    bool appliesTo(Provider) const override { return true; }

    SchemeVerdict verify(const SignedRequest& request, const SchemeKeys& keys) const override
    {
        const QByteArray value = DeliveryClassifier::header(request.headers, Header);
        if (value.isEmpty())
            return SchemeVerdict::absent();
        const QByteArray id = DeliveryClassifier::header(request.headers, IdHeader);
        const QByteArray timestamp = DeliveryClassifier::header(request.headers, TimestampHeader);
        const auto seconds = SignatureSchemes::parseTimestamp(timestamp);
        if (id.isEmpty() || !seconds)
            return SchemeVerdict::refused(
                QStringLiteral("webhook-signature needs webhook-id and webhook-timestamp (unix seconds) beside it"));
        QList<QByteArray> digests;
        for (const QByteArray& entry : value.split(' ')) {
            if (!entry.startsWith("v1,"))
                continue;
            auto decoded = QByteArray::fromBase64Encoding(entry.mid(3), QByteArray::AbortOnBase64DecodingErrors);
            if (decoded)
                digests << decoded.decoded;
        }
        if (digests.isEmpty())
            return SchemeVerdict::refused(QStringLiteral("webhook-signature has no v1,<base64> signature"));
        if (digests.size() > Signature::MaxSignaturesPerHeader)
            return SchemeVerdict::refused(QStringLiteral("webhook-signature has more than %1 v1 signatures")
                                              .arg(Signature::MaxSignaturesPerHeader));
        QList<QByteArray> keyList = keysOf(keys);
        const QByteArray signedContent = id + '.' + timestamp + '.' + request.body.toByteArray();
        const bool matched = Signature::matchesAnyDigest(digests, signedContent, keyList);
        for (QByteArray& key : keyList)
            Secrets::cleanse(key);
        return SignatureSchemes::timestampedVerdict(Header, matched, *seconds, request);
    }

    HeaderList sign(QByteArrayView body, const SchemeKeys& keys, qint64 nowMs,
                    const QByteArray& messageId) const override
    {
        // The imported secret if it is a usable one, else Alfe's own.
        for (const QList<QByteArray>* list : {&keys.provider, &keys.alfe}) {
            if (list->isEmpty())
                continue;
            QByteArray key = keyOf(list->first());
            const bool usable = !key.isEmpty();
            Secrets::cleanse(key);
            if (!usable)
                continue;
            const qint64 t = nowMs / 1000;
            return {{IdHeader, messageId},
                    {TimestampHeader, QByteArray::number(t)},
                    {Header, standardWebhooksSignature(list->first(), messageId, t, body)}};
        }
        return {};
    }
};
} // namespace

QByteArray standardWebhooksSignature(QByteArrayView secret, QByteArrayView id, qint64 timestampSeconds,
                                     QByteArrayView body)
{
    QByteArray key = keyOf(secret);
    const QByteArray signedContent =
        id.toByteArray() + '.' + QByteArray::number(timestampSeconds) + '.' + body.toByteArray();
    const QByteArray mac = Signature::hmacSha256(key, signedContent);
    Secrets::cleanse(key);
    return "v1," + mac.toBase64();
}

const SignatureScheme& standardWebhooks()
{
    static const StandardWebhooksScheme scheme;
    return scheme;
}

} // namespace Alfe::Schemes
