#include "crypto/Signature.h"

#include "domain/HexDigit.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace Alfe::Signature {

namespace {
constexpr QByteArrayView Prefix{"sha256="};
constexpr int DigestSize = 32;

// Strict decoding: QByteArray::fromHex() skips invalid characters, which a verifier must not do.
bool decodeDigest(QByteArrayView hex, unsigned char (&out)[DigestSize])
{
    if (hex.size() != DigestSize * 2)
        return false;
    for (int i = 0; i < DigestSize; ++i) {
        const int hi = hexDigitValue(hex[2 * i]);
        const int lo = hexDigitValue(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
}
} // namespace

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    QByteArray mac(DigestSize, Qt::Uninitialized);
    size_t size = 0;
    // EVP_Q_mac does not accept a null key pointer even for an empty key.
    static const char empty = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.isEmpty() ? &empty : key.data(), size_t(key.size()),
                   reinterpret_cast<const unsigned char*>(data.isEmpty() ? &empty : data.data()), size_t(data.size()),
                   reinterpret_cast<unsigned char*>(mac.data()), size_t(mac.size()), &size) ||
        size != DigestSize)
        qFatal("OpenSSL HMAC-SHA256 failed");
    return mac;
}

QByteArray sign(QByteArrayView secret, QByteArrayView body)
{
    return Prefix.toByteArray() + hmacSha256(secret, body).toHex();
}

bool verify(QByteArrayView header, QByteArrayView body, const QList<QByteArray>& secrets)
{
    if (!header.startsWith(Prefix))
        return false;
    unsigned char claimed[DigestSize];
    if (!decodeDigest(header.sliced(Prefix.size()), claimed))
        return false;
    bool matched = false;
    for (const QByteArray& secret : secrets) {
        const QByteArray expected = hmacSha256(secret, body);
        matched |= CRYPTO_memcmp(claimed, expected.constData(), DigestSize) == 0;
    }
    return matched;
}

} // namespace Alfe::Signature
