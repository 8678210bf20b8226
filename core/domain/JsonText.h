#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

namespace Alfe::JsonText {

struct Parsed
{
    QJsonValue value{QJsonValue::Undefined}; // undefined when error is set
    QString error;                           // empty when the text is valid JSON
    qsizetype offset = 0;                    // byte offset of the error
};

// Parses a whole JSON text as RFC 8259 defines it. Qt 6.4's QJsonDocument differs in two ways, both fixed
// here: it refuses a scalar at the top ("null", "\"text\"", 42), which is valid JSON, and it lets a raw
// control character (U+0000..U+001F) through inside a string, which is not (JSON.parse and json.loads refuse
// it, so an agent would choke on a body the ingress had accepted).
Parsed parse(const QByteArray& text);

} // namespace Alfe::JsonText
