#include "domain/DeliveryClassifier.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QUrlQuery>

namespace Alfe::DeliveryClassifier {

namespace {
constexpr int MaxKeyLength = 200;

QString bounded(const QString& s)
{
    return s.left(MaxKeyLength);
}

QString string(const QJsonObject& o, const char* key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 17);
    return {};
}
} // namespace

BodyKind bodyKind(const QByteArray& contentType)
{
    const QByteArray type = contentType.split(';').first().trimmed().toLower();
    if (type == "application/json" || (type.startsWith("application/") && type.endsWith("+json")))
        return BodyKind::Json;
    if (type == "application/x-www-form-urlencoded")
        return BodyKind::Form;
    return BodyKind::Unsupported;
}

QByteArray header(const HeaderList& headers, QByteArrayView name)
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value.trimmed();
    }
    return {};
}

QString dedupKey(Provider provider, const HeaderList& headers, const QJsonObject& body)
{
    // An id inside the signed body is what the provider signed: it wins over headers, which a replay of a
    // captured request can change without breaking its signature.
    if (provider == Provider::Stripe || provider == Provider::Slack) {
        const QString signedId = string(body, provider == Provider::Stripe ? "id" : "event_id");
        if (!signedId.isEmpty())
            return bounded(signedId);
    }
    for (const char* name : {"X-Alfe-Delivery-Id", "webhook-id", "Idempotency-Key"}) {
        const QByteArray value = header(headers, name);
        if (!value.isEmpty())
            return bounded(QString::fromUtf8(value));
    }
    if (provider == Provider::GitHub)
        return bounded(QString::fromUtf8(header(headers, "X-GitHub-Delivery")));
    return {};
}

QString eventType(Provider provider, const HeaderList& headers, const QJsonObject& body)
{
    switch (provider) {
    case Provider::GitHub: {
        const QString event = QString::fromUtf8(header(headers, "X-GitHub-Event"));
        const QString action = string(body, "action");
        return bounded(action.isEmpty() || event.isEmpty() ? event : event + QLatin1Char('.') + action);
    }
    case Provider::Stripe:
        return bounded(string(body, "type"));
    case Provider::Slack: {
        const QString inner = string(body.value(QLatin1String("event")).toObject(), "type");
        return bounded(inner.isEmpty() ? string(body, "type") : inner);
    }
    case Provider::Generic:
        break;
    }
    const QByteArray explicitType = header(headers, "X-Alfe-Event");
    return bounded(explicitType.isEmpty() ? string(body, "type") : QString::fromUtf8(explicitType));
}

Result<QJsonObject> slackFormPayload(const QByteArray& body)
{
    // In application/x-www-form-urlencoded a '+' is a space; QUrlQuery leaves it as it is.
    QByteArray encoded = body;
    encoded.replace('+', "%20");
    const QUrlQuery form(QString::fromUtf8(encoded));
    if (form.hasQueryItem(QStringLiteral("payload"))) {
        const QByteArray payload = form.queryItemValue(QStringLiteral("payload"), QUrl::FullyDecoded).toUtf8();
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
        if (error.error != QJsonParseError::NoError || !document.isObject())
            return Errors::invalid(
                QStringLiteral("The form's payload field is not a JSON object%1.")
                    .arg(error.error != QJsonParseError::NoError
                             ? QStringLiteral(": %1 at byte %2").arg(error.errorString()).arg(error.offset)
                             : QString()));
        return document.object();
    }
    if (form.hasQueryItem(QStringLiteral("command"))) {
        return QJsonObject{
            {QStringLiteral("type"), QStringLiteral("slash_command")},
            {QStringLiteral("command"), form.queryItemValue(QStringLiteral("command"), QUrl::FullyDecoded)}};
    }
    return QJsonObject();
}

} // namespace Alfe::DeliveryClassifier
