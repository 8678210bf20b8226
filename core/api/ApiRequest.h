#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QUrlQuery>

#include <functional>
#include <optional>

namespace Alfe {

// What the APIs need of a request: copied off QHttpServerRequest on the ingress thread, so that the APIs can
// run on the writer's thread.
struct ApiRequest
{
    QByteArray method;
    QByteArray path; // no query string
    HeaderList headers;
    QByteArray body;
    QUrlQuery query;
    QString remote; // the client's address
};

// How an API answers: a status, a JSON body (empty for none) and headers beyond Content-Type.
using ApiReply = std::function<void(int status, const QByteArray& json, const HeaderList& extraHeaders)>;

// What the management API and the admin API share: reading a request and answering errors (§6).
namespace Api {

// The token of "Authorization: Bearer <token>" (the scheme is case-insensitive, RFC 9110 11.1), or empty. The
// caller cleanses it when done.
QByteArray bearerToken(const HeaderList& headers);
// The same from the Authorization header's value (the guard's upgrade checks read heads, not HeaderLists).
QByteArray bearerToken(const QByteArray& authorization);
// The body as a JSON object; an empty body is {}. invalid_json otherwise.
Result<QJsonObject> jsonBody(const ApiRequest& request);
// body[key] as a whole number from `min` to `max`; nothing when absent; an error naming the key otherwise.
Result<std::optional<qint64>> wholeNumber(const QJsonObject& body, const char* key, qint64 min, qint64 max);
// body[key] as an optional string: nothing when absent or null, an error naming the key when not a string.
Result<std::optional<QString>> optionalString(const QJsonObject& body, const char* key);
Error notFound();
// Answers an error: 404 not_found, 400 invalid_argument/invalid_json, 409 conflict, else 503 with a fixed
// message (the detail goes to the log, not to the client).
void fail(const Error& error, const ApiReply& reply);
// `object` as compact JSON with `key` added, valued `secret`. The secret goes straight into the answer's bytes:
// through QJsonObject it would be copied into a QString (UTF-16) and QJsonValue internals that nothing here can
// wipe. One buffer reserved at its final size, so no reallocation leaves a copy behind. Secrets and tokens
// (base64, base64url, a prefix) need no JSON escaping.
QByteArray withSecret(const QJsonObject& object, const char* key, const QByteArray& secret);

} // namespace Api

} // namespace Alfe
