// Limits and heads: body and header caps, methods, malformed heads, 100 Continue.
#include "ConnectionGuardTest.h"

void TestConnectionGuard::init()
{
    startServer();
}

void TestConnectionGuard::cleanup()
{
    m_unanswered.clear();
    m_server.reset();
    m_refused.clear();
    m_handlerPeerPorts.clear();
}

void TestConnectionGuard::startServer(const GuardLimits& limits)
{
    m_server = std::make_unique<QHttpServer>();
    m_refused.clear();
    auto* server = m_server.get();
    server->route(QStringLiteral("/v1/hooks/<arg>"), QHttpServerRequest::Method::Post,
                  [this](const QString& id, const QHttpServerRequest& request, QHttpServerResponder&& responder) {
                      QTcpSocket* socket = m_guard->currentSocket();
                      m_handlerPeerPorts.append(socket ? socket->peerPort() : 0);
                      const QJsonDocument answer(QJsonObject{{QStringLiteral("bytes"), request.body().size()}});
                      if (id == QLatin1String("whk_never")) // a handler that loses its request
                          return m_unanswered.push_back(std::make_shared<QHttpServerResponder>(std::move(responder)));
                      if (id == QLatin1String("whk_twice")) {
                          // Answers, then writes another answer to a request the guard never passed on: what
                          // QHttpServer does when it reads framing differently from the guard.
                          responder.write(answer, QHttpServerResponder::StatusCode::Accepted);
                          QTimer::singleShot(100, m_server.get(), [alive = QPointer(socket)] {
                              if (alive)
                                  alive->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                          });
                          return;
                      }
                      if (id != QLatin1String("whk_slow"))
                          return responder.write(answer, QHttpServerResponder::StatusCode::Accepted);
                      // Answer later, as the ingress does after its commit: only while the client is there.
                      auto later = std::make_shared<QHttpServerResponder>(std::move(responder));
                      QTimer::singleShot(SlowAnswerMs, m_server.get(), [later, answer, alive = QPointer(socket)] {
                          if (alive && alive->state() == QAbstractSocket::ConnectedState)
                              later->write(answer, QHttpServerResponder::StatusCode::Accepted);
                      });
                  });
    server->route(QStringLiteral("/v1/webhooks"), QHttpServerRequest::Method::Get, [] {
        return QHttpServerResponse(QJsonObject{{QStringLiteral("webhooks"), 0}});
    });
    m_guard = new ConnectionGuard(limits);
    connect(m_guard, &ConnectionGuard::refused, this, [this](const RefusedRequest& r) { m_refused.append(r); });
    QVERIFY(m_guard->listen(QHostAddress::LocalHost, 0));
    m_port = m_guard->serverPort();
    server->bind(m_guard);
}

void TestConnectionGuard::declaredHugeBodyIsRefusedFromItsHead()
{
    const qint64 before = residentBytes();
    const QByteArray head = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            "Content-Length: 104857600\r\n\r\n";
    {
        // The head alone, no body byte: the answer comes anyway, at once.
        RawClient client(m_port);
        QVERIFY(client.connected());
        client.socket.write(head);
        QTRY_COMPARE(client.answers().size(), 1);
        const Answer answer = client.answers().first();
        QCOMPARE(answer.status, 413);
        QCOMPARE(answer.header("Content-Type"), "application/json");
        QCOMPARE(answer.header("Connection"), "close");
        QCOMPARE(answer.errorCode(), QStringLiteral("payload_too_large"));
        QVERIFY2(answer.errorMessage().contains(QLatin1String("10485760 bytes (10 MiB)")),
                 qPrintable(answer.errorMessage()));
        QTRY_VERIFY(client.closed);
    }
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(m_refused[0].status, 413);
    QCOMPARE(m_refused[0].code, "payload_too_large");
    QCOMPARE(m_refused[0].method, "POST");
    QCOMPARE(m_refused[0].path, "/v1/hooks/whk_x");
    QCOMPARE(m_refused[0].declaredBodySize, qint64(104857600));
    QCOMPARE(header(m_refused[0], "content-length"), "104857600");
    QCOMPARE(m_refused[0].headers.first(), (QPair<QByteArray, QByteArray>("Host", "127.0.0.1")));
    QCOMPARE(m_refused[0].remoteAddress, QStringLiteral("127.0.0.1"));

    // A client that does not wait streams its body behind the head: it is cut off, and nothing is buffered.
    RawClient client(m_port);
    QVERIFY(client.connected());
    const QByteArray block(64 * 1024, 'x');
    qint64 sent = 0;
    const auto pump = [&] {
        while (client.socket.state() == QAbstractSocket::ConnectedState && client.socket.bytesToWrite() < 256 * 1024 &&
               sent < 100 * MiB) {
            client.socket.write(block);
            sent += block.size();
        }
    };
    connect(&client.socket, &QIODevice::bytesWritten, &client.socket, pump);
    client.socket.write(head);
    pump();
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 20000);
    QCOMPARE(client.answers().value(0).status, 413);
    QVERIFY2(sent < 32 * MiB, qPrintable(QString::number(sent)));
    const qint64 growth = residentBytes() - before;
    qInfo() << "RSS growth" << growth / 1024 << "KiB; body bytes sent before the close:" << sent;
    QVERIFY2(growth < 5 * MiB, qPrintable(QString::number(growth)));
}

