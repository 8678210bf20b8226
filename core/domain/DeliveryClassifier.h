#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QJsonObject>

namespace Alfe::DeliveryClassifier {

enum class BodyKind
{
    Json,
    Form,
    Unsupported,
};

// application/json, application/*+json (with parameters, any case) -> Json; x-www-form-urlencoded -> Form.
BodyKind bodyKind(const QByteArray& contentType);

QByteArray header(const HeaderList& headers, QByteArrayView name); // case-insensitive, first match

// The dedup key, first found: the id in the signed body (stripe `id`, slack `event_id`), X-Alfe-Delivery-Id,
// webhook-id, Idempotency-Key, X-GitHub-Delivery (github). Empty when there is none.
QString dedupKey(Provider provider, const HeaderList& headers, const QJsonObject& body);

// X-GitHub-Event (+ "." + action), stripe `type`, slack `event.type` or `type`, generic X-Alfe-Event or `type`.
QString eventType(Provider provider, const HeaderList& headers, const QJsonObject& body);

// What the classifier reads of a form-encoded Slack request: the JSON of its `payload` field (interactivity:
// block_actions, view_submission, shortcuts…), or {"type":"slash_command","command":…} for a slash command.
// An error when `payload` is there but is not a JSON object.
Result<QJsonObject> slackFormPayload(const QByteArray& body);

} // namespace Alfe::DeliveryClassifier
