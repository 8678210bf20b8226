#include "store/Migrations.h"

namespace Alfe::Migrations {

namespace {
const QString DeliveryStatuses = QStringLiteral("('queued','delivering','retrying','delivered','failed','duplicate')");

QStringList tables()
{
    // Ids and keys compare as bytes (COLLATE "C"), as in SQLite, whatever the database's locale: keyset paging
    // of the delivery log orders by id.
    return {
        QStringLiteral("CREATE TABLE meta (key TEXT COLLATE \"C\" PRIMARY KEY, value BYTEA NOT NULL)"),
        QStringLiteral("CREATE TABLE agents ("
                       " id TEXT COLLATE \"C\" PRIMARY KEY,"
                       " name TEXT NOT NULL,"
                       " forward_url TEXT NOT NULL DEFAULT '',"
                       " status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('offline','online','paused')),"
                       " created_at BIGINT NOT NULL,"
                       " connection_failures INTEGER NOT NULL DEFAULT 0,"
                       " probe_failures INTEGER NOT NULL DEFAULT 0,"
                       " next_probe_at BIGINT,"
                       " stream_peer TEXT,"
                       " stream_since BIGINT)"),
        QStringLiteral("CREATE TABLE agent_tokens ("
                       " token_sha256 BYTEA PRIMARY KEY,"
                       " agent_id TEXT COLLATE \"C\" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
                       " created_at BIGINT NOT NULL,"
                       " last_used_at BIGINT)"),
        QStringLiteral("CREATE INDEX agent_tokens_agent ON agent_tokens(agent_id)"),
        QStringLiteral("CREATE TABLE webhooks ("
                       " id TEXT COLLATE \"C\" PRIMARY KEY,"
                       " agent_id TEXT COLLATE \"C\" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,"
                       " provider TEXT NOT NULL CHECK (provider IN ('generic','github','stripe','slack')),"
                       " description TEXT NOT NULL DEFAULT '',"
                       " enabled INTEGER NOT NULL DEFAULT 1,"
                       " created_at BIGINT NOT NULL,"
                       " deleted_at BIGINT,"
                       " tolerance_seconds INTEGER NOT NULL DEFAULT 300)"),
        QStringLiteral("CREATE INDEX webhooks_agent ON webhooks(agent_id)"),
        QStringLiteral("CREATE TABLE secret_versions ("
                       " webhook_id TEXT COLLATE \"C\" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
                       " version INTEGER NOT NULL,"
                       " sealed BYTEA NOT NULL,"
                       " created_at BIGINT NOT NULL,"
                       " expires_at BIGINT,"
                       " PRIMARY KEY (webhook_id, version))"),
        QStringLiteral("CREATE TABLE provider_secret_versions ("
                       " webhook_id TEXT COLLATE \"C\" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
                       " version INTEGER NOT NULL,"
                       " sealed BYTEA NOT NULL,"
                       " created_at BIGINT NOT NULL,"
                       " expires_at BIGINT,"
                       " PRIMARY KEY (webhook_id, version))"),
        QStringLiteral("CREATE TABLE deliveries ("
                       " id TEXT COLLATE \"C\" PRIMARY KEY,"
                       " webhook_id TEXT COLLATE \"C\" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
                       " received_at BIGINT NOT NULL,"
                       " provider TEXT NOT NULL,"
                       " event_type TEXT NOT NULL DEFAULT '',"
                       " dedup_key TEXT COLLATE \"C\","
                       " body_sha256 BYTEA NOT NULL,"
                       " content_type TEXT NOT NULL DEFAULT '',"
                       " headers TEXT NOT NULL DEFAULT '[]',"
                       " body BYTEA NOT NULL,"
                       " status TEXT NOT NULL CHECK (status IN %1),"
                       " duplicate_of TEXT COLLATE \"C\" REFERENCES deliveries(id) ON DELETE SET NULL,"
                       " attempt_count INTEGER NOT NULL DEFAULT 0,"
                       " next_attempt_at BIGINT,"
                       " last_status_code INTEGER,"
                       " last_latency_ms BIGINT,"
                       " failures INTEGER NOT NULL DEFAULT 0,"
                       " agent_id TEXT COLLATE \"C\","
                       " verified_by TEXT NOT NULL DEFAULT '')")
            .arg(DeliveryStatuses),
        QStringLiteral("CREATE TABLE attempts ("
                       " delivery_id TEXT COLLATE \"C\" NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,"
                       " n INTEGER NOT NULL,"
                       " started_at BIGINT NOT NULL,"
                       " duration_ms BIGINT,"
                       " status_code INTEGER,"
                       " response_headers TEXT,"
                       " response_body BYTEA,"
                       " error TEXT,"
                       " via TEXT NOT NULL DEFAULT 'http',"
                       " PRIMARY KEY (delivery_id, n))"),
        QStringLiteral("CREATE TABLE refused_requests ("
                       " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                       " received_at BIGINT NOT NULL,"
                       " webhook_id TEXT COLLATE \"C\","
                       " status INTEGER NOT NULL,"
                       " reason TEXT NOT NULL,"
                       " method TEXT NOT NULL,"
                       " path TEXT NOT NULL,"
                       " remote TEXT NOT NULL DEFAULT '',"
                       " headers TEXT NOT NULL DEFAULT '[]',"
                       " body_head BYTEA,"
                       " body_size BIGINT,"
                       " detail TEXT NOT NULL DEFAULT '')"),
        QStringLiteral("CREATE TABLE admin_tokens ("
                       " id TEXT COLLATE \"C\" PRIMARY KEY,"
                       " name TEXT NOT NULL DEFAULT '',"
                       " token_sha256 BYTEA NOT NULL UNIQUE,"
                       " created_at BIGINT NOT NULL,"
                       " last_used_at BIGINT,"
                       " revoked_at BIGINT)"),
    };
}

QStringList indexes()
{
    return {
        QStringLiteral("CREATE INDEX refused_received ON refused_requests(received_at)"),
        QStringLiteral("CREATE INDEX deliveries_received ON deliveries(received_at, id)"),
        QStringLiteral("CREATE INDEX deliveries_webhook ON deliveries(webhook_id, received_at, id)"),
        QStringLiteral("CREATE INDEX deliveries_status ON deliveries(status, received_at, id)"),
        QStringLiteral(
            "CREATE INDEX deliveries_dedup ON deliveries(webhook_id, dedup_key) WHERE dedup_key IS NOT NULL"),
        QStringLiteral("CREATE INDEX deliveries_body ON deliveries(webhook_id, body_sha256, received_at)"),
        QStringLiteral("CREATE INDEX deliveries_agent_due ON deliveries(agent_id, next_attempt_at, id)"
                       " WHERE status IN ('queued','retrying')"),
        QStringLiteral(
            "CREATE INDEX attempts_open ON attempts(delivery_id) WHERE duration_ms IS NULL AND error IS NULL"),
    };
}

// The change counters of SQLite's version 6 and 8, kept by triggers as there, and told to every connection
// that listens (Database::dataVersion), on commit.
QStringList changeCounters()
{
    QStringList steps{
        QStringLiteral(
            "CREATE TABLE webhook_changes (id INTEGER PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL)"),
        QStringLiteral("INSERT INTO webhook_changes (id, generation) VALUES (1, 0)"),
        QStringLiteral(
            "CREATE TABLE agent_changes (id INTEGER PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL)"),
        QStringLiteral("INSERT INTO agent_changes (id, generation) VALUES (1, 0)"),
    };
    for (const char* counter : {"webhook", "agent"}) {
        steps << QStringLiteral("CREATE FUNCTION alfe_count_%1_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                                " UPDATE %1_changes SET generation = generation + 1 WHERE id = 1;"
                                " PERFORM pg_notify('alfe_changes', '%1'); RETURN NULL; END $$")
                     .arg(QLatin1String(counter));
    }
    for (const char* table : {"webhooks", "secret_versions", "provider_secret_versions"}) {
        steps << QStringLiteral("CREATE TRIGGER %1_counts AFTER INSERT OR UPDATE OR DELETE ON %1 FOR EACH ROW"
                                " EXECUTE FUNCTION alfe_count_webhook_change()")
                     .arg(QLatin1String(table));
    }
    steps << QStringLiteral("CREATE TRIGGER agents_counts AFTER INSERT OR DELETE ON agents FOR EACH ROW"
                            " EXECUTE FUNCTION alfe_count_agent_change()")
          << QStringLiteral("CREATE TRIGGER agents_update_counts AFTER UPDATE OF status, forward_url ON agents"
                            " FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.forward_url IS"
                            " DISTINCT FROM NEW.forward_url) EXECUTE FUNCTION alfe_count_agent_change()");
    return steps;
}
} // namespace

QStringList postgresVersion12()
{
    return tables() + indexes() + changeCounters();
}

// Nodes that deliver learn that another node stored deliveries from one notification per transaction (PostgreSQL
// folds identical notifications of a transaction into one), sent when it commits.
QStringList postgresDeliveryNotices()
{
    return {
        QStringLiteral("CREATE FUNCTION alfe_deliveries_notice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                       " PERFORM pg_notify('alfe_deliveries', ''); RETURN NULL; END $$"),
        QStringLiteral("CREATE TRIGGER deliveries_notice AFTER INSERT ON deliveries"
                       " FOR EACH STATEMENT EXECUTE FUNCTION alfe_deliveries_notice()"),
    };
}

} // namespace Alfe::Migrations
