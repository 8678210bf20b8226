#include "crypto/Secrets.h"

#include "domain/Random.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace Alfe::Secrets {

namespace {
QByteArray randomEncoded(const char* prefix, QByteArray::Base64Options options)
{
    QByteArray raw = Random::bytes(32);
    QByteArray out = QByteArray(prefix) + raw.toBase64(options);
    cleanse(raw);
    return out;
}

bool hasForm(const QByteArray& text, const char* prefix, int length, QByteArray::Base64Options options)
{
    if (text.size() != length || !text.startsWith(prefix))
        return false;
    const auto decoded =
        QByteArray::fromBase64Encoding(text.mid(qstrlen(prefix)), options | QByteArray::AbortOnBase64DecodingErrors);
    return decoded && decoded.decoded.size() == 32;
}
} // namespace

QByteArray newWebhookSecret()
{
    return randomEncoded(WebhookSecretPrefix, QByteArray::Base64Encoding);
}

QByteArray newAgentToken()
{
    return randomEncoded(AgentTokenPrefix, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

bool isWebhookSecret(const QByteArray& text)
{
    return hasForm(text, WebhookSecretPrefix, WebhookSecretLength, QByteArray::Base64Encoding);
}

bool isAgentToken(const QByteArray& text)
{
    return hasForm(text, AgentTokenPrefix, AgentTokenLength,
                   QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray sha256(const QByteArray& data)
{
    QByteArray digest(32, Qt::Uninitialized);
    unsigned int size = 0;
    if (EVP_Digest(data.constData(), size_t(data.size()), reinterpret_cast<unsigned char*>(digest.data()), &size,
                   EVP_sha256(), nullptr) != 1 ||
        size != 32)
        qFatal("OpenSSL SHA-256 failed");
    return digest;
}

void cleanse(QByteArray& secret)
{
    if (!secret.isEmpty()) {
        secret.detach();
        OPENSSL_cleanse(secret.data(), size_t(secret.size()));
    }
    secret.clear();
}

} // namespace Alfe::Secrets
