#pragma once

#include "domain/Result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace Alfe {

class Clock;
class Database;

// One admin API token as listed: never the token itself, which only its SHA-256 stands for.
struct AdminToken
{
    QString id; // "adm_<ULID>"
    QString name;
    qint64 createdAtMs = 0;
    std::optional<qint64> lastUsedAtMs;
    std::optional<qint64> revokedAtMs;

    bool revoked() const { return revokedAtMs.has_value(); }
};

// A new token and its plaintext, shown once. The caller cleanses `token` when done with it.
struct CreatedAdminToken
{
    AdminToken info;
    QByteArray token;
};

// Tokens of the admin API (SPEC §13): "alfeadm_" + base64url of 32 bytes from OpenSSL's CSPRNG, stored only as
// their SHA-256. A token is found by its hash (a unique index), so the time a look-up takes says nothing about a
// token no one has: the index compares hashes, which an attacker cannot choose; the hash read back is compared
// with CRYPTO_memcmp before it counts.
//
// Revoking is idempotent: a revoked token stays revoked, keeping the time it was first revoked, and revoking it
// again succeeds (the caller's intent holds). An unknown id is not_found.
class AdminTokenStore final
{
public:
    static constexpr int MaxNameLength = 200;
    // Last use is written at most this often per token: an authenticated call is not a database write.
    static constexpr qint64 TouchIntervalMs = 60'000;

    AdminTokenStore(Database& db, const Clock& clock);
    Q_DISABLE_COPY_MOVE(AdminTokenStore)

    // An empty name is allowed; the rules are those of agent names otherwise.
    static Result<QString> validateName(const QString& name);

    Result<CreatedAdminToken> create(const QString& name);
    // Oldest first.
    Result<QList<AdminToken>> list() const;
    Result<AdminToken> get(const QString& id) const;
    Result<AdminToken> revoke(const QString& id);

    // The valid (not revoked) token a bearer token is; not_found for a malformed, unknown or revoked one. Only
    // reads: usable on any thread's own connection (the ingress thread's, for the events socket).
    Result<AdminToken> tokenFor(const QByteArray& token) const;
    // The same, and records the token's last use (at most once a minute per token).
    Result<AdminToken> authenticate(const QByteArray& token);

private:
    Database& m_db;
    const Clock& m_clock;
    QHash<QString, qint64> m_touchedMs; // token id -> when last_used_at was last written
};

} // namespace Alfe
