#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Alfe::Routes {

// The server's route table as the connection guard sees it: the methods a path accepts. An empty list
// means the path is not ours (404). A method not in a non-empty list is answered 405 with
// `Allow: <methods joined by ", ">`. Paths are matched without their query string.
QList<QByteArray> allowedMethods(QByteArrayView path);

// "/v1/hooks/<id>" -> "<id>", else empty.
QByteArray hookIdFromPath(QByteArrayView path);

} // namespace Alfe::Routes
