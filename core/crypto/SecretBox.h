#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace Alfe {

// AES-256-GCM for secrets at rest. seal() returns nonce (12 bytes, fresh from RAND_bytes) || ciphertext ||
// tag (16 bytes). The additional authenticated data binds a ciphertext to where it belongs (webhook id
// and secret version), so a ciphertext copied to another row does not open there.
class SecretBox final
{
public:
    static constexpr int KeySize = 32;
    static constexpr int NonceSize = 12;
    static constexpr int TagSize = 16;

    explicit SecretBox(const QByteArray& key);
    ~SecretBox();
    Q_DISABLE_COPY_MOVE(SecretBox)

    bool isValid() const { return m_key.size() == KeySize; }

    QByteArray seal(QByteArrayView plaintext, QByteArrayView aad) const;
    // nullopt when the blob was altered, the key is wrong or the AAD differs.
    std::optional<QByteArray> open(QByteArrayView sealed, QByteArrayView aad) const;

private:
    QByteArray m_key;
};

} // namespace Alfe
