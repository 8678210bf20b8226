#pragma once

#include "domain/Domain.h"
#include "domain/Result.h"

#include <QHash>

namespace Alfe {

class Clock;
class Database;

// An agent and the token it shows once. The caller cleanses `token` when done with it.
struct CreatedAgent
{
    Agent agent;
    QByteArray token;
};

// Agents and their API tokens. Tokens are stored only as SHA-256.
class AgentStore final
{
public:
    AgentStore(Database& db, const Clock& clock);
    Q_DISABLE_COPY_MOVE(AgentStore)

    Result<CreatedAgent> create(const QString& name, const QString& forwardUrl = {});
    Result<Agent> get(const QString& id) const;
    QList<Agent> list() const;
    Result<void> setForwardUrl(const QString& id, const QString& forwardUrl);
    // A new name (validateName()); nothing else changes.
    Result<void> rename(const QString& id, const QString& name);
    Result<void> setStatus(const QString& id, AgentStatus status);
    // Deliveries waiting for the agent or on their way to it.
    int backlog(const QString& id) const;
    // The backlog of every agent that has one, in one query (agents without a backlog are absent).
    QHash<QString, int> backlogs() const;
    // Forwarding again after a 410 paused it (or to probe an offline agent at once).
    Result<void> resume(const QString& id);
    // Removes the agent with its tokens, webhooks and their secrets.
    Result<void> remove(const QString& id);

    // A further token for an agent (shown once).
    Result<QByteArray> addToken(const QString& agentId);
    // The agent a bearer token belongs to; not_found for an unknown or malformed token. Only reads.
    Result<Agent> agentForToken(const QByteArray& token) const;
    // The same, and records the token's last use at most once a minute per token: an
    // authenticated API call is not a database write (it runs on the ingress thread, which must not wait for
    // an fsync per call).
    static constexpr qint64 TouchIntervalMs = 60'000;
    Result<Agent> authenticate(const QByteArray& token);

    static Result<QString> validateName(const QString& name);
    static Result<QString> validateForwardUrl(const QString& url);

private:
    Result<void> insertToken(const QString& agentId, const QByteArray& token);

    Database& m_db;
    const Clock& m_clock;
    QHash<QByteArray, qint64> m_touchedMs; // token hash -> when last_used_at was last written
};

} // namespace Alfe
