#include "deliveries_view_log.h"

#include "Engine.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/WebhookStore.h"

#include <QFile>
#include <QSqlQuery>

namespace Alfe::Bench {

namespace {
// Crockford base32 of the 48-bit time, most significant character first: ten substr() terms.
QString crockfordTime(const QString& column)
{
    QStringList parts;
    for (int shift = 45; shift >= 0; shift -= 5) {
        parts << QStringLiteral("substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((%1 >> %2) & 31) + 1, 1)")
                     .arg(column)
                     .arg(shift);
    }
    return parts.join(QStringLiteral(" || "));
}
} // namespace

Result<DeliveryLog> generateDeliveryLog(Engine& engine, int rows, qint64 newestMs)
{
    DeliveryLog log;
    log.newestMs = newestMs;
    auto agent = engine.agents().create(QStringLiteral("bench agent"));
    if (!agent)
        return agent.error();
    log.agentId = agent->agent.id;
    const QList<QPair<Provider, QString>> hooks{{Provider::GitHub, QStringLiteral("api repo")},
                                                {Provider::Stripe, QStringLiteral("billing")},
                                                {Provider::Generic, QStringLiteral("orders")},
                                                {Provider::GitHub, QStringLiteral("docs repo")},
                                                {Provider::Slack, QStringLiteral("support bot")}};
    for (const auto& [provider, description] : hooks) {
        auto created = engine.webhooks().create(log.agentId, provider, description);
        if (!created)
            return created.error();
        log.webhookIds << created->webhook.id;
    }

    Database& db = engine.database();
    // r: a well-mixed bucket 0..999 per row, so that statuses do not line up with webhooks.
    const QString sql =
        QStringLiteral(
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ?),"
            " r AS (SELECT n, ? - (? - n) * 1000 AS t, ((n * 2654435761) >> 7) % 1000 AS b, n % 5 AS w FROM seq)"
            " INSERT INTO deliveries (id, webhook_id, received_at, provider, event_type, body_sha256, content_type,"
            "  headers, body, status, attempt_count, last_status_code, last_latency_ms)"
            " SELECT 'dlv_' || %1 || hex(randomblob(8)),"
            "  CASE w WHEN 0 THEN ? WHEN 1 THEN ? WHEN 2 THEN ? WHEN 3 THEN ? ELSE ? END, t,"
            "  CASE w WHEN 0 THEN 'github' WHEN 1 THEN 'stripe' WHEN 2 THEN 'generic' WHEN 3 THEN 'github'"
            "   ELSE 'slack' END,"
            "  CASE w WHEN 1 THEN (CASE n % 3 WHEN 0 THEN 'invoice.paid' WHEN 1 THEN 'charge.failed'"
            "    ELSE 'customer.created' END)"
            "   WHEN 2 THEN 'order.created' WHEN 4 THEN 'app_mention'"
            "   ELSE (CASE n % 3 WHEN 0 THEN 'push' WHEN 1 THEN 'issues.opened' ELSE 'pull_request.closed' END) END,"
            "  CAST(printf('%08d', n) AS BLOB), 'application/json',"
            "  '[[\"Content-Type\",\"application/json\"],[\"User-Agent\",\"alfe-bench/1\"]]',"
            "  CAST('{\"id\":\"evt_' || n || '\",\"n\":' || n || '}' AS BLOB),"
            "  CASE WHEN b < 10 THEN 'failed' WHEN b < 15 THEN 'duplicate' WHEN b < 17 THEN 'retrying'"
            "   ELSE 'delivered' END,"
            "  CASE WHEN b < 10 THEN 8 WHEN b < 15 THEN 0 WHEN b < 17 THEN 2 ELSE 1 END,"
            "  CASE WHEN b < 10 THEN (CASE WHEN b < 4 THEN NULL ELSE 500 END) WHEN b < 15 THEN NULL"
            "   WHEN b < 17 THEN 503 ELSE 200 END,"
            "  CASE WHEN b >= 10 AND b < 15 THEN NULL ELSE 3 + (n * 7) % 250 END"
            " FROM r")
            .arg(crockfordTime(QStringLiteral("t")));
    auto done = db.transaction([&]() -> Result<void> {
        QSqlQuery q(db.connection());
        q.prepare(sql);
        q.addBindValue(rows - 1);
        q.addBindValue(newestMs);
        q.addBindValue(rows - 1);
        for (const QString& id : std::as_const(log.webhookIds))
            q.addBindValue(id);
        return db.exec(q);
    });
    if (!done)
        return done.error();
    return log;
}

qint64 residentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

} // namespace Alfe::Bench
