#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

// The answers the connection guard writes itself, before QHttpServer sees a request.
namespace Alfe::GuardAnswer {

// "10485760 bytes (10 MiB)", "1536 bytes (1.5 KiB)", "12 bytes".
QString sizeText(qint64 bytes);

// A whole HTTP/1.1 answer with a JSON error body ({"error":{"code","message"}}) and `Connection: close`.
QByteArray error(int status, const QByteArray& code, const QString& message,
                 const QList<QPair<QByteArray, QByteArray>>& extraHeaders);

} // namespace Alfe::GuardAnswer
