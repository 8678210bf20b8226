// Fuzzes the connection guard's HTTP/1.x parsers (core/ingress/HttpHead.h): HttpHead over arbitrary bytes,
// then ChunkedBody over what follows a chunked head. Each input is parsed in one read, in two reads split at
// a point the fuzzer chooses, and one byte per read: the outcome must not depend on how the bytes arrive.
//
// Input: byte 0 flags (bit 0: the whole rest is a chunked body; bits 1-2: the head size limit), bytes 1-2
// the split point, then the bytes of the connection.

#include "FuzzSupport.h"

#include "ingress/HttpHead.h"

#include <QList>

using Alfe::ChunkedBody;
using Alfe::HttpHead;

namespace {

struct Head
{
    HttpHead::Status status = HttpHead::Status::Incomplete;
    QString problem;
    qsizetype consumed = 0;
    QByteArray method, target;
    int minorVersion = -1;
    QList<QPair<QByteArray, QByteArray>> fields;
    qint64 contentLength = -1;
    bool chunked = false, expectsContinue = false, keepsAlive = false;

    bool operator==(const Head& o) const
    {
        return status == o.status && problem == o.problem && consumed == o.consumed && method == o.method &&
               target == o.target && minorVersion == o.minorVersion && fields == o.fields &&
               contentLength == o.contentLength && chunked == o.chunked && expectsContinue == o.expectsContinue &&
               keepsAlive == o.keepsAlive;
    }
};

// Feeds `pieces` in order until the head is no longer Incomplete.
Head parseHead(const QList<QByteArrayView>& pieces, int limit)
{
    HttpHead head(limit);
    Head out;
    for (const QByteArrayView piece : pieces) {
        if (head.status() != HttpHead::Status::Incomplete)
            break;
        const qsizetype took = head.feed(piece);
        FUZZ_CHECK(took >= 0 && took <= piece.size());
        if (head.status() == HttpHead::Status::Incomplete)
            FUZZ_CHECK(took == piece.size());
        out.consumed += took;
    }
    FUZZ_CHECK(head.size() == out.consumed);
    FUZZ_CHECK(head.isEmpty() == (out.consumed == 0));
    out.status = head.status();
    out.problem = head.problem();
    out.method = head.method();
    out.target = head.target();
    out.minorVersion = head.minorVersion();
    out.fields = head.fields();
    out.contentLength = head.contentLength();
    out.chunked = head.isChunked();
    out.expectsContinue = head.expectsContinue();
    out.keepsAlive = head.keepsAlive();
    if (out.status == HttpHead::Status::Complete) {
        FUZZ_CHECK(out.consumed <= limit);
        FUZZ_CHECK(!out.method.isEmpty() && !out.target.isEmpty());
        FUZZ_CHECK(out.minorVersion == 0 || out.minorVersion == 1);
        FUZZ_CHECK(out.contentLength >= -1);
        FUZZ_CHECK(!(out.chunked && out.contentLength >= 0)); // never both: request smuggling
        FUZZ_CHECK(head.hasBody() == (out.chunked || out.contentLength > 0));
        FUZZ_CHECK(head.values("content-length").size() == head.values("Content-Length").size());
        for (const auto& [name, value] : out.fields) {
            FUZZ_CHECK(!name.isEmpty());
            FUZZ_CHECK(!value.startsWith(' ') && !value.endsWith(' '));
            FUZZ_CHECK(!value.contains('\r') && !value.contains('\n'));
        }
    } else {
        FUZZ_CHECK(out.status == HttpHead::Status::Incomplete || !out.problem.isEmpty());
    }
    if (out.status != HttpHead::Status::Incomplete)
        FUZZ_CHECK(head.feed("GET / HTTP/1.1\r\n\r\n") == 0); // takes nothing once decided
    if (out.status == HttpHead::Status::TooLarge) {
        // Where it stops depends on the reads (one read takes a whole line before counting it), and does not
        // matter: the connection is answered 431 and closed. That it stopped past the limit does.
        FUZZ_CHECK(out.consumed > limit);
        out.consumed = -1;
    }
    return out;
}

struct Body
{
    ChunkedBody::Status status = ChunkedBody::Status::Incomplete;
    QString problem;
    qsizetype consumed = 0;
    qint64 dataSize = 0;
    QByteArray dataHead;
    bool trailers = false;

    bool operator==(const Body& o) const
    {
        return status == o.status && problem == o.problem && consumed == o.consumed && dataSize == o.dataSize &&
               dataHead == o.dataHead && trailers == o.trailers;
    }
};

Body parseBody(const QList<QByteArrayView>& pieces, qsizetype headLimit)
{
    ChunkedBody body;
    Body out;
    for (const QByteArrayView piece : pieces) {
        if (body.status() != ChunkedBody::Status::Incomplete)
            break;
        const qsizetype took = body.feed(piece, &out.dataHead, headLimit);
        FUZZ_CHECK(took >= 0 && took <= piece.size());
        if (body.status() == ChunkedBody::Status::Incomplete)
            FUZZ_CHECK(took == piece.size());
        out.consumed += took;
    }
    out.status = body.status();
    out.problem = body.problem();
    out.dataSize = body.dataSize();
    out.trailers = body.hasTrailerFields();
    FUZZ_CHECK(out.dataSize >= 0 && out.dataSize <= out.consumed);
    FUZZ_CHECK(out.dataHead.size() <= headLimit && out.dataHead.size() <= out.dataSize);
    FUZZ_CHECK(out.dataHead.size() == qMin<qint64>(headLimit, out.dataSize));
    FUZZ_CHECK((out.status == ChunkedBody::Status::Malformed) == !out.problem.isEmpty());
    return out;
}

QList<QByteArrayView> oneByteEach(QByteArrayView bytes)
{
    QList<QByteArrayView> pieces;
    pieces.reserve(bytes.size());
    for (qsizetype i = 0; i < bytes.size(); ++i)
        pieces.append(bytes.sliced(i, 1));
    return pieces;
}

QList<QByteArrayView> splitAt(QByteArrayView bytes, qsizetype at)
{
    return {bytes.first(at), bytes.sliced(at)};
}

void checkBody(QByteArrayView bytes, qsizetype split, qsizetype headLimit)
{
    const Body whole = parseBody({bytes}, headLimit);
    FUZZ_CHECK(parseBody(splitAt(bytes, split % (bytes.size() + 1)), headLimit) == whole);
    FUZZ_CHECK(parseBody(oneByteEach(bytes), headLimit) == whole);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 3)
        return 0;
    const int flags = data[0];
    const qsizetype split = data[1] | (data[2] << 8);
    const QByteArrayView bytes = AlfeFuzz::bytes(data + 3, size - 3);
    static constexpr int limits[] = {64 * 1024, 4096, 256, 40};
    const int limit = limits[(flags >> 1) & 3];
    const qsizetype dataHeadLimit = (flags & 0x10) ? 7 : 64 * 1024;

    if (flags & 1) {
        checkBody(bytes, split, dataHeadLimit);
        return 0;
    }

    const Head whole = parseHead({bytes}, limit);
    FUZZ_CHECK(parseHead(splitAt(bytes, split % (bytes.size() + 1)), limit) == whole);
    FUZZ_CHECK(parseHead(oneByteEach(bytes), limit) == whole);
    if (whole.status == HttpHead::Status::Complete && whole.chunked)
        checkBody(bytes.sliced(whole.consumed), split, dataHeadLimit);
    return 0;
}
