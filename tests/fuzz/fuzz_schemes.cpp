// Fuzzes the providers' signature schemes (core/crypto/SignatureSchemes.h): arbitrary headers and body, checked
// for every provider against fixed secrets at a fixed time. Beside not crashing:
// - without any secret nothing verifies, and a refusal always says why;
// - no reason ever contains a secret;
// - what a scheme signs, the ingress accepts as that scheme (for every provider it applies to), and the same
//   headers over the body with one byte changed are refused.
//
// Input: header lines "Name: value", an empty line, then the body (no empty line: all headers, body empty).

#include "FuzzSupport.h"

#include "crypto/SignatureSchemes.h"

#include <QList>

namespace {

const QByteArray alfeSecret = QByteArrayLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw/lrR5tlFwHs=");
const QByteArray providerSecret = QByteArrayLiteral("whsec_ZnV6emluZyBwcm92aWRlciBzZWNyZXQsIDMyIGJ5dA==");
constexpr qint64 NowMs = 1'750'000'000'000;
const QList<Alfe::Provider> providers{Alfe::Provider::Generic, Alfe::Provider::GitHub, Alfe::Provider::Stripe,
                                      Alfe::Provider::Slack};

Alfe::HeaderList parseHeaders(QByteArrayView text)
{
    Alfe::HeaderList headers;
    for (const QByteArray& line : text.toByteArray().split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }
    return headers;
}

bool mentionsASecret(const QString& reason)
{
    const QByteArray utf8 = reason.toUtf8();
    return utf8.contains(alfeSecret) || utf8.contains(providerSecret) || utf8.contains(alfeSecret.mid(6, 16)) ||
           utf8.contains(providerSecret.mid(6, 16));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace Alfe;
    const QByteArrayView input = AlfeFuzz::bytes(data, size);
    const qsizetype split = input.indexOf("\n\n");
    const HeaderList headers = parseHeaders(split < 0 ? input : input.first(split));
    const QByteArray body = split < 0 ? QByteArray() : input.sliced(split + 2).toByteArray();
    const QList<QByteArray> alfe{alfeSecret};
    const QList<QByteArray> imported{providerSecret};
    const QList<QByteArray> none;

    for (const Provider provider : providers) {
        const SignedRequest request{headers, body, NowMs, 300};
        const auto withKeys = SignatureSchemes::verify(provider, request, {alfe, imported});
        FUZZ_CHECK(withKeys.verified() == withKeys.reason.isEmpty());
        FUZZ_CHECK(!mentionsASecret(withKeys.reason));
        const auto withoutKeys = SignatureSchemes::verify(provider, request, {none, none});
        FUZZ_CHECK(!withoutKeys.verified() && !withoutKeys.reason.isEmpty());
    }

    // Round trip: each scheme's own signature over this body verifies as that scheme, and not over another body.
    QByteArray changed = body;
    if (changed.isEmpty())
        changed = "x";
    else
        changed[0] = char(changed[0] ^ 1);
    for (const SignatureScheme* scheme : SignatureSchemes::all()) {
        const SchemeKeys keys{alfe, imported};
        const HeaderList signedHeaders = scheme->sign(body, keys, NowMs, "msg_fuzz");
        FUZZ_CHECK(!signedHeaders.isEmpty());
        for (const Provider provider : providers) {
            if (!scheme->appliesTo(provider))
                continue;
            const auto verdict = scheme->verify({signedHeaders, body, NowMs, 300}, keys);
            FUZZ_CHECK(verdict.outcome == SchemeVerdict::Outcome::Verified);
            const auto tampered = scheme->verify({signedHeaders, changed, NowMs, 300}, keys);
            FUZZ_CHECK(tampered.outcome == SchemeVerdict::Outcome::Refused);
        }
    }
    return 0;
}
