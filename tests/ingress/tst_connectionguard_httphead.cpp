// The connection guard's HTTP/1.x head parser and chunked-body counter, fed whole and one byte at a time.
#include "ingress/HttpHead.h"

#include <QTest>

using namespace Alfe;

namespace {

// Feeds `bytes` in pieces of `step` bytes, as a socket might deliver them; returns the bytes consumed.
qsizetype feedInSteps(HttpHead& head, const QByteArray& bytes, qsizetype step)
{
    qsizetype used = 0;
    while (used < bytes.size() && head.status() == HttpHead::Status::Incomplete) {
        const QByteArrayView piece = QByteArrayView(bytes).sliced(used, qMin(step, bytes.size() - used));
        const qsizetype took = head.feed(piece);
        used += took;
        if (took < piece.size())
            break;
    }
    return used;
}

qsizetype feedInSteps(ChunkedBody& body, const QByteArray& bytes, qsizetype step, QByteArray* data = nullptr)
{
    qsizetype used = 0;
    while (used < bytes.size() && body.status() == ChunkedBody::Status::Incomplete) {
        const QByteArrayView piece = QByteArrayView(bytes).sliced(used, qMin(step, bytes.size() - used));
        const qsizetype took = body.feed(piece, data, 1024);
        used += took;
        if (took < piece.size())
            break;
    }
    return used;
}

} // namespace

class TestHttpHead final : public QObject
{
    Q_OBJECT

private slots:
    void parsesAHeadAndStopsAtItsEnd_data();
    void parsesAHeadAndStopsAtItsEnd();
    void framing_data();
    void framing();
    void rejects_data();
    void rejects();
    void sizeLimit();
    void chunkedBodyCountsDataNotFraming_data();
    void chunkedBodyCountsDataNotFraming();
    void chunkedBodyRejects_data();
    void chunkedBodyRejects();
};

void TestHttpHead::parsesAHeadAndStopsAtItsEnd_data()
{
    QTest::addColumn<qsizetype>("step");
    QTest::newRow("whole") << qsizetype(1 << 20);
    QTest::newRow("byte by byte") << qsizetype(1);
    QTest::newRow("7 bytes") << qsizetype(7);
}

void TestHttpHead::parsesAHeadAndStopsAtItsEnd()
{
    QFETCH(qsizetype, step);
    const QByteArray head = "\r\nPOST /v1/hooks/whk_1?x=1 HTTP/1.1\r\nHost: example.com\r\n"
                            "content-type:application/json \r\nX-Empty:\r\nX-Dup: a\r\nx-dup: b\r\n"
                            "Content-Length: 5\r\n\r\n";
    HttpHead parsed;
    QCOMPARE(feedInSteps(parsed, head + "hello" + "GET / HTTP/1.1\r\n", step), head.size());
    QCOMPARE(parsed.status(), HttpHead::Status::Complete);
    QCOMPARE(parsed.size(), head.size());
    QCOMPARE(parsed.method(), "POST");
    QCOMPARE(parsed.target(), "/v1/hooks/whk_1?x=1");
    QCOMPARE(parsed.minorVersion(), 1);
    QCOMPARE(parsed.fields().size(), 6);
    QCOMPARE(parsed.fields()[1], (QPair<QByteArray, QByteArray>("content-type", "application/json")));
    QCOMPARE(parsed.value("Content-Type"), "application/json");
    QCOMPARE(parsed.value("x-empty"), "");
    QVERIFY(!parsed.value("x-empty").isNull());
    QVERIFY(parsed.value("X-Missing").isNull());
    QCOMPARE(parsed.values("X-DUP"), QList<QByteArray>({"a", "b"}));
    QCOMPARE(parsed.contentLength(), qint64(5));
    QVERIFY(parsed.hasBody());
    QVERIFY(!parsed.isChunked());
    QVERIFY(parsed.keepsAlive());
    QVERIFY(!parsed.expectsContinue());
    QCOMPARE(parsed.feed("more"), qsizetype(0)); // done: takes nothing more
}

void TestHttpHead::framing_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<bool>("chunked");
    QTest::addColumn<bool>("keepsAlive");
    QTest::addColumn<bool>("expectsContinue");

    const QByteArray line = "POST /x HTTP/1.1\r\nHost: a\r\n";
    QTest::newRow("no body") << QByteArray("GET / HTTP/1.1\r\n\r\n") << qint64(-1) << false << true << false;
    QTest::newRow("bare LF lines") << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << qint64(-1) << false << true << false;
    QTest::newRow("leading zeros") << line + "Content-Length: 003\r\n\r\n" << qint64(3) << false << true << false;
    QTest::newRow("chunked") << line + "Transfer-Encoding: Chunked\r\n\r\n" << qint64(-1) << true << true << false;
    QTest::newRow("huge length clamps") << line + "Content-Length: 99999999999999999999999\r\n\r\n"
                                        << std::numeric_limits<qint64>::max() << false << true << false;
    QTest::newRow("close") << line + "Connection: Keep-Alive, close\r\n\r\n" << qint64(-1) << false << false << false;
    QTest::newRow("1.0") << QByteArray("GET / HTTP/1.0\r\n\r\n") << qint64(-1) << false << false << false;
    QTest::newRow("1.0 keep-alive") << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << qint64(-1)
                                    << false << true << false;
    QTest::newRow("expect") << line + "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\n"
                            << qint64(1) << false << true << true;
    QTest::newRow("expect ignored in 1.0")
        << QByteArray("POST / HTTP/1.0\r\nExpect: whatever\r\n\r\n") << qint64(-1) << false << false << false;
}