void TestConnectionGuard::chunkedBodyIsCutOffSoonAfterTheLimit()
{
    const qint64 before = residentBytes();
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write("POST /v1/hooks/whk_x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n");
    const QByteArray chunk = "10000\r\n" + QByteArray(64 * 1024, 'x') + "\r\n";
    qint64 sentData = 0;
    const auto pump = [&] {
        while (client.socket.state() == QAbstractSocket::ConnectedState && client.socket.bytesToWrite() < 256 * 1024 &&
               sentData < 60 * MiB) {
            client.socket.write(chunk);
            sentData += 64 * 1024;
            if (sentData == 60 * MiB)
                client.socket.write("0\r\n\r\n");
        }
    };
    connect(&client.socket, &QIODevice::bytesWritten, &client.socket, pump);
    pump();
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 30000);
    const QList<Answer> answers = client.answers();
    QCOMPARE(answers.size(), 1);
    QCOMPARE(answers[0].status, 413);
    QCOMPARE(answers[0].errorCode(), QStringLiteral("payload_too_large"));
    QVERIFY2(sentData < 30 * MiB, qPrintable(QString::number(sentData)));
    const qint64 growth = residentBytes() - before;
    qInfo() << "RSS growth" << growth / 1024 << "KiB; chunk data sent before the close:" << sentData;
    QVERIFY2(growth < 40 * MiB, qPrintable(QString::number(growth)));
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(header(m_refused[0], "Transfer-Encoding"), "chunked");
    QCOMPARE(m_refused[0].bodyHead, QByteArray(RefusedRequest::BodyHeadBytes, 'x')); // decoded data, not chunk framing
    QCOMPARE(m_refused[0].declaredBodySize, qint64(-1));
}

void TestConnectionGuard::bodyAtTheLimitIsAccepted_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::newRow("content-length") << false;
    QTest::newRow("chunked") << true;
}

void TestConnectionGuard::bodyAtTheLimitIsAccepted()
{
    QFETCH(bool, chunked);
    const QByteArray body(10 * MiB, 'a');
    QJsonObject answer;
    if (!chunked) {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/v1/hooks/whk_x").arg(m_port)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        std::unique_ptr<QNetworkReply> reply(nam.post(request, body));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 20000);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 202);
        answer = QJsonDocument::fromJson(reply->readAll()).object();
    } else {
        // Three chunks of uneven sizes whose data adds up to exactly the limit; framing bytes are not counted.
        RawClient client(m_port);
        QVERIFY(client.connected());
        const qint64 first = 3 * MiB + 1;
        const qint64 second = 5 * MiB - 7;
        const qint64 third = body.size() - first - second;
        QByteArray wire = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (const qint64 size : {first, second, third})
            wire += QByteArray::number(size, 16) + ";ext=1\r\n" + body.first(size) + "\r\n";
        wire += "0\r\n\r\n";
        client.socket.write(wire);
        QTRY_COMPARE_WITH_TIMEOUT(client.answers().size(), 1, 20000);
        QCOMPARE(client.answers()[0].status, 202);
        answer = client.answers()[0].json();
        QVERIFY(!client.closed);
    }
    QCOMPARE(answer.value(QStringLiteral("bytes")).toInteger(), 10 * MiB);
    QVERIFY(m_refused.isEmpty());
}

void TestConnectionGuard::bodyOneByteOverTheLimitIsRefused_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::newRow("content-length") << false;
    QTest::newRow("chunked") << true;
}

void TestConnectionGuard::bodyOneByteOverTheLimitIsRefused()
{
    QFETCH(bool, chunked);
    RawClient client(m_port);
    QVERIFY(client.connected());
    const QByteArray body(10 * MiB + 1, 'a');
    if (chunked) {
        client.socket.write("POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                            QByteArray::number(body.size() - 1, 16) + "\r\n" + body.first(body.size() - 1) +
                            "\r\n1\r\na\r\n0\r\n\r\n");
    } else {
        client.socket.write(post("/v1/hooks/whk_x", body));
    }
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 20000);
    QCOMPARE(client.answers().size(), 1);
    QCOMPARE(client.answers()[0].status, 413);
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(m_refused[0].status, 413);
    QVERIFY(m_handlerPeerPorts.isEmpty()); // QHttpServer never saw a complete request
}

