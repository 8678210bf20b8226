#include "store/WebhookStore.h"

#include "crypto/SecretBox.h"
#include "crypto/Secrets.h"
#include "domain/Clock.h"
#include "domain/Ids.h"
#include "domain/Logging.h"
#include "store/Database.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace Alfe {

namespace {
// The current version is the highest; the previous one's expiry is its grace period.
const QString WebhookSelect =
    QStringLiteral("SELECT w.id, w.agent_id, w.provider, w.description, w.enabled, w.created_at,"
                   " (SELECT max(version) FROM secret_versions s WHERE s.webhook_id = w.id),"
                   " (SELECT max(expires_at) FROM secret_versions s WHERE s.webhook_id = w.id AND s.expires_at > :now),"
                   " (SELECT max(version) FROM provider_secret_versions p WHERE p.webhook_id = w.id"
                   "  AND (p.expires_at IS NULL OR p.expires_at > :now)),"
                   " (SELECT max(expires_at) FROM provider_secret_versions p WHERE p.webhook_id = w.id"
                   "  AND p.expires_at > :now),"
                   " w.tolerance_seconds"
                   " FROM webhooks w WHERE w.deleted_at IS NULL");

Webhook webhookFrom(const QSqlQuery& q)
{
    Webhook w;
    w.id = q.value(0).toString();
    w.agentId = q.value(1).toString();
    w.provider = providerFromName(q.value(2).toString()).value_or(Provider::Generic);
    w.description = q.value(3).toString();
    w.enabled = q.value(4).toBool();
    w.createdAtMs = q.value(5).toLongLong();
    w.secretVersion = q.value(6).toInt();
    if (!q.value(7).isNull())
        w.previousSecretExpiresAtMs = q.value(7).toLongLong();
    w.providerSecretVersion = q.value(8).toInt();
    if (!q.value(9).isNull())
        w.previousProviderSecretExpiresAtMs = q.value(9).toLongLong();
    w.toleranceSeconds = q.value(10).toInt();
    return w;
}

Error unknownWebhook(const QString& id)
{
    return Errors::notFound(QStringLiteral("No webhook with id %1.").arg(id));
}

Result<QString> validateDescription(const QString& description)
{
    const QString trimmed = description.trimmed();
    if (trimmed.size() > WebhookStore::MaxDescriptionLength) {
        return Errors::invalid(
            QStringLiteral("A description is at most %1 characters.").arg(WebhookStore::MaxDescriptionLength));
    }
    if (!isOneLineOfText(trimmed))
        return Errors::invalid(QStringLiteral("A description is one line of text, without control characters."));
    return trimmed;
}
} // namespace

WebhookStore::WebhookStore(Database& db, const SecretBox& box, const Clock& clock)
    : m_db(db)
    , m_box(box)
    , m_clock(clock)
    , m_changes(db, QStringLiteral("SELECT generation FROM webhook_changes WHERE id = 1"))
{}

qint64 WebhookStore::changeGeneration()
{
    return m_changes.value();
}

QByteArray WebhookStore::secretAad(const QString& webhookId, int version)
{
    return "alfe:webhook-secret:" + webhookId.toUtf8() + ':' + QByteArray::number(version);
}

Result<void> WebhookStore::storeSecret(const QString& webhookId, int version, const QByteArray& secret)
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(
        q, QStringLiteral("INSERT INTO secret_versions (webhook_id, version, sealed, created_at) VALUES (?,?,?,?)"));
    q.addBindValue(webhookId);
    q.addBindValue(version);
    q.addBindValue(m_box.seal(secret, secretAad(webhookId, version)));
    q.addBindValue(m_clock.nowMs());
    return m_db.exec(q);
}