void TestHttpHead::framing()
{
    QFETCH(QByteArray, head);
    QFETCH(qint64, contentLength);
    QFETCH(bool, chunked);
    QFETCH(bool, keepsAlive);
    QFETCH(bool, expectsContinue);
    HttpHead parsed;
    QCOMPARE(parsed.feed(head), head.size());
    QCOMPARE(parsed.status(), HttpHead::Status::Complete);
    QCOMPARE(parsed.contentLength(), contentLength);
    QCOMPARE(parsed.isChunked(), chunked);
    QCOMPARE(parsed.keepsAlive(), keepsAlive);
    QCOMPARE(parsed.expectsContinue(), expectsContinue);
}

void TestHttpHead::rejects_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<HttpHead::Status>("status");
    QTest::addColumn<QString>("mentions");

    const auto malformed = HttpHead::Status::Malformed;
    const QByteArray line = "POST /x HTTP/1.1\r\nHost: a\r\n";
    QTest::newRow("one word") << QByteArray("GARBAGE\r\n\r\n") << malformed << QStringLiteral("\"GARBAGE\"");
    QTest::newRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\n\r\n") << malformed << QStringLiteral("request line");
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n") << malformed << QStringLiteral("HTTP/2.0");
    QTest::newRow("HTTP/0.9") << QByteArray("GET / HTTP/0.9\r\n\r\n") << malformed << QStringLiteral("HTTP/0.9");
    QTest::newRow("control char in target")
        << QByteArray("GET /a\x01 HTTP/1.1\r\n\r\n") << malformed << QStringLiteral("percent-encoded");
    QTest::newRow("bare CR") << line + "X-A: 1\r2\r\n\r\n" << malformed << QStringLiteral("CR");
    QTest::newRow("no colon") << line + "NoColon\r\n\r\n" << malformed << QStringLiteral("no colon");
    QTest::newRow("empty name") << line + ": v\r\n\r\n" << malformed << QStringLiteral("empty");
    QTest::newRow("space in name") << line + "Bad Name: v\r\n\r\n" << malformed << QStringLiteral("not allowed");
    QTest::newRow("space before colon") << line + "Content-Length : 1\r\n\r\n"
                                        << malformed << QStringLiteral("whitespace");
    QTest::newRow("obs-fold") << line + "X-A: 1\r\n 2\r\n\r\n" << malformed << QStringLiteral("folded");
    QTest::newRow("NUL in value") << line + QByteArray("X-A: a\0b\r\n\r\n", 13) << malformed
                                  << QStringLiteral("control character");
    QTest::newRow("length not a number") << line + "Content-Length: 0x10\r\n\r\n"
                                         << malformed << QStringLiteral("\"0x10\"");
    QTest::newRow("length with sign") << line + "Content-Length: +1\r\n\r\n" << malformed << QStringLiteral("\"+1\"");
    QTest::newRow("empty length") << line + "Content-Length: \r\n\r\n" << malformed << QStringLiteral("empty");
    QTest::newRow("lengths differ") << line + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"
                                    << malformed << QStringLiteral("2 times");
    QTest::newRow("same length twice") << line + "Content-Length: 3\r\ncontent-length: 3\r\n\r\n"
                                       << malformed << QStringLiteral("2 times");
    QTest::newRow("length list differs") << line + "Content-Length: 1, 2\r\n\r\n"
                                         << malformed << QStringLiteral("\"1, 2\" is a list");
    QTest::newRow("length list of equal values") << line + "Content-Length: 2, 2\r\n\r\n"
                                                 << malformed << QStringLiteral("\"2, 2\" is a list");
    QTest::newRow("length and chunked") << line + "Transfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"
                                        << malformed << QStringLiteral("smuggling");
    QTest::newRow("gzip") << line + "Transfer-Encoding: gzip\r\n\r\n" << malformed << QStringLiteral("\"gzip\"");
    QTest::newRow("chunked twice") << line + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   << malformed << QStringLiteral("only \"chunked\"");
    QTest::newRow("chunked in 1.0") << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") << malformed
                                    << QStringLiteral("HTTP/1.0");
    QTest::newRow("other expectation") << line + "Expect: 200-ok\r\n\r\n"
                                       << HttpHead::Status::UnsupportedExpectation << QStringLiteral("\"200-ok\"");
}

