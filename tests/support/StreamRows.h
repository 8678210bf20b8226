#pragma once

#include <QString>
#include <QVariantList>

#include <optional>

namespace Alfe {
class Engine;
}

namespace Alfe::Test {

// What the delivery thread records about agents' live streams (SPEC §12), written straight into the engine's
// SQLite file, for the tests of what shows it (the console, the CLI's listings).

// Runs one statement with its values on the engine's connection; says why when it fails.
bool execSql(Engine& engine, const QString& sql, const QVariantList& values);
// The agent's stream opened by `peer` at `sinceMs`; an empty peer: closed.
bool setAgentStream(Engine& engine, const QString& agentId, const QString& peer, qint64 sinceMs = -1);
// A finished attempt of a delivery: `via` "http" or "stream"; no status code and no error is an ack.
bool addAttempt(Engine& engine, const QString& deliveryId, int n, qint64 startedAtMs, qint64 durationMs,
                const QString& via, std::optional<int> statusCode = std::nullopt, const QString& error = {});

} // namespace Alfe::Test
