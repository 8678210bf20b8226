#pragma once

#include "domain/Delivery.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace Alfe::StreamFrame {

// The text frames of an agent's live stream (SPEC §12, docs/agents.md), one JSON object each.

// Server -> agent, first: who the stream belongs to and the terms it runs on.
QByteArray hello(const QString& agentId, int window, int ackTimeoutMs, int pingIntervalMs);
// Server -> agent: one delivery. `headers` is the whole forwarding set (the original headers and the
// X-Alfe-*, X-Alfe-Signature-256 and webhook-* ones); the body goes as base64 of its exact bytes.
QByteArray delivery(const Delivery& delivery, const HeaderList& headers, int attempt);
// Server -> agent: a frame it could not use ("bad_frame", "unknown_delivery"), the stream stays open.
QByteArray error(const QString& code, const QString& message, const QString& deliveryId = {});

// Agent -> server: an answer to one delivery.
struct Answer
{
    bool ack = false; // false: nack
    QString deliveryId;
    int statusCode = 0;       // what the agent's own handler answered, when it says (100-599), else 0
    qint64 retryAfterMs = -1; // nack: when to try again, at most a day; -1: on the schedule
    QString reason;           // nack: why, in the agent's words (at most MaxReasonChars)
};
static constexpr int MaxReasonChars = 500;
static constexpr qint64 MaxRetryAfterSeconds = 86'400;

// Reads an agent's frame. On a frame it cannot use, returns nothing and says why in `problem` (and the
// delivery it names, if any, in `answer`).
std::optional<Answer> parseAnswer(const QByteArray& text, QString* problem);

} // namespace Alfe::StreamFrame
