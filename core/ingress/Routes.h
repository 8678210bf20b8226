#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Alfe::Routes {

// One route of the server: a path pattern whose "{…}" parts stand for one path segment, and a method.
struct Route
{
    QByteArray method;
    QByteArray pattern; // e.g. "/v1/webhooks/{webhookId}/rotate", as written in docs/openapi.yaml
};

// Every route the server serves: the ingress and the management API.
const QList<Route>& all();

// The methods a path accepts, from all(). An empty list means the path is not ours (404). A method not
// in a non-empty list is answered 405 with `Allow: <methods joined by ", ">`. The query string is ignored.
QList<QByteArray> allowedMethods(QByteArrayView path);

// The path without its query string.
QByteArrayView withoutQuery(QByteArrayView path);

// "/v1/hooks/<id>" -> "<id>", else empty.
QByteArray hookIdFromPath(QByteArrayView path);

} // namespace Alfe::Routes
