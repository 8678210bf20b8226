#include "crypto/Schemes.h"
#include "crypto/Signature.h"
#include "crypto/SignatureSchemes.h"
#include "domain/DeliveryClassifier.h"

namespace Alfe::Schemes {

namespace {
constexpr char Header[] = "X-Slack-Signature";
constexpr char TimestampHeader[] = "X-Slack-Request-Timestamp";

// "X-Slack-Signature: v0=<hex>": HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<body>" keyed with the app's
// Signing Secret as Slack shows it.
class SlackScheme final : public SignatureScheme
{
public:
    QString name() const override { return QStringLiteral("slack"); }
    QByteArray header() const override { return Header; }
    bool appliesTo(Provider provider) const override { return provider == Provider::Slack; }

    SchemeVerdict verify(const SignedRequest& request, const SchemeKeys& keys) const override
    {
        const QByteArray value = DeliveryClassifier::header(request.headers, Header);
        if (value.isEmpty())
            return SchemeVerdict::absent();
        const QByteArray timestamp = DeliveryClassifier::header(request.headers, TimestampHeader);
        const auto seconds = SignatureSchemes::parseTimestamp(timestamp);
        if (!seconds)
            return SchemeVerdict::refused(
                QStringLiteral("X-Slack-Request-Timestamp is missing or not a number of seconds"));
        if (!value.startsWith("v0=") || !Signature::isHexDigest(value.sliced(3)))
            return SchemeVerdict::refused(QStringLiteral("X-Slack-Signature is not \"v0=\" and 64 hex digits"));
        if (keys.provider.isEmpty())
            return SignatureSchemes::noSecretImported("Slack");
        const bool matched =
            Signature::matchesHex(value.sliced(3), "v0:" + timestamp + ':' + request.body.toByteArray(), keys.provider);
        return SignatureSchemes::timestampedVerdict(Header, matched, *seconds, request);
    }

    HeaderList sign(QByteArrayView body, const SchemeKeys& keys, qint64 nowMs, const QByteArray&) const override
    {
        if (keys.provider.isEmpty())
            return {};
        const QByteArray t = QByteArray::number(nowMs / 1000);
        const QByteArray mac = Signature::hmacSha256(keys.provider.first(), "v0:" + t + ':' + body.toByteArray());
        return {{TimestampHeader, t}, {Header, "v0=" + mac.toHex()}};
    }
};
} // namespace

const SignatureScheme& slack()
{
    static const SlackScheme scheme;
    return scheme;
}

} // namespace Alfe::Schemes
