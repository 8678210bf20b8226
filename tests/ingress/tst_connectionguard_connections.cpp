// Connections: idle timeouts, Connection: close, keep-alive, pipelining, the connection cap, currentSocket().
#include "ConnectionGuardTest.h"

void TestConnectionGuard::silentConnectionIsClosed()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 300;
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 5000);
    QVERIFY(client.received.isEmpty()); // no request, no answer
    QVERIFY(m_refused.isEmpty());
}

void TestConnectionGuard::halfHeadIsAnswered408AndClosed()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 300;
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write("POST /v1/hooks/x HTTP/1.1\r\nHost: a\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 5000);
    QCOMPARE(client.answers().size(), 1);
    QCOMPARE(client.answers()[0].status, 408);
    QVERIFY(m_refused.isEmpty()); // idle closes are not logged as refused requests
}

void TestConnectionGuard::slowHeadIsCutOff()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 300;
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    // One byte every 100 ms never leaves the connection idle for 300 ms, but the head must be complete within it.
    const QByteArray head = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nX-Slow: " + QByteArray(200, 's');
    client.trickle(head, 100);
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 10000);
    QCOMPARE(client.answers().value(0).status, 408);
    QVERIFY2(client.trickled < head.size(), "the whole head went out before the close");
}

void TestConnectionGuard::idleKeepAliveConnectionIsClosed()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 300;
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(post("/v1/hooks/whk_x", "{}"));
    QTRY_COMPARE(client.answers().size(), 1);
    QCOMPARE(client.answers()[0].status, 202);
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 5000);
    QCOMPARE(client.answers().size(), 1); // closed without another answer
}

void TestConnectionGuard::connectionAwaitingItsAnswerIsNotClosed()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 300;
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(post("/v1/hooks/whk_slow", "{}")); // answered after SlowAnswerMs, well over the idle timeout
    QTRY_COMPARE_WITH_TIMEOUT(client.answers().size(), 1, 5000);
    QCOMPARE(client.answers()[0].status, 202);
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 5000); // and once answered, idle again
}

void TestConnectionGuard::connectionCloseClosesAfterTheAnswer_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<bool>("closes");
    QTest::newRow("HTTP/1.1 Connection: close") << post("/v1/hooks/whk_x", "{}", "Connection: close\r\n") << true;
    QTest::newRow("HTTP/1.1 slow, Connection: close")
        << post("/v1/hooks/whk_slow", "{}", "Connection: close\r\n") << true;
    QByteArray http10 = post("/v1/hooks/whk_x", "{}");
    http10.replace("HTTP/1.1", "HTTP/1.0");
    QTest::newRow("HTTP/1.0") << http10 << true;
    QTest::newRow("HTTP/1.0 keep-alive") << http10.replace("Host:", "Connection: keep-alive\r\nHost:") << false;
    QTest::newRow("HTTP/1.1") << post("/v1/hooks/whk_x", "{}") << false;
}

void TestConnectionGuard::connectionCloseClosesAfterTheAnswer()
{
    QFETCH(QByteArray, request);
    QFETCH(bool, closes);
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(request);
    if (closes) {
        QTRY_VERIFY_WITH_TIMEOUT(client.closed, 5000);
        QCOMPARE(client.answers().size(), 1);
        QCOMPARE(client.answers()[0].status, 202);
    } else {
        QTRY_COMPARE(client.answers().size(), 1);
        QCOMPARE(client.answers()[0].status, 202);
        // Still usable: a second request on the same connection is answered.
        client.socket.write(post("/v1/hooks/whk_x", "{}"));
        QTRY_COMPARE(client.answers().size(), 2);
        QVERIFY(!client.closed);
    }
}

void TestConnectionGuard::keepAliveServesSequentialRequests()
{
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(post("/v1/hooks/whk_x", "{\"n\":1}"));
    QTRY_COMPARE(client.answers().size(), 1);
    client.socket.write(post("/v1/hooks/whk_x", "{\"n\":22}"));
    QTRY_COMPARE(client.answers().size(), 2);
    QCOMPARE(client.answers()[0].json().value(QStringLiteral("bytes")).toInt(), 7);
    QCOMPARE(client.answers()[1].json().value(QStringLiteral("bytes")).toInt(), 8);
    QVERIFY(!client.closed);
    QCOMPARE(m_handlerPeerPorts, QList<quint16>({client.socket.localPort(), client.socket.localPort()}));
}

