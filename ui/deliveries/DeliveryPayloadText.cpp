#include "deliveries/DeliveryPayloadText.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLocale>
#include <QStringDecoder>

namespace Alfe::DeliveryPayloadText {

bool isText(const QByteArray& bytes)
{
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return false;
    }
    auto decoder = QStringDecoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder.decode(bytes);
    Q_UNUSED(decoded)
    return !decoder.hasError();
}

QString prettyJson(const QByteArray& body)
{
    QJsonParseError error;
    QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return {};
    const QString text = QString::fromUtf8(body);
    QString out;
    out.reserve(text.size() * 3 / 2);
    int indent = 0;
    auto newline = [&] {
        out += QLatin1Char('\n');
        out += QString(indent * 2, QLatin1Char(' '));
    };
    auto nextSolid = [&](qsizetype from) {
        while (from < text.size() && text.at(from).isSpace())
            ++from;
        return from;
    };
    bool inString = false;
    bool escaped = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (inString) {
            out += c;
            if (escaped)
                escaped = false;
            else if (c == u'\\')
                escaped = true;
            else if (c == u'"')
                inString = false;
            continue;
        }
        switch (c.unicode()) {
        case u'"':
            inString = true;
            out += c;
            break;
        case u'{':
        case u'[': {
            const qsizetype next = nextSolid(i + 1);
            const QChar close = c == u'{' ? u'}' : u']';
            out += c;
            if (next < text.size() && text.at(next) == close) {
                out += close; // {} and [] stay on one line
                i = next;
            } else {
                ++indent;
                newline();
            }
            break;
        }
        case u'}':
        case u']':
            --indent;
            newline();
            out += c;
            break;
        case u',':
            out += c;
            newline();
            break;
        case u':':
            out += QStringLiteral(": ");
            break;
        default:
            if (!c.isSpace())
                out += c;
            break;
        }
    }
    return out;
}

QString formFields(const QByteArray& body)
{
    QStringList lines;
    for (const QByteArray& pair : body.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype eq = pair.indexOf('=');
        QByteArray name = eq < 0 ? pair : pair.left(eq);
        QByteArray value = eq < 0 ? QByteArray() : pair.mid(eq + 1);
        name.replace('+', ' ');
        value.replace('+', ' ');
        lines << QStringLiteral("%1 = %2").arg(QString::fromUtf8(QByteArray::fromPercentEncoding(name)),
                                               QString::fromUtf8(QByteArray::fromPercentEncoding(value)));
    }
    return lines.join(QLatin1Char('\n'));
}

QString sizeText(qint64 bytes)
{
    const QLocale locale;
    if (bytes < 1024)
        return bytes == 1 ? QCoreApplication::translate("DeliveryPayloadText", "1 byte")
                          : QCoreApplication::translate("DeliveryPayloadText", "%1 bytes").arg(bytes);
    if (bytes < 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(locale.toString(double(bytes) / 1024.0, 'f', 1));
    return QStringLiteral("%1 MiB").arg(locale.toString(double(bytes) / (1024.0 * 1024.0), 'f', 1));
}

} // namespace Alfe::DeliveryPayloadText