void TestConnectionGuard::oversizedHeadIsRefused()
{
    RawClient client(m_port);
    QVERIFY(client.connected());
    QByteArray head = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; head.size() < 70 * 1024; ++i)
        head += "X-Filler-" + QByteArray::number(i) + ": " + QByteArray(100, 'f') + "\r\n";
    client.socket.write(head + "Content-Length: 2\r\n\r\n{}");
    QTRY_VERIFY(client.closed);
    QCOMPARE(client.answers().size(), 1);
    QCOMPARE(client.answers()[0].status, 431);
    QCOMPARE(client.answers()[0].errorCode(), QStringLiteral("request_header_fields_too_large"));
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(m_refused[0].status, 431);
    QCOMPARE(m_refused[0].method, "POST");
    QCOMPARE(m_refused[0].path, "/v1/hooks/whk_x");
    QVERIFY(m_refused[0].headers.size() > 100);

    // A head just under the limit passes.
    RawClient fine(m_port);
    QVERIFY(fine.connected());
    QByteArray fineHead = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n";
    fineHead += "X-Filler: " + QByteArray(64 * 1024 - fineHead.size() - 16, 'f') + "\r\n\r\n";
    QCOMPARE(fineHead.size(), 64 * 1024 - 2);
    fine.socket.write(fineHead + "{}");
    QTRY_COMPARE(fine.answers().size(), 1);
    QCOMPARE(fine.answers()[0].status, 202);
}

void TestConnectionGuard::wrongMethodIsRefusedWithAllow_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("allow");
    QTest::newRow("GET on a hook") << QByteArray("GET") << QStringLiteral("/v1/hooks/whk_x") << QByteArray("POST");
    QTest::newRow("PUT on webhooks") << QByteArray("PUT") << QStringLiteral("/v1/webhooks?x=1")
                                     << QByteArray("GET, POST");
}

void TestConnectionGuard::wrongMethodIsRefusedWithAllow()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, allow);
    QNetworkAccessManager nam;
    const QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path)));
    std::unique_ptr<QNetworkReply> reply(nam.sendCustomRequest(request, method, QByteArray("{}")));
    QTRY_VERIFY(reply->isFinished());
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 405);
    QCOMPARE(reply->rawHeader("Allow"), allow);
    const QJsonObject error =
        QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("method_not_allowed"));
    QVERIFY(error.value(QStringLiteral("message")).toString().contains(QString::fromLatin1(allow)));
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(m_refused[0].status, 405);
    QCOMPARE(m_refused[0].method, method);
    QCOMPARE(m_refused[0].path, path.toUtf8());

    // What came with the head is kept for the refused-request log.
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(method + " /v1/hooks/whk_y HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    QTRY_VERIFY(client.closed);
    QCOMPARE(client.answers().value(0).status, 405);
    QCOMPARE(m_refused.size(), 2);
    QCOMPARE(m_refused[1].bodyHead, "{\"a\":1}");
    QCOMPARE(m_refused[1].declaredBodySize, qint64(7));
}