Result<CreatedWebhook> WebhookStore::create(const QString& agentId, Provider provider, const QString& description)
{
    auto validDescription = validateDescription(description);
    if (!validDescription)
        return validDescription.error();

    CreatedWebhook created;
    Webhook& w = created.webhook;
    w.id = Ids::newWebhookId(m_clock.nowMs());
    w.agentId = agentId;
    w.provider = provider;
    w.description = validDescription.value();
    w.createdAtMs = m_clock.nowMs();
    w.secretVersion = 1;
    created.secret = Secrets::newWebhookSecret();

    auto stored = m_db.transaction([&]() -> Result<void> {
        QSqlQuery agent(m_db.connection());
        m_db.prepare(agent, QStringLiteral("SELECT 1 FROM agents WHERE id = ?"));
        agent.addBindValue(agentId);
        if (!agent.exec() || !agent.next())
            return Errors::notFound(QStringLiteral("No agent with id %1.").arg(agentId));

        QSqlQuery q(m_db.connection());
        m_db.prepare(q, QStringLiteral("INSERT INTO webhooks (id, agent_id, provider, description, enabled, "
                                       "created_at) VALUES (?,?,?,?,1,?)"));
        q.addBindValue(w.id);
        q.addBindValue(w.agentId);
        q.addBindValue(providerName(w.provider));
        q.addBindValue(Database::text(w.description));
        q.addBindValue(w.createdAtMs);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        return storeSecret(w.id, w.secretVersion, created.secret);
    });
    if (!stored) {
        Secrets::cleanse(created.secret);
        return stored.error();
    }
    qCInfo(lcStore) << "created webhook" << w.id << "for agent" << agentId;
    return created;
}

Result<Webhook> WebhookStore::get(const QString& id) const
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, WebhookSelect + QStringLiteral(" AND w.id = :id"));
    q.bindValue(QStringLiteral(":now"), m_clock.nowMs());
    q.bindValue(QStringLiteral(":id"), id);
    if (!q.exec() || !q.next())
        return unknownWebhook(id);
    return webhookFrom(q);
}

QList<Webhook> WebhookStore::list(const QString& agentId) const
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, WebhookSelect +
                        QStringLiteral(" AND (:agent = '' OR w.agent_id = :agent) ORDER BY w.created_at, w.id"));
    q.bindValue(QStringLiteral(":now"), m_clock.nowMs());
    q.bindValue(QStringLiteral(":agent"), Database::text(agentId));
    QList<Webhook> webhooks;
    if (q.exec()) {
        while (q.next())
            webhooks << webhookFrom(q);
    }
    return webhooks;
}

QString WebhookStore::ownerOf(const QString& id) const
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("SELECT agent_id FROM webhooks WHERE id = ?"));
    q.addBindValue(id);
    return q.exec() && q.next() ? q.value(0).toString() : QString();
}

Result<void> WebhookStore::setEnabled(const QString& id, bool enabled)
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("UPDATE webhooks SET enabled = ? WHERE id = ? AND deleted_at IS NULL"));
    q.addBindValue(enabled ? 1 : 0);
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok;
    return q.numRowsAffected() == 1 ? Result<void>() : Result<void>(unknownWebhook(id));
}

Result<void> WebhookStore::setDescription(const QString& id, const QString& description)
{
    auto valid = validateDescription(description);
    if (!valid)
        return valid.error();
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("UPDATE webhooks SET description = ? WHERE id = ? AND deleted_at IS NULL"));
    q.addBindValue(Database::text(valid.value()));
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok;
    return q.numRowsAffected() == 1 ? Result<void>() : Result<void>(unknownWebhook(id));
}

Result<void> WebhookStore::remove(const QString& id)
{
    return m_db.transaction([&]() -> Result<void> {
        QSqlQuery q(m_db.connection());
        m_db.prepare(
            q, QStringLiteral("UPDATE webhooks SET deleted_at = ?, enabled = 0 WHERE id = ? AND deleted_at IS NULL"));
        q.addBindValue(m_clock.nowMs());
        q.addBindValue(id);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        if (q.numRowsAffected() != 1)
            return unknownWebhook(id);
        for (const char* table : {"secret_versions", "provider_secret_versions"}) {
            QSqlQuery secrets(m_db.connection());
            m_db.prepare(secrets, QStringLiteral("DELETE FROM %1 WHERE webhook_id = ?").arg(QLatin1String(table)));
            secrets.addBindValue(id);
            if (auto ok = m_db.exec(secrets); !ok)
                return ok;
        }
        return {};
    });
}

Result<void> WebhookStore::checkGrace(qint64 graceSeconds)
{
    if (graceSeconds < 0 || graceSeconds > MaxGraceSeconds) {
        return Errors::invalid(
            QStringLiteral("The grace period must be between 0 seconds and 7 days, got %1 s.").arg(graceSeconds));
    }
    return {};
}

