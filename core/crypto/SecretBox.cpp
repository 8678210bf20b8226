#include "crypto/SecretBox.h"

#include "crypto/Secrets.h"
#include "domain/Logging.h"
#include "domain/Random.h"

#include <openssl/evp.h>

#include <memory>

namespace Alfe {

namespace {
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx newContext()
{
    return CipherCtx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
}

const unsigned char* bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char*>(view.data());
}
unsigned char* bytes(QByteArray& array)
{
    return reinterpret_cast<unsigned char*>(array.data());
}
} // namespace

SecretBox::SecretBox(const QByteArray& key)
    : m_key(key)
{
    m_key.detach();
}

SecretBox::~SecretBox()
{
    Secrets::cleanse(m_key);
}

QByteArray SecretBox::seal(QByteArrayView plaintext, QByteArrayView aad) const
{
    Q_ASSERT(isValid());
    QByteArray out = Random::bytes(NonceSize);
    out.resize(NonceSize + plaintext.size() + TagSize);
    auto* nonce = bytes(out);
    auto* cipher = nonce + NonceSize;
    int len = 0;
    CipherCtx ctx = newContext();
    const bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, NonceSize, nullptr) == 1 &&
                    EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(m_key), nonce) == 1 &&
                    EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1 &&
                    EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plaintext), int(plaintext.size())) == 1 &&
                    EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, TagSize, cipher + plaintext.size()) == 1;
    if (!ok)
        qFatal("OpenSSL AES-256-GCM encryption failed");
    return out;
}

std::optional<QByteArray> SecretBox::open(QByteArrayView sealed, QByteArrayView aad) const
{
    if (!isValid() || sealed.size() < NonceSize + TagSize)
        return std::nullopt;
    const qsizetype cipherSize = sealed.size() - NonceSize - TagSize;
    const auto* nonce = bytes(sealed);
    const auto* cipher = nonce + NonceSize;
    QByteArray tag(reinterpret_cast<const char*>(cipher + cipherSize), TagSize);
    QByteArray plain(cipherSize, Qt::Uninitialized);
    int len = 0;
    CipherCtx ctx = newContext();
    const bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, NonceSize, nullptr) == 1 &&
                    EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(m_key), nonce) == 1 &&
                    EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1 &&
                    EVP_DecryptUpdate(ctx.get(), bytes(plain), &len, cipher, int(cipherSize)) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, TagSize, tag.data()) == 1 &&
                    EVP_DecryptFinal_ex(ctx.get(), bytes(plain) + len, &len) == 1;
    if (!ok) {
        Secrets::cleanse(plain);
        qCDebug(lcCrypto) << "AES-GCM open failed (altered ciphertext, wrong key or wrong binding)";
        return std::nullopt;
    }
    return plain;
}

} // namespace Alfe
