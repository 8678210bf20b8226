#include "domain/JsonText.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace Alfe::JsonText {

namespace {
// The offset of the first raw control character inside a string, or -1.
qsizetype controlCharacterInString(const QByteArray& text)
{
    bool inString = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text.at(i));
        if (!inString) {
            inString = c == '"';
        } else if (c == '\\') {
            ++i; // the escaped character, whatever it is, is not the end of the string
        } else if (c == '"') {
            inString = false;
        } else if (c < 0x20) {
            return i;
        }
    }
    return -1;
}

bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
} // namespace

Parsed parse(const QByteArray& text)
{
    Parsed parsed;
    if (const qsizetype at = controlCharacterInString(text); at >= 0) {
        parsed.error = QStringLiteral("a control character (0x%1) inside a string must be escaped")
                           .arg(int(static_cast<unsigned char>(text.at(at))), 2, 16, QLatin1Char('0'));
        parsed.offset = at;
        return parsed;
    }
    qsizetype first = text.startsWith("\xEF\xBB\xBF") ? 3 : 0; // a byte order mark may be ignored (RFC 8259, 8.1)
    while (first < text.size() && isJsonWhitespace(text.at(first)))
        ++first;
    const bool container = first < text.size() && (text.at(first) == '{' || text.at(first) == '[');
    QJsonParseError error;
    if (container) {
        const QJsonDocument document = QJsonDocument::fromJson(text, &error);
        if (error.error == QJsonParseError::NoError) {
            parsed.value = document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
            return parsed;
        }
        parsed.offset = qBound(qsizetype(0), qsizetype(error.offset), text.size()); // Qt may point past the end
    } else {
        // A scalar: QJsonDocument takes it as the one element of an array.
        const QJsonDocument document = QJsonDocument::fromJson('[' + text + ']', &error);
        if (error.error == QJsonParseError::NoError && document.array().size() == 1) {
            parsed.value = document.array().first();
            return parsed;
        }
        if (error.error == QJsonParseError::NoError) // "1, 2": more than one value
            error.error = QJsonParseError::GarbageAtEnd;
        parsed.offset = qBound(qsizetype(0), qsizetype(error.offset) - 1, text.size());
    }
    parsed.error = error.error == QJsonParseError::NoError ? QStringLiteral("garbage at the end") : error.errorString();
    return parsed;
}

} // namespace Alfe::JsonText
