#pragma once

#include "domain/Domain.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <memory>
#include <optional>

namespace Alfe {

enum class DeliveryStatus
{
    Queued,
    Delivering,
    Retrying,
    Delivered,
    Failed,
    Duplicate,
};

QString deliveryStatusName(DeliveryStatus status);
std::optional<DeliveryStatus> deliveryStatusFromName(const QString& name);

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// One try to hand a delivery to its agent.
struct Attempt
{
    int n = 0;
    qint64 startedAtMs = 0;
    std::optional<qint64> durationMs;
    std::optional<int> statusCode;
    QString error;                        // network error, "interrupted", or empty
    QString via = QStringLiteral("http"); // "http" (the forward URL) or "stream" (the agent's live stream)
};

// One accepted inbound request. `headers` and `body` are filled only by DeliveryStore::get().
struct Delivery
{
    QString id;
    QString webhookId;
    qint64 receivedAtMs = 0;
    Provider provider = Provider::Generic;
    QString eventType;
    QString dedupKey;
    QString contentType;
    QString verifiedBy; // the signature scheme that verified it ("alfe", "stripe", …); filled only by get()
    DeliveryStatus status = DeliveryStatus::Queued;
    QString duplicateOf;
    int attemptCount = 0;
    std::optional<qint64> nextAttemptAtMs;
    std::optional<int> lastStatusCode;
    std::optional<qint64> lastLatencyMs;
    HeaderList headers;
    QByteArray body;
    QList<Attempt> attempts;
};

// A delivery the writer has just committed, as handed to the delivery scheduler (no query needed to find
// it).
struct CommittedDelivery
{
    QString deliveryId;
    QString agentId;
    // The delivery as stored (small bodies only), so that its first attempt needs no read of the store.
    std::shared_ptr<const Delivery> delivery;
};

// A request the ingress refused (by the guard or the hook receiver), as handed to the writer for the
// refused-request log.
struct RefusedRequest
{
    // What is kept of a refused request's body: enough to see what a sender sent, not enough to fill a disk.
    static constexpr qsizetype BodyHeadBytes = 4 * 1024;

    int status = 0;
    QByteArray code; // "payload_too_large", "method_not_allowed", ...
    QString detail;  // why, beyond the code ("Stripe-Signature timestamp 412 s old (tolerance 300 s)")
    QByteArray method;
    QByteArray path;              // the request target as in the request line
    HeaderList headers;           // in order, as received
    QByteArray bodyHead;          // the first BodyHeadBytes of body bytes seen, if any
    qint64 declaredBodySize = -1; // Content-Length, if the head had one
    QString remoteAddress;
};

// A request the ingress refused (401/404/405/410/413/415/429/400…), kept so a user can see why a sender
// fails: headers and the first 4 KiB of the body, in a log capped by rows, age and bytes.
struct RefusedEntry
{
    qint64 id = 0;
    qint64 receivedAtMs = 0;
    QString webhookId; // empty when the path named none
    int status = 0;
    QString reason; // the error code answered
    QString detail; // why, in words (which signature failed and how); may be empty
    QString method;
    QString path;
    QString remoteAddress;
    HeaderList headers;
    QByteArray bodyHead;
    qint64 bodySize = 0;
};

} // namespace Alfe