void TestConnectionGuard::pipelinedRequestsAreAnsweredInOrder()
{
    RawClient client(m_port);
    QVERIFY(client.connected());
    // In one write: a slow one, a chunked one, a fast one and one split in the middle of its head.
    const QByteArray chunked = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "4\r\nabcd\r\n0\r\n\r\n";
    const QByteArray last = post("/v1/hooks/whk_x", "{\"last\":1}");
    client.socket.write(post("/v1/hooks/whk_slow", "abc") + chunked + post("/v1/hooks/whk_x", "hello") +
                        last.first(20));
    QTest::qWait(50);
    client.socket.write(last.sliced(20));
    QTRY_COMPARE_WITH_TIMEOUT(client.answers().size(), 4, 5000);
    QList<int> sizes;
    for (const Answer& answer : client.answers()) {
        QCOMPARE(answer.status, 202);
        sizes.append(answer.json().value(QStringLiteral("bytes")).toInt());
    }
    QCOMPARE(sizes, QList<int>({3, 4, 5, 10}));
    QVERIFY(!client.closed);
}

void TestConnectionGuard::pipeliningFarAheadOfAnAnswerIsCut()
{
    GuardLimits limits;
    limits.bodyLimitBytes = 64 * 1024; // with the 64 KiB head limit: at most 128 KiB held for later
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    QByteArray ahead;
    while (ahead.size() <= 160 * 1024)
        ahead += post("/v1/hooks/whk_x", "{}");
    client.socket.write(post("/v1/hooks/whk_slow", "{}") + ahead);
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 10000);
    QCOMPARE(client.answers().size(), 1); // the slow one, then the connection is closed
    QCOMPARE(client.answers()[0].status, 202);
    QCOMPARE(m_handlerPeerPorts.size(), 1);
}

void TestConnectionGuard::connectionLimit()
{
    GuardLimits limits;
    limits.maxConnections = 3;
    startServer(limits);
    std::vector<std::unique_ptr<RawClient>> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(std::make_unique<RawClient>(m_port));
        QVERIFY(open.back()->connected());
    }
    QTRY_COMPARE(m_guard->connectionCount(), 3);

    RawClient fourth(m_port);
    QVERIFY(fourth.connected());
    QTRY_VERIFY(fourth.closed);
    QCOMPARE(fourth.answers().size(), 1);
    QCOMPARE(fourth.answers()[0].status, 503);
    QCOMPARE(fourth.answers()[0].header("Retry-After"), "1");
    QCOMPARE(fourth.answers()[0].errorCode(), QStringLiteral("too_many_connections"));
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(m_refused[0].status, 503);
    QCOMPARE(m_guard->connectionCount(), 3);

    open.front()->socket.disconnectFromHost();
    QTRY_COMPARE(m_guard->connectionCount(), 2);
    RawClient fifth(m_port);
    QVERIFY(fifth.connected());
    fifth.socket.write(post("/v1/hooks/whk_x", "{}"));
    QTRY_COMPARE(fifth.answers().size(), 1);
    QCOMPARE(fifth.answers()[0].status, 202);
    open.back()->socket.write(post("/v1/hooks/whk_x", "{}")); // the others still work
    QTRY_COMPARE(open.back()->answers().size(), 1);
    QCOMPARE(open.back()->answers()[0].status, 202);
}

void TestConnectionGuard::currentSocketIsTheRequestsSocket()
{
    RawClient first(m_port);
    RawClient second(m_port);
    QVERIFY(first.connected() && second.connected());
    QTRY_COMPARE(m_guard->connectionCount(), 2);
    // first's request is complete only after second's went through.
    const QByteArray request = post("/v1/hooks/whk_x", "{}");
    first.socket.write(request.first(30));
    QTest::qWait(20);
    second.socket.write(request);
    QTRY_COMPARE(second.answers().size(), 1);
    first.socket.write(request.sliced(30));
    QTRY_COMPARE(first.answers().size(), 1);
    QCOMPARE(m_handlerPeerPorts, QList<quint16>({second.socket.localPort(), first.socket.localPort()}));
}