void TestConnectionGuard::otherRequestsReachQHttpServer()
{
    QNetworkAccessManager nam;
    std::unique_ptr<QNetworkReply> nowhere(
        nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/nowhere").arg(m_port)))));
    std::unique_ptr<QNetworkReply> list(
        nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/v1/webhooks").arg(m_port)))));
    QTRY_VERIFY(nowhere->isFinished() && list->isFinished());
    QCOMPARE(nowhere->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404); // QHttpServer's own
    QCOMPARE(list->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(QJsonDocument::fromJson(list->readAll()).object().value(QStringLiteral("webhooks")).toInt(-1), 0);
    QVERIFY(m_refused.isEmpty());
}

void TestConnectionGuard::malformedHeadIsRefused_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QString>("mentions");
    const QByteArray line = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\n";
    QTest::newRow("non-numeric Content-Length") << line + "Content-Length: 12abc\r\n\r\n{}" << QStringLiteral("12abc");
    QTest::newRow("negative Content-Length") << line + "Content-Length: -1\r\n\r\n" << QStringLiteral("-1");
    QTest::newRow("differing Content-Lengths")
        << line + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} " << QStringLiteral("2 times");
    // Qt 6.4 reads this list as no body and answers at once, while the body is still to come.
    QTest::newRow("Content-Length list") << line + "Content-Length: 2, 2\r\n\r\n{}" << QStringLiteral("list");
    // Qt 6.4 reads "29 z" as the last chunk (size 0).
    QTest::newRow("space after chunk size") << line + "Transfer-Encoding: chunked\r\n\r\n29 z\r\n"
                                            << QStringLiteral("\";\"");
    QTest::newRow("Content-Length and Transfer-Encoding")
        << line + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        << QStringLiteral("smuggling");
    QTest::newRow("Transfer-Encoding gzip") << line + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
                                            << QStringLiteral("only \"chunked\"");
    QTest::newRow("HTTP/2.0") << QByteArray("GET /v1/webhooks HTTP/2.0\r\nHost: a\r\n\r\n")
                              << QStringLiteral("HTTP/2.0");
    QTest::newRow("bad request line") << QByteArray("GARBAGE\r\n\r\n") << QStringLiteral("GARBAGE");
    QTest::newRow("folded header") << line + " folded: x\r\n\r\n" << QStringLiteral("folded");
    QTest::newRow("space before colon") << line + "Content-Length : 2\r\n\r\n{}" << QStringLiteral("whitespace");
    QTest::newRow("chunked trailer") << line + "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\n\r\n"
                                     << QStringLiteral("Trailer fields");
    QTest::newRow("bad chunk size") << line + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" << QStringLiteral("hex");
}

void TestConnectionGuard::malformedHeadIsRefused()
{
    QFETCH(QByteArray, request);
    QFETCH(QString, mentions);
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(request);
    QTRY_VERIFY(client.closed);
    QCOMPARE(client.answers().size(), 1);
    const Answer answer = client.answers()[0];
    QCOMPARE(answer.status, 400);
    QCOMPARE(answer.errorCode(), QStringLiteral("bad_request"));
    QVERIFY2(answer.errorMessage().contains(mentions), qPrintable(answer.errorMessage()));
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(m_refused[0].status, 400);
    QVERIFY(m_handlerPeerPorts.isEmpty());
}

void TestConnectionGuard::expectContinueIsAnsweredBeforeTheBody()
{
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(
        "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    QTRY_COMPARE(client.received, "HTTP/1.1 100 Continue\r\n\r\n");
    client.socket.write("hello");
    QTRY_COMPARE(client.answers().size(), 2);
    QCOMPARE(client.answers()[1].status, 202);
    QCOMPARE(client.answers()[1].json().value(QStringLiteral("bytes")).toInt(), 5);
    QVERIFY(!client.closed);
}

void TestConnectionGuard::expectContinueIsNotSentForARefusedHead()
{
    RawClient client(m_port);
    QVERIFY(client.connected());
    client.socket.write(
        "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 20000000\r\n\r\n");
    QTRY_VERIFY(client.closed);
    QVERIFY2(client.received.startsWith("HTTP/1.1 413 "), client.received.constData());
    QCOMPARE(client.answers().size(), 1);
}

void TestConnectionGuard::curlPostsTwoMebibytesWithoutStalling()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("2MiB.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    const QByteArray json = "{\"data\":\"" + QByteArray(2 * MiB - 11, 'x') + "\"}";
    QCOMPARE(json.size(), 2 * MiB);
    file.write(json);
    file.close();

    QProcess curl;
    curl.start(QStringLiteral("curl"),
               {QStringLiteral("-s"), QStringLiteral("-v"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
                QStringLiteral("-w"), QStringLiteral("%{http_code} %{time_total}"), QStringLiteral("--data-binary"),
                QLatin1Char('@') + path, QStringLiteral("-H"), QStringLiteral("Content-Type: application/json"),
                QStringLiteral("http://127.0.0.1:%1/v1/hooks/whk_x").arg(m_port)});
    // The server runs in this thread: keep its event loop turning while curl works.
    QTRY_VERIFY_WITH_TIMEOUT(curl.state() == QProcess::NotRunning, 30000);
    const QByteArray log = curl.readAllStandardError();
    QCOMPARE(curl.exitStatus(), QProcess::NormalExit);
    QVERIFY2(curl.exitCode() == 0, log.constData());
    const QList<QByteArray> out = curl.readAllStandardOutput().split(' ');
    QCOMPARE(out.value(0), "202");
    QVERIFY2(log.contains("> Expect: 100-continue"), log.constData());  // curl asked ...
    QVERIFY2(log.contains("< HTTP/1.1 100 Continue"), log.constData()); // ... and did not have to wait it out
    QCOMPARE(m_handlerPeerPorts.size(), 1);
    qInfo() << "curl time_total" << out.value(1) << "s";
}

QTEST_MAIN(TestConnectionGuard)
