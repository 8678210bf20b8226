#include "ingress/HttpHead.h"

#include "domain/HexDigit.h"

#include <limits>
#include <utility>

namespace Alfe {

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (const char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimmed(QByteArrayView s)
{
    while (!s.isEmpty() && isWhitespace(s.front()))
        s = s.sliced(1);
    while (!s.isEmpty() && isWhitespace(s.back()))
        s.chop(1);
    return s;
}

// The elements of comma-separated field values, trimmed and without empty elements.
QList<QByteArray> listElements(const QList<QByteArray>& values)
{
    QList<QByteArray> elements;
    for (const QByteArray& value : values) {
        for (const QByteArray& element : value.split(',')) {
            const QByteArrayView e = trimmed(element);
            if (!e.isEmpty())
                elements.append(e.toByteArray());
        }
    }
    return elements;
}

// Client-supplied text for a message: printable, and short.
QString quoted(QByteArrayView s)
{
    constexpr qsizetype maxLength = 80;
    QByteArray shown = s.first(qMin(s.size(), maxLength)).toByteArray();
    for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            c = '?';
    }
    return QLatin1Char('"') + QString::fromLatin1(shown) +
           (s.size() > maxLength ? QLatin1String("...\"") : QLatin1String("\""));
}

QString sizeText(qint64 bytes)
{
    return QStringLiteral("%1 bytes (%2 KiB)").arg(bytes).arg(bytes / 1024);
}

} // namespace

HttpHead::HttpHead(int sizeLimit)
    : m_sizeLimit(sizeLimit)
{}

qsizetype HttpHead::feed(QByteArrayView bytes)
{
    qsizetype used = 0;
    while (m_status == Status::Incomplete && used < bytes.size()) {
        const QByteArrayView rest = bytes.sliced(used);
        const qsizetype newline = rest.indexOf('\n');
        const qsizetype take = newline < 0 ? rest.size() : newline + 1;
        used += take;
        m_size += take;
        if (m_size > m_sizeLimit) {
            fail(Status::TooLarge, QStringLiteral("The request head is larger than %1; it must end (with an empty "
                                                  "line) within that.")
                                       .arg(sizeText(m_sizeLimit)));
            break;
        }
        if (newline < 0) {
            m_partialLine += rest;
            break;
        }
        m_partialLine += rest.first(newline);
        QByteArray line = std::exchange(m_partialLine, {});
        if (line.endsWith('\r'))
            line.chop(1);
        takeLine(line);
    }
    return used;
}

QByteArray HttpHead::value(QByteArrayView name) const
{
    for (const auto& field : m_fields) {
        if (field.first.compare(name, Qt::CaseInsensitive) == 0)
            return field.second;
    }
    return {};
}

QList<QByteArray> HttpHead::values(QByteArrayView name) const
{
    QList<QByteArray> found;
    for (const auto& field : m_fields) {
        if (field.first.compare(name, Qt::CaseInsensitive) == 0)
            found.append(field.second);
    }
    return found;
}

QByteArray HttpHead::text() const
{
    QByteArray out = m_method + ' ' + m_target + " HTTP/1.1\r\n";
    for (const auto& [name, value] : m_fields)
        out += name + ": " + value + "\r\n";
    return out + "\r\n";
}

void HttpHead::takeLine(QByteArrayView line)
{
    if (line.contains('\r'))
        return fail(Status::Malformed, QStringLiteral("The request head contains a CR that does not end a line."));
    if (m_method.isEmpty()) {
        if (!line.isEmpty()) // empty lines before the request line are ignored (RFC 9112, 2.2)
            takeRequestLine(line);
        return;
    }
    if (line.isEmpty())
        return finish();
    takeField(line);
}

void HttpHead::takeRequestLine(QByteArrayView line)
{
    const QList<QByteArray> parts = line.toByteArray().split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty()) {
        return fail(
            Status::Malformed,
            QStringLiteral("The request line %1 is not of the form \"METHOD /path HTTP/1.1\".").arg(quoted(line)));
    }
    for (const char c : parts[1]) {
        if (c <= ' ' || c >= 0x7f) {
            return fail(Status::Malformed,
                        QStringLiteral("The request target %1 contains a character that must be percent-encoded.")
                            .arg(quoted(parts[1])));
        }
    }
    if (parts[2] == "HTTP/1.1") {
        m_minorVersion = 1;
    } else if (parts[2] == "HTTP/1.0") {
        m_minorVersion = 0;
    } else {
        return fail(
            Status::Malformed,
            QStringLiteral("The HTTP version %1 is not supported; use HTTP/1.1 or HTTP/1.0.").arg(quoted(parts[2])));
    }
    m_method = parts[0];
    m_target = parts[1];
}