void TestConnectionGuard::slowBodyIsCutOffByTheRequestTimeout()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 5000;
    limits.requestTimeoutMs = 500;
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    // One body byte every 50 ms never leaves the connection idle, but the whole request has 500 ms.
    const QByteArray body(200, 'x');
    client.socket.write("POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nContent-Length: 200\r\n\r\n");
    client.trickle(body, 50);
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 10000);
    QCOMPARE(client.answers().size(), 1);
    QCOMPARE(client.answers()[0].status, 408);
    QVERIFY2(client.answers()[0].errorMessage().contains(QStringLiteral("500 ms of its first byte")),
             qPrintable(client.answers()[0].errorMessage()));
    QVERIFY2(client.trickled < body.size(), "the whole body went out before the close");
    QVERIFY(m_handlerPeerPorts.isEmpty());
    QCOMPARE(m_guard->bufferedBodyBytes(), qint64(0));
}

void TestConnectionGuard::answerThatNeverComesClosesTheConnection()
{
    GuardLimits limits;
    limits.requestTimeoutMs = 400;
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(post("/v1/hooks/whk_never", "{}"));
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 5000);
    QCOMPARE(client.answers().size(), 1);
    QCOMPARE(client.answers()[0].status, 503);
    QCOMPARE(client.answers()[0].errorCode(), QStringLiteral("answer_timeout"));
    QCOMPARE(client.answers()[0].header("Retry-After"), "1");
    QCOMPARE(m_handlerPeerPorts.size(), 1); // the handler had it
    QTRY_COMPARE(m_guard->connectionCount(), 0);
}

void TestConnectionGuard::answerOutsideARequestClosesTheConnection()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 20'000; // so that only the guard's check can close it within the wait below
    startServer(limits);
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(post("/v1/hooks/whk_twice", "{}"));
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 5000);
    QCOMPARE(client.answers().value(0).status, 202);
    // A request sent now is not handed to a server that has lost track of this connection.
    QCOMPARE(m_handlerPeerPorts.size(), 1);
}

void TestConnectionGuard::bodiesOverTheMemoryBudgetAreRefused()
{
    GuardLimits limits;
    limits.bodyMemoryBytes = 1000;
    startServer(limits);
    // A holds 800 bytes of the budget from its head on, while its body is still on the way.
    RawClient a(m_port);
    QVERIFY(a.connected());
    const QByteArray body(800, 'a');
    a.socket.write("POST /v1/hooks/whk_a HTTP/1.1\r\nHost: a\r\nContent-Length: 800\r\n\r\n" + body.left(10));
    QTRY_COMPARE(m_guard->bufferedBodyBytes(), qint64(800));

    // B's 300 bytes do not fit beside it.
    RawClient b(m_port);
    QVERIFY(b.connected());
    b.socket.write(post("/v1/hooks/whk_b", QByteArray(300, 'b')));
    QTRY_VERIFY(b.closed);
    QCOMPARE(b.answers().value(0).status, 503);
    QCOMPARE(b.answers().value(0).errorCode(), QStringLiteral("server_busy"));
    QCOMPARE(b.answers().value(0).header("Retry-After"), "1");

    // Chunked bodies count as they arrive: 150 fit, 300 more do not.
    RawClient c(m_port);
    QVERIFY(c.connected());
    c.socket.write("POST /v1/hooks/whk_c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n96\r\n" +
                   QByteArray(150, 'c') + "\r\n");
    QTRY_COMPARE(m_guard->bufferedBodyBytes(), qint64(950));
    c.socket.write("12c\r\n" + QByteArray(300, 'c') + "\r\n0\r\n\r\n");
    QTRY_VERIFY(c.closed);
    QCOMPARE(c.answers().value(0).status, 503);
    QTRY_COMPARE(m_guard->bufferedBodyBytes(), qint64(800));

    // Once A is answered its share is free again, and a request of the same size passes.
    a.socket.write(body.mid(10));
    QTRY_COMPARE(a.answers().size(), 1);
    QCOMPARE(a.answers()[0].status, 202);
    QTRY_COMPARE(m_guard->bufferedBodyBytes(), qint64(0));
    RawClient d(m_port);
    QVERIFY(d.connected());
    d.socket.write(post("/v1/hooks/whk_d", QByteArray(300, 'd')));
    QTRY_COMPARE(d.answers().size(), 1);
    QCOMPARE(d.answers()[0].status, 202);
}
