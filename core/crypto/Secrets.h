#pragma once

#include <QByteArray>

namespace Alfe::Secrets {

inline constexpr char WebhookSecretPrefix[] = "whsec_";
inline constexpr char AgentTokenPrefix[] = "alfe_";
inline constexpr int WebhookSecretLength = 50; // "whsec_" + base64 of 32 bytes
inline constexpr int AgentTokenLength = 48;    // "alfe_" + unpadded base64url of 32 bytes

// "whsec_" + standard base64 of 32 random bytes. Shown once; the caller cleanses it when done.
QByteArray newWebhookSecret();
// "alfe_" + base64url of 32 random bytes. Shown once, stored only as its SHA-256.
QByteArray newAgentToken();

bool isWebhookSecret(const QByteArray& text);
bool isAgentToken(const QByteArray& text);

QByteArray sha256(const QByteArray& data);

// Overwrites the bytes (OPENSSL_cleanse) and empties the array. Detaches first, so a shared copy
// elsewhere is the caller's to cleanse too.
void cleanse(QByteArray& secret);

// Cleanses a QByteArray when it leaves scope.
class Wipe final
{
public:
    explicit Wipe(QByteArray& secret)
        : m_secret(secret)
    {}
    ~Wipe() { cleanse(m_secret); }
    Q_DISABLE_COPY_MOVE(Wipe)

private:
    QByteArray& m_secret;
};

} // namespace Alfe::Secrets
