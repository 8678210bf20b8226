#include "store/Migrations.h"

namespace Alfe::Migrations {

QStringList postgresVersion12();       // MigrationsPostgres.cpp
QStringList postgresDeliveryNotices(); // MigrationsPostgres.cpp

namespace {
QStringList v1Accounts()
{
    return {
        QStringLiteral("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"),
        QStringLiteral("CREATE TABLE agents ("
                       " id TEXT PRIMARY KEY,"
                       " name TEXT NOT NULL,"
                       " forward_url TEXT NOT NULL DEFAULT '',"
                       " status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('offline','online','paused')),"
                       " created_at INTEGER NOT NULL)"),
        QStringLiteral("CREATE TABLE agent_tokens ("
                       " token_sha256 BLOB PRIMARY KEY,"
                       " agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
                       " created_at INTEGER NOT NULL,"
                       " last_used_at INTEGER)"),
        QStringLiteral("CREATE INDEX agent_tokens_agent ON agent_tokens(agent_id)"),
        QStringLiteral("CREATE TABLE webhooks ("
                       " id TEXT PRIMARY KEY,"
                       " agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
                       " provider TEXT NOT NULL CHECK (provider IN ('generic','github','stripe','slack')),"
                       " description TEXT NOT NULL DEFAULT '',"
                       " enabled INTEGER NOT NULL DEFAULT 1,"
                       " created_at INTEGER NOT NULL,"
                       " deleted_at INTEGER)"),
        QStringLiteral("CREATE INDEX webhooks_agent ON webhooks(agent_id)"),
        // sealed = AES-256-GCM(nonce || ciphertext || tag), AAD = webhook id + version.
        QStringLiteral("CREATE TABLE secret_versions ("
                       " webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
                       " version INTEGER NOT NULL,"
                       " sealed BLOB NOT NULL,"
                       " created_at INTEGER NOT NULL,"
                       " expires_at INTEGER,"
                       " PRIMARY KEY (webhook_id, version)) WITHOUT ROWID"),
    };
}

QStringList v2Deliveries()
{
    return {
        QStringLiteral("CREATE TABLE deliveries ("
                       " id TEXT PRIMARY KEY,"
                       " webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
                       " received_at INTEGER NOT NULL,"
                       " provider TEXT NOT NULL,"
                       " event_type TEXT NOT NULL DEFAULT '',"
                       " dedup_key TEXT,"
                       " body_sha256 BLOB NOT NULL,"
                       " content_type TEXT NOT NULL DEFAULT '',"
                       " headers TEXT NOT NULL DEFAULT '[]',"
                       " body BLOB NOT NULL,"
                       " status TEXT NOT NULL CHECK (status IN"
                       "  ('queued','delivering','retrying','delivered','failed','duplicate')),"
                       " duplicate_of TEXT REFERENCES deliveries(id) ON DELETE SET NULL,"
                       " attempt_count INTEGER NOT NULL DEFAULT 0,"
                       " next_attempt_at INTEGER,"
                       " last_status_code INTEGER,"
                       " last_latency_ms INTEGER)"),
        QStringLiteral("CREATE TABLE attempts ("
                       " delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,"
                       " n INTEGER NOT NULL,"
                       " started_at INTEGER NOT NULL,"
                       " duration_ms INTEGER,"
                       " status_code INTEGER,"
                       " response_headers TEXT,"
                       " response_body BLOB,"
                       " error TEXT,"
                       " PRIMARY KEY (delivery_id, n)) WITHOUT ROWID"),
    };
}

QStringList v3RefusedAndIndexes()
{
    return {
        QStringLiteral("CREATE TABLE refused_requests ("
                       " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " received_at INTEGER NOT NULL,"
                       " webhook_id TEXT,"
                       " status INTEGER NOT NULL,"
                       " reason TEXT NOT NULL,"
                       " method TEXT NOT NULL,"
                       " path TEXT NOT NULL,"
                       " remote TEXT NOT NULL DEFAULT '',"
                       " headers TEXT NOT NULL DEFAULT '[]',"
                       " body_head BLOB,"
                       " body_size INTEGER)"),
        QStringLiteral("CREATE INDEX refused_received ON refused_requests(received_at)"),
        // Keyset paging of the delivery log: newest first overall, per webhook and per status.
        QStringLiteral("CREATE INDEX deliveries_received ON deliveries(received_at, id)"),
        QStringLiteral("CREATE INDEX deliveries_webhook ON deliveries(webhook_id, received_at, id)"),
        QStringLiteral("CREATE INDEX deliveries_status ON deliveries(status, received_at, id)"),
        QStringLiteral("CREATE INDEX deliveries_dedup ON deliveries(webhook_id, dedup_key)"
                       " WHERE dedup_key IS NOT NULL"),
        QStringLiteral("CREATE INDEX deliveries_due ON deliveries(next_attempt_at)"
                       " WHERE status IN ('queued','retrying','delivering')"),
    };
}
QStringList v4IngressDedup()
{
    return {
        // Body-hash dedup inside the window, for senders without an explicit delivery id.
        QStringLiteral("CREATE INDEX deliveries_body ON deliveries(webhook_id, body_sha256, received_at)"),
    };
}
QStringList v5Forwarding()
{
    return {
        // Retry budget spent (attempts while the agent was offline or paused do not spend it).
        QStringLiteral("ALTER TABLE deliveries ADD COLUMN failures INTEGER NOT NULL DEFAULT 0"),
        // Offline detection and the probe that follows the backoff.
        QStringLiteral("ALTER TABLE agents ADD COLUMN connection_failures INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE agents ADD COLUMN probe_failures INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE agents ADD COLUMN next_probe_at INTEGER"),
        QStringLiteral(
            "CREATE INDEX attempts_open ON attempts(delivery_id) WHERE duration_ms IS NULL AND error IS NULL"),
    };
}
QStringList v6WebhookChanges()
{
    // Every change to a webhook or its secrets, by any process or connection, counts up one number. A running
    // ingress caches webhooks and their secrets; it reads this number when PRAGMA data_version says another
    // connection committed, and drops its cache when it moved. So `alfe webhook disable` or `rotate` beside a
    // running server holds for the next request, not a cache lifetime later.
    QStringList steps{
        QStringLiteral("CREATE TABLE webhook_changes (id INTEGER PRIMARY KEY CHECK (id = 1),"
                       " generation INTEGER NOT NULL)"),
        QStringLiteral("INSERT INTO webhook_changes (id, generation) VALUES (1, 0)"),
    };
    for (const char* table : {"webhooks", "secret_versions"}) {
        for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
            steps << QStringLiteral("CREATE TRIGGER %1_%2_counts AFTER %3 ON %1 BEGIN"
                                    " UPDATE webhook_changes SET generation = generation + 1 WHERE id = 1; END")
                         .arg(QLatin1String(table), QLatin1String(event).toString().toLower(), QLatin1String(event));
        }
    }
    return steps;
}
QStringList v7AgentQueues()
{
    // Each delivery names its agent, and the deliveries waiting for an attempt have an index per agent in
    // the order they fall due. The scheduler reads only the queues of agents that can receive (online, with
    // a forward URL), a few rows of each, so a backlog of agents that are away or store-only costs nothing
    // per dispatch (before, every dispatch walked every waiting delivery of every agent).
    return {
        QStringLiteral("ALTER TABLE deliveries ADD COLUMN agent_id TEXT"),
        QStringLiteral(
            "UPDATE deliveries SET agent_id = (SELECT w.agent_id FROM webhooks w WHERE w.id = deliveries.webhook_id)"),
        QStringLiteral("CREATE INDEX deliveries_agent_due ON deliveries(agent_id, next_attempt_at, id)"
                       " WHERE status IN ('queued','retrying')"),
    };
}
QStringList v8AgentChanges()
{
    // The delivery scheduler keeps agents in memory. A new forward URL, a pause or a resume, by any process,
    // counts up one number, which it reads when PRAGMA data_version says another connection committed: the
    // next delivery goes where the agent now says, not a poll interval later.
    QStringList steps{
        QStringLiteral(
            "CREATE TABLE agent_changes (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)"),
        QStringLiteral("INSERT INTO agent_changes (id, generation) VALUES (1, 0)"),
        QStringLiteral("CREATE TRIGGER agents_insert_counts AFTER INSERT ON agents BEGIN"
                       " UPDATE agent_changes SET generation = generation + 1 WHERE id = 1; END"),
        QStringLiteral("CREATE TRIGGER agents_delete_counts AFTER DELETE ON agents BEGIN"
                       " UPDATE agent_changes SET generation = generation + 1 WHERE id = 1; END"),
        QStringLiteral("CREATE TRIGGER agents_update_counts AFTER UPDATE OF status, forward_url ON agents"
                       " WHEN OLD.status IS NOT NEW.status OR OLD.forward_url IS NOT NEW.forward_url BEGIN"
                       " UPDATE agent_changes SET generation = generation + 1 WHERE id = 1; END"),
    };
    return steps;
}
QStringList v9FewerIndexes()
{
    // deliveries_due (every waiting delivery by due time) served the scheduler's old scan of all agents;
    // the per-agent index of version 7 answers everything it did, and each stored delivery had to be
    // written into both.
    return {QStringLiteral("DROP INDEX deliveries_due")};
}
QStringList v10ProviderSecrets()
{
    // The signing secrets providers generate (Stripe, Slack, Standard Webhooks senders), imported per webhook and
    // sealed like Alfe's own (AAD "alfe:provider-secret:<id>:<version>"), with the same grace on replacement;
    // the tolerance of their signed timestamps; the scheme that verified each delivery; and why a request was
    // refused, in words.
    QStringList steps{
        QStringLiteral("CREATE TABLE provider_secret_versions ("
                       " webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
                       " version INTEGER NOT NULL,"
                       " sealed BLOB NOT NULL,"
                       " created_at INTEGER NOT NULL,"
                       " expires_at INTEGER,"
                       " PRIMARY KEY (webhook_id, version)) WITHOUT ROWID"),
        QStringLiteral("ALTER TABLE webhooks ADD COLUMN tolerance_seconds INTEGER NOT NULL DEFAULT 300"),
        QStringLiteral("ALTER TABLE deliveries ADD COLUMN verified_by TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("ALTER TABLE refused_requests ADD COLUMN detail TEXT NOT NULL DEFAULT ''"),
    };
    for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
        steps << QStringLiteral("CREATE TRIGGER provider_secret_versions_%1_counts AFTER %2 ON provider_secret_versions"
                                " BEGIN UPDATE webhook_changes SET generation = generation + 1 WHERE id = 1; END")
                     .arg(QLatin1String(event).toString().toLower(), QLatin1String(event));
    }
    return steps;
}
QStringList v11AgentStreams()
{
    // Agents that receive over a live stream (SPEC §12): how each attempt went out ('http' to the forward URL,
    // 'stream' over the agent's WebSocket), and which peer holds an agent's stream since when (NULL: none).
    return {
        QStringLiteral("ALTER TABLE attempts ADD COLUMN via TEXT NOT NULL DEFAULT 'http'"),
        QStringLiteral("ALTER TABLE agents ADD COLUMN stream_peer TEXT"),
        QStringLiteral("ALTER TABLE agents ADD COLUMN stream_since INTEGER"),
    };
}
QStringList v12AdminTokens()
{
    // Tokens of the admin API (SPEC §13): stored only as SHA-256, like agent tokens. A revoked token keeps its
    // row (revoked_at) so that `alfe admin token list` says when it stopped working.
    return {
        QStringLiteral("CREATE TABLE admin_tokens ("
                       " id TEXT PRIMARY KEY,"
                       " name TEXT NOT NULL DEFAULT '',"
                       " token_sha256 BLOB NOT NULL UNIQUE,"
                       " created_at INTEGER NOT NULL,"
                       " last_used_at INTEGER,"
                       " revoked_at INTEGER)"),
    };
}
QStringList v13UniqueDedup()
{
    // One original per (webhook, delivery id of the sender): with several nodes writing (PostgreSQL), the
    // database itself refuses a second, and the ingress's INSERT ... ON CONFLICT DO NOTHING turns it into a
    // duplicate of the first. Rows could not break this before (one writer looked first, in its transaction).
    return {
        QStringLiteral("DROP INDEX deliveries_dedup"),
        QStringLiteral("CREATE UNIQUE INDEX deliveries_dedup ON deliveries(webhook_id, dedup_key)"
                       " WHERE dedup_key IS NOT NULL AND status <> 'duplicate'"),
    };
}

// Several nodes on one PostgreSQL database (SPEC §14): which node delivers each agent's deliveries, until when
// (agent_leases), and which nodes are alive (cluster_nodes), so that each takes its share. An embedded (SQLite)
// store has one node and leaves both empty; they exist so that both dialects have one schema.
QStringList v14AgentLeases(Dialect dialect)
{
    // Milliseconds since the epoch: PostgreSQL's INTEGER has 32 bits, SQLite's 64.
    const QString ms = dialect == Dialect::Postgres ? QStringLiteral("BIGINT") : QStringLiteral("INTEGER");
    const QString id = dialect == Dialect::Postgres ? QStringLiteral("TEXT COLLATE \"C\"") : QStringLiteral("TEXT");
    return {
        QStringLiteral("CREATE TABLE agent_leases ("
                       " agent_id %1 PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,"
                       " node_id TEXT NOT NULL DEFAULT '',"
                       " lease_until %2 NOT NULL DEFAULT 0)")
            .arg(id, ms),
        QStringLiteral("CREATE TABLE cluster_nodes (node_id TEXT PRIMARY KEY, seen_until %1 NOT NULL)").arg(ms),
    };
}

// Steps after version 12, the same for both dialects but for what only PostgreSQL has.
QList<QStringList> sharedSteps(Dialect dialect)
{
    QStringList v14 = v14AgentLeases(dialect);
    if (dialect == Dialect::Postgres)
        v14 << postgresDeliveryNotices();
    return {v13UniqueDedup(), v14};
}
} // namespace

const QList<QStringList>& steps(Dialect dialect)
{
    static const QList<QStringList> sqlite =
        QList<QStringList>{v1Accounts(),     v2Deliveries(),       v3RefusedAndIndexes(), v4IngressDedup(),
                           v5Forwarding(),   v6WebhookChanges(),   v7AgentQueues(),       v8AgentChanges(),
                           v9FewerIndexes(), v10ProviderSecrets(), v11AgentStreams(),     v12AdminTokens()} +
        sharedSteps(Dialect::Sqlite);
    // PostgreSQL databases begin at version 12 in one step; versions 2-12 have nothing more to do.
    static const QList<QStringList> postgres = QList<QStringList>{postgresVersion12()} +
                                               QList<QStringList>(11, QStringList()) + sharedSteps(Dialect::Postgres);
    return dialect == Dialect::Postgres ? postgres : sqlite;
}

int latestVersion()
{
    return int(steps(Dialect::Sqlite).size());
}

} // namespace Alfe::Migrations
