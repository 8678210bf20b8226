#pragma once

#include <QByteArray>
#include <QString>

namespace Alfe::DeliveryPayloadText {

// Larger bodies are shown in part (Export JSON keeps every byte).
inline constexpr qsizetype DisplayLimit = 256 * 1024;

// Valid UTF-8 without NUL or other control characters than tab, CR and LF: text a person can read.
bool isText(const QByteArray& bytes);
// JSON re-indented by two spaces, keys in their original order and numbers as written (QJsonDocument
// would sort the keys and round big integers). Empty when `body` is not JSON.
QString prettyJson(const QByteArray& body);
// application/x-www-form-urlencoded fields, one "name = value" a line, decoded.
QString formFields(const QByteArray& body);
// "512 bytes", "1.5 KiB", "10.0 MiB".
QString sizeText(qint64 bytes);

} // namespace Alfe::DeliveryPayloadText
