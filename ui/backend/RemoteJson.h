#pragma once

#include "backend/Backend.h"

#include <QJsonObject>

namespace Alfe::RemoteJson {

// The admin API's JSON shapes (docs/openapi.yaml, written by core/api/ApiJson) read back into the console's
// types. Each checks what it needs and says which field of which object is wrong: a server that answers
// something else is reported, not shown half-read.
qint64 timeMs(const QJsonValue& value); // RFC 3339 → ms since the epoch; -1 when absent or not a time
Result<Agent> agent(const QJsonObject& object);
Result<ConsoleSnapshot::AgentEntry> agentEntry(const QJsonObject& object);
Result<Webhook> webhook(const QJsonObject& object);
Result<DeliveryRow> deliveryRow(const QJsonObject& object);
Result<Delivery> delivery(const QJsonObject& object);
Result<RefusedEntry> refused(const QJsonObject& object);
// GET /v1/admin/stats: per webhook id.
Result<QHash<QString, WebhookActivity>> stats(const QJsonObject& object);
// The elements of array `key` of `object`, each read by `read`.
template <typename T>
Result<QList<T>> list(const QJsonObject& object, const char* key, Result<T> (*read)(const QJsonObject&));

} // namespace Alfe::RemoteJson

#include "backend/RemoteJsonList.h"
