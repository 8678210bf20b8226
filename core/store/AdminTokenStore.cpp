#include "store/AdminTokenStore.h"

#include "crypto/Secrets.h"
#include "domain/Clock.h"
#include "domain/Domain.h"
#include "domain/Ulid.h"
#include "store/Database.h"

#include <QSqlQuery>
#include <QVariant>

namespace Alfe {

namespace {
const QString Columns = QStringLiteral("id, name, created_at, last_used_at, revoked_at");

std::optional<qint64> optionalTime(const QVariant& value)
{
    return value.isNull() ? std::nullopt : std::optional<qint64>(value.toLongLong());
}

AdminToken tokenFrom(const QSqlQuery& q)
{
    AdminToken token;
    token.id = q.value(0).toString();
    token.name = q.value(1).toString();
    token.createdAtMs = q.value(2).toLongLong();
    token.lastUsedAtMs = optionalTime(q.value(3));
    token.revokedAtMs = optionalTime(q.value(4));
    return token;
}

Error unknownToken(const QString& id)
{
    return Errors::notFound(QStringLiteral("No admin token with id %1.").arg(id));
}
} // namespace

AdminTokenStore::AdminTokenStore(Database& db, const Clock& clock)
    : m_db(db)
    , m_clock(clock)
{}

Result<QString> AdminTokenStore::validateName(const QString& name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.size() > MaxNameLength)
        return Errors::invalid(QStringLiteral("A token name is at most %1 characters.").arg(MaxNameLength));
    if (!trimmed.isEmpty() && !isOneLineOfText(trimmed))
        return Errors::invalid(QStringLiteral("A token name is one line of text, without control characters."));
    return trimmed;
}

Result<CreatedAdminToken> AdminTokenStore::create(const QString& name)
{
    auto validName = validateName(name);
    if (!validName)
        return validName.error();
    CreatedAdminToken created;
    const qint64 now = m_clock.nowMs();
    created.info.id = QStringLiteral("adm_") + Ulid::generate(now);
    created.info.name = validName.value();
    created.info.createdAtMs = now;
    created.token = Secrets::newAdminToken();
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("INSERT INTO admin_tokens (id, name, token_sha256, created_at) VALUES (?,?,?,?)"));
    q.addBindValue(created.info.id);
    q.addBindValue(Database::text(created.info.name));
    q.addBindValue(Secrets::sha256(created.token));
    q.addBindValue(now);
    if (auto ok = m_db.exec(q); !ok) {
        Secrets::cleanse(created.token);
        return ok.error();
    }
    return created;
}

Result<QList<AdminToken>> AdminTokenStore::list() const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    m_db.prepare(q, QStringLiteral("SELECT %1 FROM admin_tokens ORDER BY created_at, id").arg(Columns));
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    QList<AdminToken> tokens;
    while (q.next())
        tokens << tokenFrom(q);
    return tokens;
}

Result<AdminToken> AdminTokenStore::get(const QString& id) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    m_db.prepare(q, QStringLiteral("SELECT %1 FROM admin_tokens WHERE id = ?").arg(Columns));
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    if (!q.next())
        return unknownToken(id);
    return tokenFrom(q);
}

Result<AdminToken> AdminTokenStore::revoke(const QString& id)
{
    QSqlQuery q(m_db.connection());
    // COALESCE: revoking twice keeps the first time.
    m_db.prepare(q, QStringLiteral("UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"));
    q.addBindValue(m_clock.nowMs());
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok.error();
    if (q.numRowsAffected() != 1)
        return unknownToken(id);
    m_touchedMs.remove(id);
    return get(id);
}

Result<AdminToken> AdminTokenStore::tokenFor(const QByteArray& token) const
{
    const Error refused = Errors::notFound(QStringLiteral("The admin token is not valid."));
    if (!Secrets::isAdminToken(token))
        return refused;
    const QByteArray hash = Secrets::sha256(token);
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    m_db.prepare(q, QStringLiteral("SELECT %1, token_sha256 FROM admin_tokens WHERE token_sha256 = ?").arg(Columns));
    q.addBindValue(hash);
    if (!q.exec() || !q.next() || !Secrets::equalConstantTime(q.value(5).toByteArray(), hash))
        return refused;
    AdminToken found = tokenFrom(q);
    if (found.revoked())
        return refused;
    return found;
}

Result<AdminToken> AdminTokenStore::authenticate(const QByteArray& token)
{
    auto found = tokenFor(token);
    if (!found)
        return found;
    const qint64 now = m_clock.nowMs();
    auto touched = m_touchedMs.find(found->id);
    if (touched == m_touchedMs.end() || now - *touched >= TouchIntervalMs || now < *touched) {
        if (m_touchedMs.size() > 10'000)
            m_touchedMs.clear();
        m_touchedMs.insert(found->id, now);
        QSqlQuery touch(m_db.connection());
        m_db.prepare(touch, QStringLiteral("UPDATE admin_tokens SET last_used_at = ? WHERE id = ?"));
        touch.addBindValue(now);
        touch.addBindValue(found->id);
        if (m_db.exec(touch))
            found->lastUsedAtMs = now;
    }
    return found;
}

} // namespace Alfe
