#pragma once

#include "domain/Delivery.h"
#include "domain/DeliveryRow.h"
#include "domain/Domain.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace Alfe {
struct AdminToken;
}

namespace Alfe::ApiJson {

// The JSON shapes of docs/openapi.yaml.
QString timestamp(qint64 ms); // RFC 3339 UTC with milliseconds
QJsonObject webhook(const Webhook& webhook, const QString& url);
// `backlog`: deliveries waiting for the agent or on their way to it.
QJsonObject agent(const Agent& agent, int backlog);
QJsonObject deliverySummary(const Delivery& delivery);
// One row of the admin API's delivery log: id, webhookId, agentId, provider, eventType, status, attemptCount,
// lastStatusCode, lastLatencyMs, receivedAt, duplicateOf, and the row's keyset cursor.
QJsonObject deliveryRow(const DeliveryRow& row, const QString& agentId, const QString& cursor);
QJsonObject deliveryDetail(const Delivery& delivery);
QJsonObject refused(const RefusedEntry& entry);
// An admin API token as listed (never the token): id, name, createdAt, lastUsedAt, revokedAt.
QJsonObject adminToken(const AdminToken& token);

// {"error":{"code":…,"message":…}}
QByteArray error(const QString& code, const QString& message);
QByteArray compact(const QJsonObject& object);

} // namespace Alfe::ApiJson
