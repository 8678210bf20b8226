#include "delivery/StreamFrame.h"

#include "crypto/Signature.h"
#include "domain/Domain.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace Alfe::StreamFrame {

namespace {
QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString rfc3339(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}
} // namespace

QByteArray hello(const QString& agentId, int window, int ackTimeoutMs, int pingIntervalMs)
{
    return compact(QJsonObject{
        {QStringLiteral("type"), QStringLiteral("hello")},
        {QStringLiteral("agentId"), agentId},
        {QStringLiteral("window"), window},
        {QStringLiteral("ackTimeoutSeconds"), ackTimeoutMs / 1000.0},
        {QStringLiteral("pingIntervalSeconds"), pingIntervalMs / 1000.0},
    });
}

QByteArray delivery(const Delivery& d, const HeaderList& headers, int attempt)
{
    // Repeated header names are joined with ", " (RFC 9110, 5.3); values are their bytes as ISO-8859-1, so
    // that a relay writes back exactly what arrived.
    QJsonObject names;
    QByteArray signature;
    for (const auto& [name, value] : headers) {
        const QString key = QString::fromLatin1(name);
        const QString text = QString::fromLatin1(value);
        const auto it = names.find(key);
        if (it == names.end())
            names.insert(key, text);
        else
            *it = it->toString() + QStringLiteral(", ") + text;
        if (name.compare(Signature::HeaderName, Qt::CaseInsensitive) == 0)
            signature = value;
    }
    QByteArray out = compact(QJsonObject{
        {QStringLiteral("type"), QStringLiteral("delivery")},
        {QStringLiteral("deliveryId"), d.id},
        {QStringLiteral("webhookId"), d.webhookId},
        {QStringLiteral("provider"), providerName(d.provider)},
        {QStringLiteral("eventType"), d.eventType},
        {QStringLiteral("receivedAt"), rfc3339(d.receivedAtMs)},
        {QStringLiteral("attempt"), attempt},
        {QStringLiteral("contentType"), d.contentType},
        {QStringLiteral("headers"), names},
        {QStringLiteral("signature"), QString::fromLatin1(signature)},
    });
    // The body is spliced in rather than put through QJsonObject: base64 needs no escaping, and a 10 MiB
    // body is not copied into UTF-16 and back.
    out.chop(1);
    out += ",\"body\":\"";
    out += d.body.toBase64();
    out += "\"}";
    return out;
}

QByteArray error(const QString& code, const QString& message, const QString& deliveryId)
{
    QJsonObject out{{QStringLiteral("type"), QStringLiteral("error")},
                    {QStringLiteral("code"), code},
                    {QStringLiteral("message"), message}};
    if (!deliveryId.isEmpty())
        out.insert(QStringLiteral("deliveryId"), deliveryId);
    return compact(out);
}

std::optional<Answer> parseAnswer(const QByteArray& text, QString* problem)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *problem = QStringLiteral("The frame is not a JSON object; send {\"type\":\"ack\",\"deliveryId\":\"…\"} or "
                                  "{\"type\":\"nack\",…}.");
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    const QString type = object.value(QLatin1String("type")).toString();
    if (type != u"ack" && type != u"nack") {
        *problem = type.isEmpty()
                       ? QStringLiteral("The frame has no \"type\"; use \"ack\" or \"nack\".")
                       : QStringLiteral("Unknown frame type \"%1\"; use \"ack\" or \"nack\".").arg(type.left(40));
        return std::nullopt;
    }
    Answer answer;
    answer.ack = type == u"ack";
    const QJsonValue id = object.value(QLatin1String("deliveryId"));
    if (!id.isString() || id.toString().isEmpty()) {
        *problem = QStringLiteral("The %1 has no \"deliveryId\" string.").arg(type);
        return std::nullopt;
    }
    answer.deliveryId = id.toString();
    if (const QJsonValue status = object.value(QLatin1String("status")); !status.isUndefined() && !status.isNull()) {
        const double code = status.toDouble(-1);
        if (!status.isDouble() || code != std::floor(code) || code < 100 || code > 599) {
            *problem = QStringLiteral("\"status\" must be an HTTP status code from 100 to 599.");
            return std::nullopt;
        }
        answer.statusCode = int(code);
    }
    if (const QJsonValue reason = object.value(QLatin1String("reason")); !reason.isUndefined() && !reason.isNull()) {
        if (!reason.isString()) {
            *problem = QStringLiteral("\"reason\" must be a string.");
            return std::nullopt;
        }
        answer.reason = reason.toString().left(MaxReasonChars);
    }
    if (const QJsonValue after = object.value(QLatin1String("retryAfter")); !after.isUndefined() && !after.isNull()) {
        const double seconds = after.toDouble(-1);
        if (answer.ack || !after.isDouble() || seconds < 0 || seconds > double(MaxRetryAfterSeconds)) {
            *problem = answer.ack ? QStringLiteral("\"retryAfter\" belongs in a nack, not an ack.")
                                  : QStringLiteral("\"retryAfter\" must be a number of seconds from 0 to %1.")
                                        .arg(MaxRetryAfterSeconds);
            return std::nullopt;
        }
        answer.retryAfterMs = qint64(std::llround(seconds * 1000));
    }
    return answer;
}

} // namespace Alfe::StreamFrame