void HttpHead::takeField(QByteArrayView line)
{
    if (isWhitespace(line.front())) {
        return fail(Status::Malformed,
                    QStringLiteral("The header line %1 starts with whitespace; folded header lines are not accepted.")
                        .arg(quoted(line)));
    }
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        return fail(Status::Malformed, QStringLiteral("The header line %1 has no colon.").arg(quoted(line)));
    const QByteArrayView name = line.first(colon);
    if (!name.isEmpty() && isWhitespace(name.back())) {
        return fail(
            Status::Malformed,
            QStringLiteral("The header field name %1 is followed by whitespace before its colon.").arg(quoted(name)));
    }
    if (!isToken(name)) {
        return fail(Status::Malformed,
                    QStringLiteral("The header field name %1 is empty or contains characters that are not allowed.")
                        .arg(quoted(name)));
    }
    const QByteArrayView value = trimmed(line.sliced(colon + 1));
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
            return fail(
                Status::Malformed,
                QStringLiteral("The value of the header field %1 contains a control character.").arg(quoted(name)));
        }
    }
    m_fields.append({name.toByteArray(), value.toByteArray()});
}

void HttpHead::finish()
{
    // Content-Length is one field holding one number. RFC 9110 allows a list of equal values, but Qt 6.4's
    // parser reads such a list as no length at all (it answers at once and takes the body for the next request),
    // so any disagreement between the guard and QHttpServer about where a request ends is refused instead.
    const QList<QByteArray> lengthFields = values("Content-Length");
    if (lengthFields.size() > 1) {
        return fail(Status::Malformed,
                    QStringLiteral("Content-Length is given %1 times; send it once.").arg(lengthFields.size()));
    }
    if (!lengthFields.isEmpty()) {
        const QByteArray& length = lengthFields.first();
        if (length.isEmpty())
            return fail(Status::Malformed, QStringLiteral("Content-Length is empty."));
        if (length.contains(','))
            return fail(Status::Malformed,
                        QStringLiteral("Content-Length %1 is a list; send one number of bytes.").arg(quoted(length)));
        for (const char c : length) {
            if (c < '0' || c > '9') {
                return fail(Status::Malformed,
                            QStringLiteral("Content-Length %1 is not a number of bytes.").arg(quoted(length)));
            }
        }
        // A number too long for qint64 is still a length: clamp it, so it is answered 413, not 400.
        constexpr qsizetype maxDigits = 18;
        m_contentLength = length.size() > maxDigits ? std::numeric_limits<qint64>::max() : length.toLongLong();
    }

    const QList<QByteArray> transferFields = values("Transfer-Encoding");
    if (!transferFields.isEmpty()) {
        if (m_contentLength >= 0) {
            return fail(Status::Malformed, QStringLiteral("The request has both Content-Length and Transfer-Encoding, "
                                                          "which makes its length ambiguous (request smuggling); "
                                                          "send only one."));
        }
        if (m_minorVersion == 0) {
            return fail(
                Status::Malformed,
                QStringLiteral("Transfer-Encoding is not allowed in an HTTP/1.0 request; send Content-Length."));
        }
        const QList<QByteArray> codings = listElements(transferFields);
        if (codings.size() != 1 || codings[0].compare("chunked", Qt::CaseInsensitive) != 0) {
            return fail(Status::Malformed, QStringLiteral("Transfer-Encoding %1 is not supported; only \"chunked\" is.")
                                               .arg(quoted(transferFields.join(", "))));
        }
        m_chunked = true;
    }

    if (m_minorVersion == 1) { // an HTTP/1.0 server ignores Expect (RFC 9110, 10.1.1)
        for (const QByteArray& expectation : listElements(values("Expect"))) {
            if (expectation.compare("100-continue", Qt::CaseInsensitive) != 0) {
                return fail(
                    Status::UnsupportedExpectation,
                    QStringLiteral("Expect: %1 is not supported; only 100-continue is.").arg(quoted(expectation)));
            }
            m_expectsContinue = true;
        }
    }

    m_keepsAlive = m_minorVersion == 1;
    for (const QByteArray& option : listElements(values("Connection"))) {
        if (option.compare("close", Qt::CaseInsensitive) == 0) {
            m_keepsAlive = false;
            break;
        }
        if (option.compare("keep-alive", Qt::CaseInsensitive) == 0)
            m_keepsAlive = true;
    }
    m_status = Status::Complete;
}

void HttpHead::fail(Status status, const QString& problem)
{
    m_status = status;
    m_problem = problem;
}

