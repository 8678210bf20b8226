#pragma once

#include <QByteArray>
#include <QList>

#include <memory>

namespace Alfe::Secrets {

inline constexpr char WebhookSecretPrefix[] = "whsec_";
inline constexpr char AgentTokenPrefix[] = "alfe_";
inline constexpr int WebhookSecretLength = 50; // "whsec_" + base64 of 32 bytes
inline constexpr int AgentTokenLength = 48;    // "alfe_" + unpadded base64url of 32 bytes
inline constexpr char AdminTokenPrefix[] = "alfeadm_";
inline constexpr int AdminTokenLength = 51; // "alfeadm_" + unpadded base64url of 32 bytes

// "whsec_" + standard base64 of 32 random bytes. Shown once; the caller cleanses it when done.
QByteArray newWebhookSecret();
// "alfe_" + base64url of 32 random bytes. Shown once, stored only as its SHA-256.
QByteArray newAgentToken();

// "alfeadm_" + base64url of 32 random bytes: an admin API token, made like an agent token.
QByteArray newAdminToken();

bool isWebhookSecret(const QByteArray& text);
bool isAgentToken(const QByteArray& text);
bool isAdminToken(const QByteArray& text);
// Whether two byte strings are equal, in a time that depends on their sizes only (CRYPTO_memcmp).
bool equalConstantTime(const QByteArray& a, const QByteArray& b);

QByteArray sha256(const QByteArray& data);

// Where a plaintext secret lives, and what wipes it. Qt shares one buffer between the copies of a QByteArray
// (implicit sharing): a copy captured by a queued call, stored in a QHttpServerResponse or in a hash points at
// the same bytes. So a buffer is overwritten only by its last holder:
// - overwrite() and cleanse() wipe a buffer in place only when this array is its only holder. A shared buffer
//   is neither overwritten (another holder may still be sending it: the client would get zeros) nor detached
//   (detaching copies the secret into a fresh buffer only to wipe that, and leaves the shared one as it was);
//   cleanse() lets go of it and returns false, and the last holder's cleanse() wipes it.
// - An answer handed to someone who keeps a copy for a while goes to a Shredder, which wipes it once every
//   other holder has let go (ManagementApi: the create and rotate answers, after the ingress has written them).
// Copies this process makes that no code of ours can reach, and which are freed without being wiped:
// - The socket's write buffer: QHttpServerResponder writes the answer through QIODevice::write(), which copies
//   it into QAbstractSocket's ring buffer (under 4 KiB always); that chunk is freed or reused, not wiped, once
//   the kernel took it. And the kernel's own socket buffers.
// - On the way in, agent tokens (Authorization) are copied by QHttpServer's parser into its request headers,
//   and the socket's read buffer; ManagementApi wipes only its own copy of the token.
// - Anything that goes through QString or QJsonValue: QString::fromLatin1() makes a UTF-16 copy, QJsonObject
//   keeps its own (QCborValue) copy, and QJsonDocument::toJson() grows its output by reallocation, freeing the
//   earlier buffers. So secrets are never put into QJsonObject here: ManagementApi writes the secret straight
//   into the answer's bytes, in one buffer reserved at its final size.
// - Imported provider secrets on their way in: the API's request body (ApiRequest, then QJsonDocument's QString)
//   and the console's line edit are not ours to wipe; the CLI reads standard input into a buffer it wipes. Once
//   read, they live like Alfe's own: sealed at rest, opened into QByteArrays that their holders cleanse.
// - What OpenSSL keeps inside its MAC and cipher contexts while they live (OpenSSL's to clear when it frees
//   them), and the console's and CLI's display of a new secret (QString, the clipboard, stdout).

// Overwrites the secret's bytes in place (OPENSSL_cleanse), keeping its size, if this array alone holds its
// buffer; returns whether it did. A shared or raw (fromRawData) buffer is left as it is.
bool overwrite(QByteArray& secret);
// overwrite(), then empties the array (it lets go of a shared buffer without copying it). Returns whether the
// bytes were wiped: false when another holder still has them (the last one to cleanse wipes them).
bool cleanse(QByteArray& secret);

// Keeps buffers that were handed to someone who may hold a copy for a while, and wipes each as soon as it is
// the only holder left. sweep() runs when asked and, while anything waits and the thread has an event loop,
// every 100 ms on the thread that kept the buffer. Use it from one thread.
class Shredder final
{
public:
    Shredder();
    // Wipes what it alone holds and lets go of the rest (their last holder is then the process's: see above).
    ~Shredder();
    Q_DISABLE_COPY_MOVE(Shredder)

    void keep(QByteArray&& buffer);
    // Wipes and drops every buffer no one else holds any more; returns how many still wait.
    int sweep();
    int waiting() const;

private:
    struct State;
    static int sweep(const std::shared_ptr<State>& state);
    std::shared_ptr<State> m_state; // the sweep timer holds it weakly
};

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
