// The connection guard in front of a real QHttpServer on 127.0.0.1, driven by raw sockets (exact bytes on the
// wire), QNetworkAccessManager and the curl binary.
#include "ConnectionGuard.h"

#include <QFile>
#include <QHttpServer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Alfe;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr int SlowAnswerMs = 800;

qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

struct Answer
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto& [key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const
    {
        return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
    }
    QString errorMessage() const
    {
        return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
    }
};

// The complete answers in `bytes` (interim 100 Continue ones included), in order.
QList<Answer> parseAnswers(const QByteArray& bytes)
{
    QList<Answer> answers;
    qsizetype at = 0;
    while (true) {
        const qsizetype headEnd = bytes.indexOf("\r\n\r\n", at);
        if (headEnd < 0)
            break;
        const QList<QByteArray> lines = bytes.mid(at, headEnd - at).split('\n');
        Answer answer;
        answer.status = lines.first().split(' ').value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            answer.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        const qsizetype length = answer.header("Content-Length").toLongLong();
        if (bytes.size() < headEnd + 4 + length)
            break;
        answer.body = bytes.mid(headEnd + 4, length);
        at = headEnd + 4 + length;
        answers.append(answer);
    }
    return answers;
}

// A client socket that records everything it receives and whether the server closed it.
class RawClient final
{
public:
    explicit RawClient(quint16 port)
    {
        QObject::connect(&socket, &QIODevice::readyRead, &socket, [this] { received += socket.readAll(); });
        QObject::connect(&socket, &QAbstractSocket::disconnected, &socket, [this] { closed = true; });
        socket.connectToHost(QHostAddress::LocalHost, port);
    }
    Q_DISABLE_COPY_MOVE(RawClient)

    bool connected() { return socket.waitForConnected(5000); }
    QList<Answer> answers() const { return parseAnswers(received); }

    QTcpSocket socket;
    QByteArray received;
    bool closed = false;
};

QByteArray post(QByteArrayView path, const QByteArray& body, QByteArrayView extraHeaders = {})
{
    return "POST " + path.toByteArray() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
           extraHeaders.toByteArray() + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray header(const RefusedRequest& request, QByteArrayView name)
{
    for (const auto& [key, value] : request.headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

class TestConnectionGuard final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void declaredHugeBodyIsRefusedFromItsHead();
    void chunkedBodyIsCutOffSoonAfterTheLimit();
    void bodyAtTheLimitIsAccepted_data();
    void bodyAtTheLimitIsAccepted();
    void bodyOneByteOverTheLimitIsRefused_data();
    void bodyOneByteOverTheLimitIsRefused();
    void oversizedHeadIsRefused();
    void wrongMethodIsRefusedWithAllow_data();
    void wrongMethodIsRefusedWithAllow();
    void otherRequestsReachQHttpServer();
    void malformedHeadIsRefused_data();
    void malformedHeadIsRefused();
    void expectContinueIsAnsweredBeforeTheBody();
    void expectContinueIsNotSentForARefusedHead();
    void curlPostsTwoMebibytesWithoutStalling();
    void silentConnectionIsClosed();
    void halfHeadIsAnswered408AndClosed();
    void slowHeadIsCutOff();
    void idleKeepAliveConnectionIsClosed();
    void connectionAwaitingItsAnswerIsNotClosed();
    void connectionCloseClosesAfterTheAnswer_data();
    void connectionCloseClosesAfterTheAnswer();
    void keepAliveServesSequentialRequests();
    void pipelinedRequestsAreAnsweredInOrder();
    void pipeliningFarAheadOfAnAnswerIsCut();
    void connectionLimit();
    void currentSocketIsTheRequestsSocket();

private:
    void startServer(const GuardLimits& limits = {});

    std::unique_ptr<QHttpServer> m_server;
    QPointer<ConnectionGuard> m_guard;
    quint16 m_port = 0;
    QList<RefusedRequest> m_refused;
    QList<quint16> m_handlerPeerPorts; // currentSocket()->peerPort() as seen by each hook handler
};

void TestConnectionGuard::init()
{
    startServer();
}

void TestConnectionGuard::cleanup()
{
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
    QCOMPARE(m_refused[0].bodyHead, QByteArray(64 * 1024, 'x')); // decoded data, not chunk framing
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
        << line + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} " << QStringLiteral("different");
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
    int next = 0;
    QTimer trickle;
    connect(&trickle, &QTimer::timeout, &client.socket, [&] {
        if (client.socket.state() == QAbstractSocket::ConnectedState && next < head.size())
            client.socket.write(head.mid(next++, 1));
    });
    trickle.start(100);
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, 10000);
    QCOMPARE(client.answers().value(0).status, 408);
    QVERIFY2(next < head.size(), "the whole head went out before the close");
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

QTEST_MAIN(TestConnectionGuard)
#include "tst_connectionguard.moc"
