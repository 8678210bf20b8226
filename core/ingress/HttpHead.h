#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace Alfe {

// The head of one HTTP/1.x request (request line and header fields), assembled from however many reads it
// arrives in. feed() consumes bytes up to and including the blank line that ends the head and leaves the
// rest (the body, or the next request) to the caller. Framing is checked strictly, so that what the guard
// takes for the end of a request is where QHttpServer's parser sees it end too: anything ambiguous is
// Malformed rather than guessed at.
class HttpHead final
{
public:
    enum class Status
    {
        Incomplete,             // more bytes needed
        Complete,               // the blank line was seen and the head is well-formed
        Malformed,              // answer 400; problem() says why
        TooLarge,               // answer 431: over the size limit without its terminating blank line
        UnsupportedExpectation, // answer 417: an Expect other than 100-continue
    };

    explicit HttpHead(int sizeLimit = 64 * 1024);

    // Consumes bytes of the head from the start of `bytes`; returns how many it took. Takes nothing once the
    // status is no longer Incomplete.
    qsizetype feed(QByteArrayView bytes);

    Status status() const { return m_status; }
    const QString& problem() const { return m_problem; }
    // Bytes consumed so far, empty lines before the request line included.
    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }

    const QByteArray& method() const { return m_method; }
    const QByteArray& target() const { return m_target; }
    // 1 for HTTP/1.1, 0 for HTTP/1.0, -1 before the request line is known.
    int minorVersion() const { return m_minorVersion; }
    // Header fields in the order received, values without surrounding whitespace.
    const QList<QPair<QByteArray, QByteArray>>& fields() const { return m_fields; }
    // The first value of a field, name compared case-insensitively; null if absent.
    QByteArray value(QByteArrayView name) const;
    QList<QByteArray> values(QByteArrayView name) const;
    // The head written out again as HTTP/1.1: the request line and the fields as received, and the blank line.
    QByteArray text() const;

    // Known once Complete.
    qint64 contentLength() const { return m_contentLength; } // -1 without Content-Length; huge values clamp
    bool isChunked() const { return m_chunked; }
    bool hasBody() const { return m_chunked || m_contentLength > 0; }
    bool expectsContinue() const { return m_expectsContinue; }
    bool keepsAlive() const { return m_keepsAlive; }

private:
    void takeLine(QByteArrayView line);
    void takeRequestLine(QByteArrayView line);
    void takeField(QByteArrayView line);
    void finish();
    void fail(Status status, const QString& problem);

    int m_sizeLimit;
    Status m_status = Status::Incomplete;
    QString m_problem;
    qsizetype m_size = 0;
    QByteArray m_partialLine;
    QByteArray m_method;
    QByteArray m_target;
    int m_minorVersion = -1;
    QList<QPair<QByteArray, QByteArray>> m_fields;
    qint64 m_contentLength = -1;
    bool m_chunked = false;
    bool m_expectsContinue = false;
    bool m_keepsAlive = false;
};

// A request body sent with Transfer-Encoding: chunked, decoded just far enough to count its data bytes
// (chunk framing, extensions and trailers are not counted) and to find where it ends.
class ChunkedBody final
{
public:
    enum class Status
    {
        Incomplete,
        Complete, // the last chunk and the trailer section were seen
        Malformed,
    };

    // Consumes body bytes from the start of `bytes`, up to the end of the body; returns how many it took.
    // Appends decoded data to `dataHead` while it is shorter than `dataHeadLimit`.
    qsizetype feed(QByteArrayView bytes, QByteArray* dataHead = nullptr, qsizetype dataHeadLimit = 0);

    Status status() const { return m_status; }
    const QString& problem() const { return m_problem; }
    // Decoded data bytes so far.
    qint64 dataSize() const { return m_dataSize; }
    // Whether a trailer field (a header line after the last chunk) has started.
    bool hasTrailerFields() const { return m_hasTrailerFields; }

private:
    enum class Expecting
    {
        SizeFirstDigit,
        SizeDigits,
        SizeLineEnd, // after the size: optional whitespace and extensions, then CRLF
        SizeLF,
        Data,
        DataCR,
        DataLF,
        TrailerLineStart,
        TrailerLine,
        TrailerLF,
        EndLF,
    };

    void fail(const QString& problem);

    Expecting m_expecting = Expecting::SizeFirstDigit;
    Status m_status = Status::Incomplete;
    QString m_problem;
    qint64 m_chunkSize = 0;
    qint64 m_chunkRemaining = 0;
    qint64 m_dataSize = 0;
    qsizetype m_lineLength = 0;
    qsizetype m_trailerSize = 0;
    bool m_hasTrailerFields = false;
};

} // namespace Alfe
