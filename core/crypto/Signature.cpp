#include "crypto/Signature.h"

#include "domain/HexDigit.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

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

// An HMAC context with SHA-256 chosen, made once: each MAC duplicates it and sets only the key. EVP_Q_mac
// fetched the HMAC and SHA-256 implementations from the provider store on every call, which was most of
// the cost of signing a forwarded delivery and of verifying an incoming one.
const EVP_MAC_CTX* hmacSha256Template()
{
    static const std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx = [] {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        if (!mac)
            qFatal("OpenSSL has no HMAC");
        std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> made(EVP_MAC_CTX_new(mac), &EVP_MAC_CTX_free);
        EVP_MAC_free(mac); // the context keeps its own reference
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                     OSSL_PARAM_construct_end()};
        if (!made || !EVP_MAC_CTX_set_params(made.get(), params))
            qFatal("OpenSSL HMAC-SHA256 setup failed");
        return made;
    }();
    return ctx.get();
}
} // namespace

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    QByteArray mac(DigestSize, Qt::Uninitialized);
    size_t size = 0;
    // EVP_MAC_init does not accept a null key pointer even for an empty key.
    static const unsigned char empty = 0;
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(hmacSha256Template()),
                                                                  &EVP_MAC_CTX_free);
    if (!ctx ||
        !EVP_MAC_init(ctx.get(), key.isEmpty() ? &empty : reinterpret_cast<const unsigned char*>(key.data()),
                      size_t(key.size()), nullptr) ||
        !EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), size_t(data.size())) ||
        !EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(mac.data()), &size, size_t(mac.size())) ||
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
    return header.startsWith(Prefix) && matchesHex(header.sliced(Prefix.size()), body, secrets);
}

bool matchesHex(QByteArrayView hex, QByteArrayView data, const QList<QByteArray>& keys)
{
    unsigned char claimed[DigestSize];
    if (!decodeDigest(hex, claimed))
        return false;
    return matchesDigest(QByteArrayView(claimed, DigestSize), data, keys);
}

bool isHexDigest(QByteArrayView hex)
{
    unsigned char digest[DigestSize];
    return decodeDigest(hex, digest);
}

bool matchesDigest(QByteArrayView digest, QByteArrayView data, const QList<QByteArray>& keys)
{
    return matchesAnyDigest({digest.toByteArray()}, data, keys);
}

bool matchesAnyDigest(const QList<QByteArray>& claimed, QByteArrayView data, const QList<QByteArray>& keys)
{
    bool matched = false;
    for (const QByteArray& key : keys) {
        const QByteArray expected = hmacSha256(key, data);
        for (const QByteArray& digest : claimed) {
            if (digest.size() == DigestSize)
                matched |= CRYPTO_memcmp(digest.constData(), expected.constData(), DigestSize) == 0;
        }
    }
    return matched;
}

QByteArray decodeHexDigest(QByteArrayView hex)
{
    unsigned char digest[DigestSize];
    if (!decodeDigest(hex, digest))
        return {};
    return QByteArray(reinterpret_cast<const char*>(digest), DigestSize);
}

} // namespace Alfe::Signature
