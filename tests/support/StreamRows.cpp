#include "StreamRows.h"

#include "Engine.h"
#include "store/Database.h"

#include <QSqlError>
#include <QSqlQuery>

namespace Alfe::Test {

bool execSql(Engine& engine, const QString& sql, const QVariantList& values)
{
    QSqlQuery q(engine.database().connection());
    q.prepare(sql);
    for (const QVariant& value : values)
        q.addBindValue(value);
    if (!q.exec()) {
        qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        return false;
    }
    return true;
}

bool setAgentStream(Engine& engine, const QString& agentId, const QString& peer, qint64 sinceMs)
{
    const bool open = !peer.isEmpty();
    return execSql(engine, QStringLiteral("UPDATE agents SET stream_peer = ?, stream_since = ? WHERE id = ?"),
                   {open ? QVariant(peer) : QVariant(QMetaType::fromType<QString>()),
                    open ? QVariant(sinceMs) : QVariant(QMetaType::fromType<qint64>()), agentId});
}

bool addAttempt(Engine& engine, const QString& deliveryId, int n, qint64 startedAtMs, qint64 durationMs,
                const QString& via, std::optional<int> statusCode, const QString& error)
{
    return execSql(engine,
                   QStringLiteral("INSERT INTO attempts (delivery_id, n, started_at, duration_ms, status_code, error,"
                                  " via) VALUES (?,?,?,?,?,?,?)"),
                   {deliveryId, n, startedAtMs, durationMs,
                    statusCode ? QVariant(*statusCode) : QVariant(QMetaType::fromType<int>()),
                    error.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(error), via});
}

} // namespace Alfe::Test
