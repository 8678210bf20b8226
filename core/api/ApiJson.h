#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace Alfe::ApiJson {

// The JSON shapes of docs/openapi.yaml.
QString timestamp(qint64 ms); // RFC 3339 UTC with milliseconds
QJsonObject webhook(const Webhook& webhook, const QString& url);
// `backlog`: deliveries waiting for the agent or on their way to it.
QJsonObject agent(const Agent& agent, int backlog);
QJsonObject deliverySummary(const Delivery& delivery);
QJsonObject deliveryDetail(const Delivery& delivery);
QJsonObject refused(const RefusedEntry& entry);

// {"error":{"code":…,"message":…}}
QByteArray error(const QString& code, const QString& message);
QByteArray compact(const QJsonObject& object);

} // namespace Alfe::ApiJson
