#include "crypto/Schemes.h"
#include "crypto/Signature.h"
#include "crypto/SignatureSchemes.h"
#include "domain/DeliveryClassifier.h"

namespace Alfe::Schemes {

namespace {
constexpr char Header[] = "Stripe-Signature";

// "Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]": HMAC-SHA256 of "<t>.<body>" keyed with
// the whole signing secret string Stripe shows ("whsec_…"). Several v1 values come during Stripe's own secret
// rotation; any one matching is enough. v0 (test-mode legacy) and unknown keys are ignored, as Stripe's
// libraries do.
class StripeScheme final : public SignatureScheme
{
public:
    QString name() const override { return QStringLiteral("stripe"); }
    QByteArray header() const override { return Header; }
    bool appliesTo(Provider provider) const override { return provider == Provider::Stripe; }

    SchemeVerdict verify(const SignedRequest& request, const SchemeKeys& keys) const override
    {
        const QByteArray value = DeliveryClassifier::header(request.headers, Header);
        if (value.isEmpty())
            return SchemeVerdict::absent();
        QByteArray timestamp;
        QList<QByteArray> signatures;
        int timestamps = 0;
        for (const QByteArray& part : value.split(',')) {
            const QByteArray item = part.trimmed();
            if (item.startsWith("t=")) {
                timestamp = item.mid(2);
                ++timestamps;
            } else if (item.startsWith("v1=")) {
                signatures << item.mid(3);
            }
        }
        const auto seconds = timestamps == 1 ? SignatureSchemes::parseTimestamp(timestamp) : std::nullopt;
        if (!seconds)
            return SchemeVerdict::refused(QStringLiteral("Stripe-Signature has no single t=<unix seconds>"));
        if (signatures.isEmpty())
            return SchemeVerdict::refused(QStringLiteral("Stripe-Signature has no v1 signature"));
        if (signatures.size() > Signature::MaxSignaturesPerHeader)
            return SchemeVerdict::refused(QStringLiteral("Stripe-Signature has more than %1 v1 signatures")
                                              .arg(Signature::MaxSignaturesPerHeader));
        if (keys.provider.isEmpty())
            return SignatureSchemes::noSecretImported("Stripe");
        const QByteArray signedPayload = timestamp + '.' + request.body.toByteArray();
        QList<QByteArray> digests;
        for (const QByteArray& signature : std::as_const(signatures))
            digests << Signature::decodeHexDigest(signature); // empty for one that is not hex: never matches
        return SignatureSchemes::timestampedVerdict(
            Header, Signature::matchesAnyDigest(digests, signedPayload, keys.provider), *seconds, request);
    }

    HeaderList sign(QByteArrayView body, const SchemeKeys& keys, qint64 nowMs, const QByteArray&) const override
    {
        if (keys.provider.isEmpty())
            return {};
        const QByteArray t = QByteArray::number(nowMs / 1000);
        const QByteArray mac = Signature::hmacSha256(keys.provider.first(), t + '.' + body.toByteArray());
        return {{Header, "t=" + t + ",v1=" + mac.toHex()}};
    }
};
} // namespace

const SignatureScheme& stripe()
{
    static const StripeScheme scheme;
    return scheme;
}

} // namespace Alfe::Schemes