void TestHttpHead::rejects()
{
    QFETCH(QByteArray, head);
    QFETCH(HttpHead::Status, status);
    QFETCH(QString, mentions);
    for (const qsizetype step : {qsizetype(1), head.size()}) {
        HttpHead parsed;
        feedInSteps(parsed, head, step);
        QCOMPARE(parsed.status(), status);
        QVERIFY2(parsed.problem().contains(mentions), qPrintable(parsed.problem()));
    }
}

void TestHttpHead::sizeLimit()
{
    const QByteArray start = "GET / HTTP/1.1\r\nX-Pad: ";
    const QByteArray end = "\r\n\r\n";
    const QByteArray exact = start + QByteArray(100 - start.size() - end.size(), 'p') + end;
    QCOMPARE(exact.size(), 100);

    HttpHead fits(100);
    QCOMPARE(fits.feed(exact), qsizetype(100));
    QCOMPARE(fits.status(), HttpHead::Status::Complete);

    HttpHead over(99);
    over.feed(exact);
    QCOMPARE(over.status(), HttpHead::Status::TooLarge);
    QVERIFY(over.problem().contains(QLatin1String("99 bytes")));

    // A head that never ends is cut at the limit even when it comes a byte at a time.
    HttpHead endless(100);
    const QByteArray noEnd = start + QByteArray(500, 'p');
    QCOMPARE(feedInSteps(endless, noEnd, 1), qsizetype(101));
    QCOMPARE(endless.status(), HttpHead::Status::TooLarge);
    QCOMPARE(endless.method(), "GET"); // what was parsed is kept for the refused-request log
}

void TestHttpHead::chunkedBodyCountsDataNotFraming_data()
{
    QTest::addColumn<qsizetype>("step");
    QTest::newRow("whole") << qsizetype(1 << 20);
    QTest::newRow("byte by byte") << qsizetype(1);
    QTest::newRow("3 bytes") << qsizetype(3);
}

void TestHttpHead::chunkedBodyCountsDataNotFraming()
{
    QFETCH(qsizetype, step);
    const QByteArray body = "5\r\nhello\r\n1A;name=value;x\r\n" + QByteArray(26, 'z') +
                            "\r\n0000;last\r\n"
                            "Trailer-One: 1\r\nTrailer-Two: 2\r\n\r\n";
    ChunkedBody chunked;
    QByteArray data;
    QCOMPARE(feedInSteps(chunked, body + "POST /next", step, &data), body.size());
    QCOMPARE(chunked.status(), ChunkedBody::Status::Complete);
    QCOMPARE(chunked.dataSize(), qint64(31));
    QCOMPARE(data, "hello" + QByteArray(26, 'z'));
    QVERIFY(chunked.hasTrailerFields());

    ChunkedBody empty;
    QCOMPARE(empty.feed("0\r\n\r\nrest"), qsizetype(5));
    QCOMPARE(empty.status(), ChunkedBody::Status::Complete);
    QCOMPARE(empty.dataSize(), qint64(0));
    QVERIFY(!empty.hasTrailerFields());

    // The head of the data is capped.
    ChunkedBody capped;
    QByteArray head;
    capped.feed("a\r\n0123456789\r\n", &head, 4);
    QCOMPARE(head, "0123");
    QCOMPARE(capped.dataSize(), qint64(10));
    QCOMPARE(capped.status(), ChunkedBody::Status::Incomplete);
}

void TestHttpHead::chunkedBodyRejects_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("no size") << QByteArray("\r\n");
    QTest::newRow("not hex") << QByteArray("g\r\n");
    QTest::newRow("junk after size") << QByteArray("5x\r\nhello\r\n");
    QTest::newRow("space after size") << QByteArray("29 z\r\n");
    QTest::newRow("tab after size") << QByteArray("5\t;x\r\nhello\r\n0\r\n\r\n");
    QTest::newRow("bare LF after size") << QByteArray("5\nhello\r\n");
    QTest::newRow("data longer than size") << QByteArray("3\r\nhello\r\n");
    QTest::newRow("no CRLF after data") << QByteArray("5\r\nhelloXY");
    QTest::newRow("size too long") << QByteArray("1000000000000000\r\n");
    QTest::newRow("bare LF trailer") << QByteArray("0\r\nT: 1\n\r\n");
    QTest::newRow("no final CRLF") << QByteArray("0\r\n\rX");
}

void TestHttpHead::chunkedBodyRejects()
{
    QFETCH(QByteArray, body);
    for (const qsizetype step : {qsizetype(1), body.size()}) {
        ChunkedBody chunked;
        feedInSteps(chunked, body, step);
        QCOMPARE(chunked.status(), ChunkedBody::Status::Malformed);
        QVERIFY(!chunked.problem().isEmpty());
    }
}

QTEST_GUILESS_MAIN(TestHttpHead)
#include "tst_connectionguard_httphead.moc"