Result<RotatedSecret> WebhookStore::rotate(const QString& id, qint64 graceSeconds)
{
    if (auto grace = checkGrace(graceSeconds); !grace)
        return grace.error();
    auto current = get(id);
    if (!current)
        return current.error();

    RotatedSecret rotated;
    const qint64 now = m_clock.nowMs();
    const int previous = current->secretVersion;
    const int next = previous + 1;
    rotated.previousSecretExpiresAtMs = now + graceSeconds * 1000;
    rotated.secret = Secrets::newWebhookSecret();

    auto stored = m_db.transaction([&]() -> Result<void> {
        // Everything older than the current version ends now (and its ciphertext goes); the current one
        // gets its grace period; the new one becomes current.
        QSqlQuery drop(m_db.connection());
        m_db.prepare(drop, QStringLiteral("DELETE FROM secret_versions WHERE webhook_id = ? AND version < ?"));
        drop.addBindValue(id);
        drop.addBindValue(previous);
        if (auto ok = m_db.exec(drop); !ok)
            return ok;
        QSqlQuery expire(m_db.connection());
        m_db.prepare(expire,
                     QStringLiteral("UPDATE secret_versions SET expires_at = ? WHERE webhook_id = ? AND version = ?"));
        expire.addBindValue(rotated.previousSecretExpiresAtMs);
        expire.addBindValue(id);
        expire.addBindValue(previous);
        if (auto ok = m_db.exec(expire); !ok)
            return ok;
        return storeSecret(id, next, rotated.secret);
    });
    if (!stored) {
        Secrets::cleanse(rotated.secret);
        return stored.error();
    }
    auto updated = get(id);
    if (updated)
        rotated.webhook = updated.value();
    qCInfo(lcStore) << "rotated the secret of" << id << "to version" << next << "grace" << graceSeconds << "s";
    return rotated;
}

Result<QList<QByteArray>> WebhookStore::validSecrets(const QString& id) const
{
    auto secrets = readSecrets(SecretKind::Own, id);
    if (secrets && secrets->isEmpty())
        return unknownWebhook(id);
    return secrets;
}

Result<QList<QByteArray>> WebhookStore::readSecrets(SecretKind kind, const QString& id) const
{
    const bool own = kind == SecretKind::Own;
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("SELECT s.version, s.sealed FROM %1 s JOIN webhooks w ON w.id = s.webhook_id"
                                   " WHERE s.webhook_id = ? AND w.deleted_at IS NULL"
                                   " AND (s.expires_at IS NULL OR s.expires_at > ?) ORDER BY s.version DESC")
                        .arg(own ? QStringLiteral("secret_versions") : QStringLiteral("provider_secret_versions")));
    q.addBindValue(id);
    q.addBindValue(m_clock.nowMs());
    const auto unreadable = [&] {
        qCWarning(lcStore) << "cannot read the secrets of webhook" << id << ':' << q.lastError().text();
        return Errors::storage(QStringLiteral("The secrets of webhook %1 could not be read.").arg(id));
    };
    if (!q.exec())
        return unreadable();
    QList<QByteArray> secrets;
    while (q.next()) {
        const int version = q.value(0).toInt();
        auto plain =
            m_box.open(q.value(1).toByteArray(), own ? secretAad(id, version) : providerSecretAad(id, version));
        if (!plain) {
            for (QByteArray& s : secrets)
                Secrets::cleanse(s);
            return Errors::crypto(QStringLiteral("%1 version %2 of webhook %3 does not decrypt with this master "
                                                 "key: the key or the database was changed.")
                                      .arg(own ? QStringLiteral("Secret") : QStringLiteral("Provider secret"))
                                      .arg(version)
                                      .arg(id));
        }
        secrets << std::move(*plain);
    }
    if (q.lastError().isValid()) {
        // A step that failed part way (a lock, an I/O error) is not "no secrets": the caller must not take the
        // webhook for deleted.
        for (QByteArray& s : secrets)
            Secrets::cleanse(s);
        return unreadable();
    }
    return secrets;
}

Result<QByteArray> WebhookStore::currentSecret(const QString& id) const
{
    auto secrets = validSecrets(id);
    if (!secrets)
        return secrets.error();
    QByteArray current = secrets->takeFirst();
    for (QByteArray& s : secrets.value())
        Secrets::cleanse(s);
    return current;
}

} // namespace Alfe
