// WebhookStore: the signing secrets providers generate, imported per webhook.
#include "store/WebhookStore.h"

#include "crypto/SecretBox.h"
#include "crypto/Secrets.h"
#include "domain/Clock.h"
#include "domain/Logging.h"
#include "store/Database.h"

#include <QSqlQuery>
#include <QVariant>

namespace Alfe {

namespace {
constexpr int MinProviderSecretLength = 8;
constexpr int MaxProviderSecretLength = 512;
} // namespace

QByteArray WebhookStore::providerSecretAad(const QString& webhookId, int version)
{
    return "alfe:provider-secret:" + webhookId.toUtf8() + ':' + QByteArray::number(version);
}

std::optional<QString> WebhookStore::providerSecretProblem(Provider provider, QByteArrayView secret)
{
    if (secret.size() < MinProviderSecretLength || secret.size() > MaxProviderSecretLength) {
        return QStringLiteral("A provider signing secret is %1 to %2 characters; this one has %3.")
            .arg(MinProviderSecretLength)
            .arg(MaxProviderSecretLength)
            .arg(secret.size());
    }
    for (const char c : secret) {
        if (c < 0x21 || c > 0x7e)
            return QStringLiteral("A provider signing secret is one word of printable ASCII: no spaces, line breaks "
                                  "or other characters.");
    }
    const bool sevenBitWhsec = secret.startsWith(Secrets::WebhookSecretPrefix);
    switch (provider) {
    case Provider::Stripe:
        if (secret.startsWith("sk_") || secret.startsWith("rk_") || secret.startsWith("pk_"))
            return QStringLiteral("That is a Stripe API key, not a webhook signing secret. Stripe shows the signing "
                                  "secret (whsec_…) on the webhook endpoint's page, under \"Signing secret\".");
        if (!sevenBitWhsec)
            return QStringLiteral("A Stripe signing secret starts with whsec_ (the endpoint's \"Signing secret\").");
        break;
    case Provider::Slack:
        if (secret.startsWith("xox") || secret.startsWith("xapp-"))
            return QStringLiteral("That is a Slack token, not the app's Signing Secret (Basic Information → App "
                                  "Credentials → Signing Secret).");
        break;
    case Provider::Generic: {
        // Only Standard Webhooks reads an imported secret on a generic webhook: its key is base64.
        const QByteArrayView encoded = sevenBitWhsec ? secret.sliced(qstrlen(Secrets::WebhookSecretPrefix)) : secret;
        auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromRawData(encoded.data(), encoded.size()),
                                                      QByteArray::AbortOnBase64DecodingErrors);
        const bool usable = decoded && !decoded.decoded.isEmpty();
        Secrets::cleanse(decoded.decoded);
        if (!usable)
            return QStringLiteral("On a generic webhook the provider secret is a Standard Webhooks secret: whsec_ "
                                  "followed by base64.");
        break;
    }
    case Provider::GitHub:
        break;
    }
    return std::nullopt;
}

