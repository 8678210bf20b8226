#include "api/ApiRequest.h"

#include "api/ApiJson.h"
#include "domain/DeliveryClassifier.h"
#include "domain/Logging.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cctype>
#include <cmath>

namespace Alfe::Api {

namespace {
int statusFor(const Error& error)
{
    if (error.code == u"not_found")
        return 404;
    if (error.code == u"invalid_argument" || error.code == u"invalid_json")
        return 400;
    if (error.code == u"conflict")
        return 409;
    return 503;
}

[[maybe_unused]] bool needsNoEscaping(const QByteArray& text)
{
    for (const char c : text) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-'))
            return false;
    }
    return true;
}
} // namespace

QByteArray bearerToken(const HeaderList& headers)
{
    return bearerToken(DeliveryClassifier::header(headers, "Authorization"));
}

QByteArray bearerToken(const QByteArray& authorization)
{
    const bool bearer = authorization.size() > 7 && authorization.first(7).compare("Bearer ", Qt::CaseInsensitive) == 0;
    return bearer ? authorization.mid(7).trimmed() : QByteArray();
}

Result<QJsonObject> jsonBody(const ApiRequest& request)
{
    const QByteArray& body = request.body;
    if (body.trimmed().isEmpty())
        return QJsonObject();
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return Error{
            QStringLiteral("invalid_json"),
            QStringLiteral("The body is not valid JSON: %1 at byte %2.").arg(error.errorString()).arg(error.offset)};
    if (!document.isObject())
        return Error{QStringLiteral("invalid_json"), QStringLiteral("The body must be a JSON object.")};
    return document.object();
}

Result<std::optional<qint64>> wholeNumber(const QJsonObject& body, const char* key, qint64 min, qint64 max)
{
    const QJsonValue value = body.value(QLatin1String(key));
    if (value.isUndefined())
        return std::optional<qint64>();
    const double number = value.toDouble(-1);
    // The range first: converting 1e300 to an integer is undefined behaviour.
    if (!value.isDouble() || !(number >= double(min) && number <= double(max)) || number != std::floor(number))
        return Errors::invalid(
            QStringLiteral("%1 must be a whole number from %2 to %3.").arg(QLatin1String(key)).arg(min).arg(max));
    return std::optional<qint64>(qint64(number));
}

Result<std::optional<QString>> optionalString(const QJsonObject& body, const char* key)
{
    const QJsonValue value = body.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull())
        return std::optional<QString>();
    if (!value.isString())
        return Errors::invalid(QStringLiteral("%1 must be a string.").arg(QLatin1String(key)));
    return std::optional<QString>(value.toString());
}

Error notFound()
{
    return Errors::notFound(QStringLiteral("Not found."));
}

void fail(const Error& error, const ApiReply& reply)
{
    const int status = statusFor(error);
    if (status != 503) {
        reply(status, ApiJson::error(error.code, error.message), {});
        return;
    }
    // What the store or the crypto layer said (SQLite's text, a path) is for the log, not for the client.
    qCWarning(lcStore) << "API answered 503:" << error.code << error.message;
    reply(503,
          ApiJson::error(QStringLiteral("storage_unavailable"),
                         QStringLiteral("The store is unavailable right now. Retry later.")),
          {{"Retry-After", "5"}});
}

QByteArray withSecret(const QJsonObject& object, const char* key, const QByteArray& secret)
{
    Q_ASSERT(needsNoEscaping(secret));
    const QByteArray rest = ApiJson::compact(object); // "{...}"
    const qsizetype keySize = qsizetype(qstrlen(key));
    QByteArray json;
    json.reserve(rest.size() + keySize + secret.size() + 8);
    json.append(rest.constData(), rest.size() - 1);
    if (rest.size() > 2)
        json.append(',');
    json.append('"').append(key, keySize).append("\":\"").append(secret).append("\"}");
    return json;
}

} // namespace Alfe::Api
