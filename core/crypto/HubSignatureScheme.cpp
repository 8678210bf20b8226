#include "crypto/Schemes.h"
#include "crypto/Signature.h"
#include "domain/DeliveryClassifier.h"

namespace Alfe::Schemes {

namespace {
// "sha256=<hex HMAC of the body>": Alfe's own header, and GitHub's, which is the same algorithm (so Alfe's
// secret pasted into GitHub's form verifies as well as a secret GitHub was given elsewhere and imported).
class HubSignatureScheme final : public SignatureScheme
{
public:
    HubSignatureScheme(const char* name, const char* header, bool gitHubOnly)
        : m_name(QString::fromLatin1(name))
        , m_header(header)
        , m_gitHubOnly(gitHubOnly)
    {}

    QString name() const override { return m_name; }
    QByteArray header() const override { return m_header; }
    bool appliesTo(Provider provider) const override { return !m_gitHubOnly || provider == Provider::GitHub; }

    SchemeVerdict verify(const SignedRequest& request, const SchemeKeys& keys) const override
    {
        const QByteArray value = DeliveryClassifier::header(request.headers, m_header);
        if (value.isEmpty())
            return SchemeVerdict::absent();
        if (!value.startsWith("sha256=") || !Signature::isHexDigest(value.sliced(7)))
            return SchemeVerdict::refused(
                QStringLiteral("%1 is not \"sha256=\" and 64 hex digits").arg(QString::fromLatin1(m_header)));
        // Every secret is tried (no short cut once one matched): timing does not tell which one signed.
        const bool own = Signature::verify(value, request.body, keys.alfe);
        const bool imported = m_gitHubOnly && Signature::verify(value, request.body, keys.provider);
        if (own | imported)
            return SchemeVerdict::verified();
        return SchemeVerdict::refused(QStringLiteral("%1 does not match the body").arg(QString::fromLatin1(m_header)));
    }

    HeaderList sign(QByteArrayView body, const SchemeKeys& keys, qint64, const QByteArray&) const override
    {
        // GitHub signs with the secret it was given: an imported one if there is one, else Alfe's.
        const QList<QByteArray>& secrets = m_gitHubOnly && !keys.provider.isEmpty() ? keys.provider : keys.alfe;
        if (secrets.isEmpty())
            return {};
        return {{m_header, Signature::sign(secrets.first(), body)}};
    }

private:
    QString m_name;
    QByteArray m_header;
    bool m_gitHubOnly;
};
} // namespace

const SignatureScheme& alfe()
{
    static const HubSignatureScheme scheme("alfe", Signature::HeaderName, false);
    return scheme;
}

const SignatureScheme& gitHub()
{
    static const HubSignatureScheme scheme("github", Signature::GitHubHeaderName, true);
    return scheme;
}

} // namespace Alfe::Schemes
