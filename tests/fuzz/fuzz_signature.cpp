// Fuzzes signature verification (core/crypto/Signature.h): an arbitrary X-Alfe-Signature-256 header value
// and body against two fixed secrets (a current one and one in its grace period). Beside not crashing, the
// answer must be exactly the contract of docs/signatures.md: "sha256=" and 64 hex digits, either case, that
// equal the HMAC-SHA256 of the body under one of the secrets.
//
// Input: the header value, a newline, then the body (no newline: the whole input is the header, body empty).

#include "FuzzSupport.h"

#include "crypto/Signature.h"

#include <QList>

namespace {

const QByteArray current = QByteArrayLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw/lrR5tlFwHs=");
const QByteArray previous = QByteArrayLiteral("It's a Secret to Everybody");

// The contract written out again, independently of Signature.cpp.
bool expected(QByteArrayView header, QByteArrayView body, const QList<QByteArray>& secrets)
{
    if (header.size() != 7 + 64 || !header.startsWith("sha256="))
        return false;
    const QByteArray hex = header.sliced(7).toByteArray().toLower();
    for (const char c : hex) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    for (const QByteArray& secret : secrets) {
        if (Alfe::Signature::sign(secret, body) == "sha256=" + hex)
            return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView input = AlfeFuzz::bytes(data, size);
    const qsizetype newline = input.indexOf('\n');
    const QByteArrayView header = newline < 0 ? input : input.first(newline);
    const QByteArrayView body = newline < 0 ? QByteArrayView() : input.sliced(newline + 1);
    const QList<QByteArray> both{current, previous};

    FUZZ_CHECK(Alfe::Signature::verify(header, body, both) == expected(header, body, both));
    FUZZ_CHECK(Alfe::Signature::verify(header, body, {current}) == expected(header, body, {current}));
    FUZZ_CHECK(!Alfe::Signature::verify(header, body, {}));

    // What sign() makes verifies, in either case, under either secret; one bit off does not.
    const QByteArray signature = Alfe::Signature::sign(current, body);
    FUZZ_CHECK(signature.size() == 71 && signature.startsWith("sha256="));
    FUZZ_CHECK(Alfe::Signature::verify(signature, body, both));
    FUZZ_CHECK(Alfe::Signature::verify("sha256=" + signature.mid(7).toUpper(), body, both));
    FUZZ_CHECK(Alfe::Signature::verify(Alfe::Signature::sign(previous, body), body, both));
    FUZZ_CHECK(!Alfe::Signature::verify(Alfe::Signature::sign(previous, body), body, {current}));
    QByteArray flipped = signature;
    flipped[70] = flipped[70] == '0' ? '1' : '0';
    FUZZ_CHECK(!Alfe::Signature::verify(flipped, body, both));
    FUZZ_CHECK(!Alfe::Signature::verify(signature + "0", body, both));
    FUZZ_CHECK(!Alfe::Signature::verify(" " + signature, body, both));

    // The header as key: any key length goes through HMAC.
    FUZZ_CHECK(Alfe::Signature::hmacSha256(header, body).size() == 32);
    return 0;
}
