#include "crypto/Secrets.h"

#include "domain/Random.h"

#include <QAbstractEventDispatcher>
#include <QTimer>

#include <atomic>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace Alfe::Secrets {

namespace {
QByteArray randomEncoded(const char* prefix, QByteArray::Base64Options options)
{
    QByteArray raw = Random::bytes(32);
    QByteArray encoded = raw.toBase64(options);
    cleanse(raw);
    // One buffer at its final size: growing it would leave the earlier buffer behind, unwiped.
    const qsizetype prefixSize = qsizetype(qstrlen(prefix));
    QByteArray out;
    out.reserve(prefixSize + encoded.size());
    out.append(prefix, prefixSize).append(encoded);
    cleanse(encoded);
    return out;
}

bool hasForm(const QByteArray& text, const char* prefix, int length, QByteArray::Base64Options options)
{
    const qsizetype prefixSize = qsizetype(qstrlen(prefix));
    if (text.size() != length || !text.startsWith(prefix))
        return false;
    // Decoded from the text's own bytes (mid() would copy the secret), and the decoded key wiped.
    auto decoded =
        QByteArray::fromBase64Encoding(QByteArray::fromRawData(text.constData() + prefixSize, text.size() - prefixSize),
                                       options | QByteArray::AbortOnBase64DecodingErrors);
    const bool ok = decoded && decoded.decoded.size() == 32;
    cleanse(decoded.decoded);
    return ok;
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

QByteArray newAdminToken()
{
    return randomEncoded(AdminTokenPrefix, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
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

bool isAdminToken(const QByteArray& text)
{
    return hasForm(text, AdminTokenPrefix, AdminTokenLength,
                   QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

bool equalConstantTime(const QByteArray& a, const QByteArray& b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
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

bool overwrite(QByteArray& secret)
{
    if (secret.isEmpty() || !secret.isDetached())
        return false;
    // The other holders' releases happen before these writes.
    std::atomic_thread_fence(std::memory_order_acquire);
    OPENSSL_cleanse(secret.data(), size_t(secret.size())); // data() does not detach: we are the only holder
    return true;
}

bool cleanse(QByteArray& secret)
{
    const bool wiped = overwrite(secret);
    secret.clear();
    return wiped;
}

struct Shredder::State
{
    QList<QByteArray> buffers;
    bool sweepQueued = false;
};

Shredder::Shredder()
    : m_state(std::make_shared<State>())
{}

Shredder::~Shredder()
{
    for (QByteArray& buffer : m_state->buffers)
        cleanse(buffer);
}

void Shredder::keep(QByteArray&& buffer)
{
    m_state->buffers.append(std::move(buffer));
    buffer = QByteArray();
    sweep();
}

int Shredder::sweep()
{
    return sweep(m_state);
}

int Shredder::sweep(const std::shared_ptr<State>& state)
{
    for (auto it = state->buffers.begin(); it != state->buffers.end();) {
        if (it->isEmpty() || overwrite(*it))
            it = state->buffers.erase(it);
        else
            ++it; // someone else still holds it: keep our reference
    }
    if (!state->buffers.isEmpty() && !state->sweepQueued && QAbstractEventDispatcher::instance()) {
        state->sweepQueued = true;
        QTimer::singleShot(100, [weak = std::weak_ptr<State>(state)] {
            if (auto alive = weak.lock()) {
                alive->sweepQueued = false;
                sweep(alive);
            }
        });
    }
    return int(state->buffers.size());
}

int Shredder::waiting() const
{
    return int(m_state->buffers.size());
}

} // namespace Alfe::Secrets