qsizetype ChunkedBody::feed(QByteArrayView bytes, QByteArray* dataHead, qsizetype dataHeadLimit)
{
    constexpr int maxSizeDigits = 15; // 2^60 bytes: more than anyone sends, and no qint64 overflow
    constexpr qsizetype maxSizeLineLength = 4096;
    constexpr qsizetype maxTrailerSize = 64 * 1024;

    qsizetype i = 0;
    while (m_status == Status::Incomplete && i < bytes.size()) {
        if (m_expecting == Expecting::Data) {
            const qint64 n = qMin<qint64>(m_chunkRemaining, bytes.size() - i);
            if (dataHead && dataHead->size() < dataHeadLimit)
                dataHead->append(bytes.sliced(i, qMin<qint64>(n, dataHeadLimit - dataHead->size())));
            m_dataSize += n;
            m_chunkRemaining -= n;
            i += n;
            if (m_chunkRemaining == 0)
                m_expecting = Expecting::DataCR;
            continue;
        }
        const char c = bytes.at(i++);
        switch (m_expecting) {
        case Expecting::SizeFirstDigit:
        case Expecting::SizeDigits:
            if (const int digit = hexDigitValue(c); digit >= 0) {
                if (++m_lineLength > maxSizeDigits) {
                    fail(QStringLiteral("A chunk size has more than %1 hex digits.").arg(maxSizeDigits));
                    break; // before the multiplication that would overflow
                }
                m_chunkSize = m_chunkSize * 16 + digit;
                m_expecting = Expecting::SizeDigits;
            } else if (m_expecting == Expecting::SizeFirstDigit) {
                fail(QStringLiteral("A chunk does not start with its size in hex."));
            } else if (c == '\r') {
                m_expecting = Expecting::SizeLF;
            } else if (c == ';') {
                m_expecting = Expecting::SizeLineEnd;
            } else {
                // Whitespace included: Qt 6.4 reads "29 z" as a last chunk of size 0, so only what both read the
                // same way is let through.
                fail(QStringLiteral("A chunk size is followed by something other than \";\" (an extension) or "
                                    "CRLF."));
            }
            break;
        case Expecting::SizeLineEnd: // chunk extensions: ignored, but bounded
            if (c == '\r')
                m_expecting = Expecting::SizeLF;
            else if (c == '\n' || c == 0)
                fail(QStringLiteral("A chunk size line is not ended by CRLF."));
            else if (++m_lineLength > maxSizeLineLength)
                fail(QStringLiteral("A chunk size line is longer than %1 bytes.").arg(maxSizeLineLength));
            break;
        case Expecting::SizeLF:
            if (c != '\n') {
                fail(QStringLiteral("A chunk size line is not ended by CRLF."));
                break;
            }
            m_chunkRemaining = std::exchange(m_chunkSize, 0);
            m_lineLength = 0;
            m_expecting = m_chunkRemaining > 0 ? Expecting::Data : Expecting::TrailerLineStart;
            break;
        case Expecting::Data:
            break; // handled above
        case Expecting::DataCR:
            if (c == '\r')
                m_expecting = Expecting::DataLF;
            else
                fail(QStringLiteral("A chunk is longer than its size says (its data is not followed by CRLF)."));
            break;
        case Expecting::DataLF:
            if (c == '\n')
                m_expecting = Expecting::SizeFirstDigit;
            else
                fail(QStringLiteral("A chunk's data is not followed by CRLF."));
            break;
        case Expecting::TrailerLineStart:
        case Expecting::TrailerLine:
            if (++m_trailerSize > maxTrailerSize)
                fail(QStringLiteral("The trailer section is larger than %1 bytes.").arg(maxTrailerSize));
            else if (c == '\r')
                m_expecting = m_expecting == Expecting::TrailerLineStart ? Expecting::EndLF : Expecting::TrailerLF;
            else if (c == '\n' || c == 0)
                fail(QStringLiteral("A trailer line is not ended by CRLF."));
            else
                m_expecting = Expecting::TrailerLine;
            m_hasTrailerFields = m_hasTrailerFields || m_expecting == Expecting::TrailerLine;
            break;
        case Expecting::TrailerLF:
            if (c == '\n')
                m_expecting = Expecting::TrailerLineStart;
            else
                fail(QStringLiteral("A trailer line is not ended by CRLF."));
            break;
        case Expecting::EndLF:
            if (c == '\n')
                m_status = Status::Complete;
            else
                fail(QStringLiteral("The chunked body does not end with CRLF."));
            break;
        }
    }
    return i;
}

void ChunkedBody::fail(const QString& problem)
{
    m_status = Status::Malformed;
    m_problem = problem;
}

} // namespace Alfe