Result<Webhook> WebhookStore::setProviderSecret(const QString& id, const QByteArray& secret, qint64 graceSeconds)
{
    if (auto grace = checkGrace(graceSeconds); !grace)
        return grace.error();
    auto current = get(id);
    if (!current)
        return current.error();
    if (auto problem = providerSecretProblem(current->provider, secret))
        return Errors::invalid(*problem);

    const qint64 now = m_clock.nowMs();
    auto stored = m_db.transaction([&]() -> Result<void> {
        // The highest version ever stored, expired ones included: a version number is never sealed twice.
        QSqlQuery highest(m_db.connection());
        m_db.prepare(
            highest,
            QStringLiteral("SELECT coalesce(max(version), 0) FROM provider_secret_versions WHERE webhook_id = ?"));
        highest.addBindValue(id);
        if (auto ok = m_db.exec(highest); !ok)
            return ok;
        const int last = highest.next() ? highest.value(0).toInt() : 0;
        // The current version as of this transaction (another process may have imported one since get()).
        QSqlQuery currentVersion(m_db.connection());
        m_db.prepare(currentVersion,
                     QStringLiteral("SELECT coalesce(max(version), 0) FROM provider_secret_versions"
                                    " WHERE webhook_id = ? AND (expires_at IS NULL OR expires_at > ?)"));
        currentVersion.addBindValue(id);
        currentVersion.addBindValue(now);
        if (auto ok = m_db.exec(currentVersion); !ok)
            return ok;
        const int currentOne = currentVersion.next() ? currentVersion.value(0).toInt() : 0;
        // Everything but the current one ends now; the current one gets its grace period.
        QSqlQuery drop(m_db.connection());
        m_db.prepare(drop, QStringLiteral("DELETE FROM provider_secret_versions WHERE webhook_id = ? AND"
                                          " (version <> ? OR (expires_at IS NOT NULL AND expires_at <= ?))"));
        drop.addBindValue(id);
        drop.addBindValue(currentOne);
        drop.addBindValue(now);
        if (auto ok = m_db.exec(drop); !ok)
            return ok;
        QSqlQuery expire(m_db.connection());
        m_db.prepare(expire, QStringLiteral("UPDATE provider_secret_versions SET expires_at = ? WHERE webhook_id = ?"));
        expire.addBindValue(now + graceSeconds * 1000);
        expire.addBindValue(id);
        if (auto ok = m_db.exec(expire); !ok)
            return ok;
        QSqlQuery insert(m_db.connection());
        m_db.prepare(
            insert,
            QStringLiteral(
                "INSERT INTO provider_secret_versions (webhook_id, version, sealed, created_at) VALUES (?,?,?,?)"));
        insert.addBindValue(id);
        insert.addBindValue(last + 1);
        insert.addBindValue(m_box.seal(secret, providerSecretAad(id, last + 1)));
        insert.addBindValue(now);
        return m_db.exec(insert);
    });
    if (!stored)
        return stored.error();
    qCInfo(lcStore) << "imported a provider secret for" << id << "previous one's grace" << graceSeconds << "s";
    return get(id);
}

Result<Webhook> WebhookStore::clearProviderSecret(const QString& id)
{
    auto current = get(id);
    if (!current)
        return current.error();
    // The ciphertexts go; a row without one stays, already expired, so that the next import takes a version
    // number never used before (its AAD is then never sealed twice).
    auto cleared = m_db.transaction([&]() -> Result<void> {
        QSqlQuery drop(m_db.connection());
        m_db.prepare(drop, QStringLiteral("DELETE FROM provider_secret_versions WHERE webhook_id = ?"
                                          " AND version < (SELECT max(version) FROM provider_secret_versions"
                                          " WHERE webhook_id = ?)"));
        drop.addBindValue(id);
        drop.addBindValue(id);
        if (auto ok = m_db.exec(drop); !ok)
            return ok;
        QSqlQuery tombstone(m_db.connection());
        // Expired at time 0, not now: a wall clock set back later must not make it current again.
        m_db.prepare(tombstone, QStringLiteral("UPDATE provider_secret_versions SET sealed = X'', expires_at = 0"
                                               " WHERE webhook_id = ?"));
        tombstone.addBindValue(id);
        return m_db.exec(tombstone);
    });
    if (!cleared)
        return cleared.error();
    qCInfo(lcStore) << "cleared the provider secret of" << id;
    return get(id);
}

Result<QList<QByteArray>> WebhookStore::validProviderSecrets(const QString& id) const
{
    return readSecrets(SecretKind::Provider, id);
}

Result<Webhook> WebhookStore::setToleranceSeconds(const QString& id, int seconds)
{
    if (seconds < MinToleranceSeconds || seconds > MaxToleranceSeconds) {
        return Errors::invalid(QStringLiteral("The timestamp tolerance is %1 to %2 seconds, got %3.")
                                   .arg(MinToleranceSeconds)
                                   .arg(MaxToleranceSeconds)
                                   .arg(seconds));
    }
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("UPDATE webhooks SET tolerance_seconds = ? WHERE id = ? AND deleted_at IS NULL"));
    q.addBindValue(seconds);
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    if (q.numRowsAffected() != 1)
        return Errors::notFound(QStringLiteral("No webhook with id %1.").arg(id));
    return get(id);
}

} // namespace Alfe
