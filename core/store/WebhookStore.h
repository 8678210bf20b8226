#pragma once

#include "domain/Domain.h"
#include "domain/Result.h"
#include "store/ChangeCounter.h"

#include <optional>

namespace Alfe {

class Clock;
class Database;
class SecretBox;

// A webhook and its signing secret, which exists in plaintext only here, once. The caller shows it and
// cleanses it (Secrets::cleanse).
struct CreatedWebhook
{
    Webhook webhook;
    QByteArray secret;
};

struct RotatedSecret
{
    Webhook webhook;
    QByteArray secret;
    qint64 previousSecretExpiresAtMs = 0;
};

// Webhooks and their secret versions, sealed with AES-256-GCM (AAD = webhook id + version).
class WebhookStore final
{
public:
    static constexpr qint64 DefaultGraceSeconds = 24 * 3600;
    static constexpr qint64 MaxGraceSeconds = 7 * 24 * 3600;
    static constexpr int MaxDescriptionLength = 1000;

    WebhookStore(Database& db, const SecretBox& box, const Clock& clock);
    Q_DISABLE_COPY_MOVE(WebhookStore)

    Result<CreatedWebhook> create(const QString& agentId, Provider provider = Provider::Generic,
                                  const QString& description = {});
    // A deleted webhook is not_found here: it answers 404 and cannot be enabled again.
    Result<Webhook> get(const QString& id) const;
    QList<Webhook> list(const QString& agentId = {}) const;
    // The agent a webhook belongs to, deleted webhooks included (their deliveries stay readable).
    QString ownerOf(const QString& id) const;
    Result<void> setEnabled(const QString& id, bool enabled);
    Result<void> setDescription(const QString& id, const QString& description);
    // Deletes the webhook's secrets; its delivery history stays readable until retention purges it.
    Result<void> remove(const QString& id);

    // A new current secret; the previous one stays valid for `graceSeconds` (0 = ends now, at most
    // 7 days). Older versions end at once: at most two versions are ever valid.
    Result<RotatedSecret> rotate(const QString& id, qint64 graceSeconds = DefaultGraceSeconds);

    // Every secret that verifies a signature now (current first). The caller cleanses them.
    Result<QList<QByteArray>> validSecrets(const QString& id) const;
    // The current secret, for signing forwarded deliveries and test events. The caller cleanses it.
    Result<QByteArray> currentSecret(const QString& id) const;

    // Counts up with every change to any webhook or its secrets, by any connection or process (a trigger
    // keeps it). Whoever caches webhooks compares it to know when to read them again. Cheap to ask per request:
    // the count is read again only when PRAGMA data_version says another connection committed (under load,
    // once per group commit); this connection's own changes are for its caller to invalidate.
    qint64 changeGeneration();

    static QByteArray secretAad(const QString& webhookId, int version);

    // The provider's signing secret (WebhookProviderSecrets.cpp). Setting one when there is one keeps the
    // previous valid for `graceSeconds`, as rotate() does; older ones end at once. The secret is checked for
    // what the provider shows (one line of printable ASCII, 8 to 512 bytes; "whsec_…" for Stripe, and an API
    // key pasted by mistake is named as such). The caller cleanses `secret`.
    Result<Webhook> setProviderSecret(const QString& id, const QByteArray& secret,
                                      qint64 graceSeconds = DefaultGraceSeconds);
    // Removes every provider secret of the webhook at once.
    Result<Webhook> clearProviderSecret(const QString& id);
    // Every provider secret that verifies now (current first); empty when none is imported. The caller cleanses
    // them.
    Result<QList<QByteArray>> validProviderSecrets(const QString& id) const;
    static constexpr int MinToleranceSeconds = 1;
    static constexpr int MaxToleranceSeconds = 24 * 3600;
    Result<Webhook> setToleranceSeconds(const QString& id, int seconds);
    static QByteArray providerSecretAad(const QString& webhookId, int version);
    // Why `secret` cannot be a provider secret for `provider`, or nothing.
    static std::optional<QString> providerSecretProblem(Provider provider, QByteArrayView secret);

private:
    enum class SecretKind
    {
        Own,
        Provider,
    };
    // An error unless 0 <= graceSeconds <= MaxGraceSeconds (rotate() and setProviderSecret()).
    static Result<void> checkGrace(qint64 graceSeconds);
    // The valid versions of one kind, current first (none: an empty list).
    Result<QList<QByteArray>> readSecrets(SecretKind kind, const QString& id) const;
    Result<void> storeSecret(const QString& webhookId, int version, const QByteArray& secret);

    Database& m_db;
    const SecretBox& m_box;
    const Clock& m_clock;
    ChangeCounter m_changes;
};

} // namespace Alfe
