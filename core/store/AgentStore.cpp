#include "store/AgentStore.h"

#include "crypto/Secrets.h"
#include "domain/Clock.h"
#include "domain/Ids.h"
#include "store/Database.h"

#include <QSqlQuery>
#include <QUrl>
#include <QVariant>

namespace Alfe {

namespace {
constexpr int MaxNameLength = 200;

const QString AgentColumns = QStringLiteral("id, name, forward_url, status, created_at, stream_peer, stream_since");

Agent agentFrom(const QSqlQuery& q)
{
    Agent agent;
    agent.id = q.value(0).toString();
    agent.name = q.value(1).toString();
    agent.forwardUrl = q.value(2).toString();
    agent.status = agentStatusFromName(q.value(3).toString()).value_or(AgentStatus::Offline);
    agent.createdAtMs = q.value(4).toLongLong();
    agent.streamPeer = q.value(5).toString();
    agent.streamSinceMs = q.value(6).isNull() ? -1 : q.value(6).toLongLong();
    return agent;
}

Error unknownAgent(const QString& id)
{
    return Errors::notFound(QStringLiteral("No agent with id %1.").arg(id));
}
} // namespace

AgentStore::AgentStore(Database& db, const Clock& clock)
    : m_db(db)
    , m_clock(clock)
{}

Result<QString> AgentStore::validateName(const QString& name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return Errors::invalid(QStringLiteral("An agent needs a name."));
    if (trimmed.size() > MaxNameLength)
        return Errors::invalid(QStringLiteral("An agent name is at most %1 characters.").arg(MaxNameLength));
    if (!isOneLineOfText(trimmed))
        return Errors::invalid(QStringLiteral("An agent name is one line of text, without control characters."));
    return trimmed;
}

Result<QString> AgentStore::validateForwardUrl(const QString& url)
{
    const QString trimmed = url.trimmed();
    if (trimmed.isEmpty())
        return QString();
    const QUrl parsed(trimmed, QUrl::StrictMode);
    const QString scheme = parsed.scheme().toLower();
    if (!parsed.isValid() || (scheme != u"http" && scheme != u"https") || parsed.host().isEmpty()) {
        return Errors::invalid(
            QStringLiteral("The forward URL must be an absolute http:// or https:// URL, got \"%1\".").arg(trimmed));
    }
    return parsed.toString();
}

Result<CreatedAgent> AgentStore::create(const QString& name, const QString& forwardUrl)
{
    auto validName = validateName(name);
    if (!validName)
        return validName.error();
    auto validUrl = validateForwardUrl(forwardUrl);
    if (!validUrl)
        return validUrl.error();

    CreatedAgent created;
    created.agent.id = Ids::newAgentId(m_clock.nowMs());
    created.agent.name = validName.value();
    created.agent.forwardUrl = validUrl.value();
    created.agent.createdAtMs = m_clock.nowMs();
    // Forwarding starts at once for an agent with a URL; one without has nothing to forward to.
    created.agent.status = created.agent.forwardUrl.isEmpty() ? AgentStatus::Offline : AgentStatus::Online;
    created.token = Secrets::newAgentToken();

    auto stored = m_db.transaction([&]() -> Result<void> {
        QSqlQuery q(m_db.connection());
        m_db.prepare(
            q, QStringLiteral("INSERT INTO agents (id, name, forward_url, status, created_at) VALUES (?,?,?,?,?)"));
        q.addBindValue(created.agent.id);
        q.addBindValue(created.agent.name);
        q.addBindValue(Database::text(created.agent.forwardUrl));
        q.addBindValue(agentStatusName(created.agent.status));
        q.addBindValue(created.agent.createdAtMs);
        if (auto ok = m_db.exec(q); !ok)
            return ok;
        return insertToken(created.agent.id, created.token);
    });
    if (!stored) {
        Secrets::cleanse(created.token);
        return stored.error();
    }
    return created;
}

Result<void> AgentStore::insertToken(const QString& agentId, const QByteArray& token)
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("INSERT INTO agent_tokens (token_sha256, agent_id, created_at) VALUES (?,?,?)"));
    q.addBindValue(Secrets::sha256(token));
    q.addBindValue(agentId);
    q.addBindValue(m_clock.nowMs());
    return m_db.exec(q);
}

Result<Agent> AgentStore::get(const QString& id) const
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("SELECT %1 FROM agents WHERE id = ?").arg(AgentColumns));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return unknownAgent(id);
    return agentFrom(q);
}

QList<Agent> AgentStore::list() const
{
    QList<Agent> agents;
    QSqlQuery q(m_db.connection());
    if (q.exec(QStringLiteral("SELECT %1 FROM agents ORDER BY created_at, id").arg(AgentColumns))) {
        while (q.next())
            agents << agentFrom(q);
    }
    return agents;
}

Result<void> AgentStore::setForwardUrl(const QString& id, const QString& forwardUrl)
{
    auto validUrl = validateForwardUrl(forwardUrl);
    if (!validUrl)
        return validUrl.error();
    // A new address starts afresh: online (tried at once), no failures counted against it.
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("UPDATE agents SET forward_url = ?, status = ?, connection_failures = 0,"
                                   " probe_failures = 0, next_probe_at = NULL WHERE id = ?"));
    q.addBindValue(Database::text(validUrl.value()));
    q.addBindValue(agentStatusName(validUrl->isEmpty() ? AgentStatus::Offline : AgentStatus::Online));
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok;
    return q.numRowsAffected() == 1 ? Result<void>() : Result<void>(unknownAgent(id));
}

Result<void> AgentStore::rename(const QString& id, const QString& name)
{
    auto validName = validateName(name);
    if (!validName)
        return validName.error();
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("UPDATE agents SET name = ? WHERE id = ?"));
    q.addBindValue(validName.value());
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok;
    return q.numRowsAffected() == 1 ? Result<void>() : Result<void>(unknownAgent(id));
}

Result<void> AgentStore::setStatus(const QString& id, AgentStatus status)
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("UPDATE agents SET status = ? WHERE id = ?"));
    q.addBindValue(agentStatusName(status));
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok;
    return q.numRowsAffected() == 1 ? Result<void>() : Result<void>(unknownAgent(id));
}

int AgentStore::backlog(const QString& id) const
{
    QSqlQuery q(m_db.connection());
    // Waiting ones: the agent's range of deliveries_agent_due; in flight: the few 'delivering' rows.
    m_db.prepare(q, QStringLiteral("SELECT (SELECT count(*) FROM deliveries INDEXED BY deliveries_agent_due"
                                   "  WHERE agent_id = ? AND status IN ('queued','retrying'))"
                                   " + (SELECT count(*) FROM deliveries INDEXED BY deliveries_status"
                                   "  WHERE status = 'delivering' AND agent_id = ?)"));
    q.addBindValue(id);
    q.addBindValue(id);
    return q.exec() && q.next() ? q.value(0).toInt() : 0;
}

QHash<QString, int> AgentStore::backlogs() const
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("SELECT agent_id, count(*) FROM ("
                                   " SELECT agent_id FROM deliveries INDEXED BY deliveries_agent_due"
                                   "  WHERE status IN ('queued','retrying')"
                                   " UNION ALL SELECT agent_id FROM deliveries INDEXED BY deliveries_status"
                                   "  WHERE status = 'delivering') GROUP BY agent_id"));
    QHash<QString, int> out;
    if (q.exec()) {
        while (q.next())
            out.insert(q.value(0).toString(), q.value(1).toInt());
    }
    return out;
}

Result<void> AgentStore::resume(const QString& id)
{
    auto agent = get(id);
    if (!agent)
        return agent.error();
    if (agent->forwardUrl.isEmpty())
        return Errors::invalid(QStringLiteral("Agent %1 has no forward URL; set one first.").arg(id));
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("UPDATE agents SET status = 'online', connection_failures = 0, probe_failures = 0,"
                                   " next_probe_at = NULL WHERE id = ?"));
    q.addBindValue(id);
    return m_db.exec(q);
}

Result<void> AgentStore::remove(const QString& id)
{
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("DELETE FROM agents WHERE id = ?"));
    q.addBindValue(id);
    if (auto ok = m_db.exec(q); !ok)
        return ok;
    return q.numRowsAffected() == 1 ? Result<void>() : Result<void>(unknownAgent(id));
}

Result<QByteArray> AgentStore::addToken(const QString& agentId)
{
    if (auto agent = get(agentId); !agent)
        return agent.error();
    QByteArray token = Secrets::newAgentToken();
    if (auto ok = insertToken(agentId, token); !ok) {
        Secrets::cleanse(token);
        return ok.error();
    }
    return token;
}

Result<Agent> AgentStore::agentForToken(const QByteArray& token) const
{
    const Error refused = Errors::notFound(QStringLiteral("The API token is not valid."));
    if (!Secrets::isAgentToken(token))
        return refused;
    QSqlQuery q(m_db.connection());
    m_db.prepare(q, QStringLiteral("SELECT %1 FROM agents WHERE id = (SELECT agent_id FROM agent_tokens"
                                   " WHERE token_sha256 = ?)")
                        .arg(AgentColumns));
    q.addBindValue(Secrets::sha256(token));
    if (!q.exec() || !q.next())
        return refused;
    return agentFrom(q);
}

Result<Agent> AgentStore::authenticate(const QByteArray& token)
{
    auto found = agentForToken(token);
    if (!found)
        return found;
    const QByteArray hash = Secrets::sha256(token);
    Agent agent = std::move(found.value());
    const qint64 now = m_clock.nowMs();
    auto touched = m_touchedMs.find(hash);
    if (touched == m_touchedMs.end() || now - *touched >= TouchIntervalMs || now < *touched) {
        if (m_touchedMs.size() > 10'000)
            m_touchedMs.clear();
        m_touchedMs.insert(hash, now);
        QSqlQuery touch(m_db.connection());
        m_db.prepare(touch, QStringLiteral("UPDATE agent_tokens SET last_used_at = ? WHERE token_sha256 = ?"));
        touch.addBindValue(now);
        touch.addBindValue(hash);
        m_db.exec(touch);
    }
    return agent;
}

} // namespace Alfe
