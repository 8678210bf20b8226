// The connection guard over TLS, in front of a real QHttpServer on 127.0.0.1, driven by QSslSocket clients that
// trust a throwaway CA (TestCertificates) and by raw TCP sockets: the guard's limits hold on the decrypted stream
// (413, 431, slowloris 408, the idle close), a handshake that never comes is closed after the handshake timeout and
// counts against the connection cap while it lasts, and plain HTTP sent to the TLS port is closed without reaching
// QHttpServer or the refused log.
#include "GuardClient.h"
#include "TestCertificates.h"
#include "ingress/ConnectionGuard.h"
#include "ingress/TlsCredentials.h"

#include <QHttpServer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
constexpr int WaitMs = 10'000;

QByteArray post(const QByteArray& body, QByteArrayView extraHeaders = {})
{
    return "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
           extraHeaders.toByteArray() + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

using TlsClient = GuardClient<QSslSocket>;
using TcpClient = GuardClient<QTcpSocket>;
} // namespace

class TestConnectionGuardTls final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void requestsAreAnsweredOverTls();
    void declaredHugeBodyIsRefusedFromItsHead();
    void oversizedHeadIsRefused();
    void slowHeadIsCutOff();
    void idleKeepAliveConnectionIsClosed();
    void handshakeThatNeverComesIsClosed();
    void handshakesCountAgainstTheConnectionLimit();
    void plainHttpIsClosedCleanly();

private:
    void startServer(const GuardLimits& limits = {});
    // A TLS client whose handshake is done (or the test fails).
    std::unique_ptr<TlsClient> connectTls();

    std::unique_ptr<TestCertificates> m_certificates;
    QSslConfiguration m_serverTls;
    QList<QSslCertificate> m_trusted;
    std::unique_ptr<QHttpServer> m_server;
    QPointer<ConnectionGuard> m_guard;
    quint16 m_port = 0;
    QList<RefusedRequest> m_refused;
    int m_handled = 0; // requests that reached the route handler
};

void TestConnectionGuardTls::initTestCase()
{
    m_certificates = std::make_unique<TestCertificates>();
    QVERIFY2(m_certificates->isValid(), qPrintable(m_certificates->problem()));
    auto credentials = TlsCredentials::load(m_certificates->chainFile(), m_certificates->keyFile());
    QVERIFY2(credentials, qPrintable(credentials ? QString() : credentials.error().message));
    QCOMPARE(credentials->chain.size(), 2); // the server's own and the intermediate
    m_serverTls = credentials->serverConfiguration();
    m_trusted = QSslCertificate::fromPath(m_certificates->caFile());
    QCOMPARE(m_trusted.size(), 1);
}

void TestConnectionGuardTls::cleanup()
{
    m_server.reset();
    m_refused.clear();
    m_handled = 0;
}

void TestConnectionGuardTls::startServer(const GuardLimits& limits)
{
    m_server = std::make_unique<QHttpServer>();
    m_server->route(QStringLiteral("/v1/hooks/<arg>"), QHttpServerRequest::Method::Post,
                    [this](const QString&, const QHttpServerRequest& request) {
                        ++m_handled;
                        return QHttpServerResponse(QJsonObject{{QStringLiteral("bytes"), request.body().size()}},
                                                   QHttpServerResponder::StatusCode::Accepted);
                    });
    m_guard = new ConnectionGuard(limits);
    m_guard->setTls(m_serverTls);
    QVERIFY(m_guard->usesTls());
    connect(m_guard, &ConnectionGuard::refused, this, [this](const RefusedRequest& r) { m_refused.append(r); });
    QVERIFY(m_guard->listen(QHostAddress::LocalHost, 0));
    m_port = m_guard->serverPort();
    m_server->bind(m_guard);
}

std::unique_ptr<TlsClient> TestConnectionGuardTls::connectTls()
{
    auto client = std::make_unique<TlsClient>(m_port, m_trusted);
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(client->encrypted, WaitMs);
    }();
    return client;
}

void TestConnectionGuardTls::requestsAreAnsweredOverTls()
{
    startServer();
    auto client = connectTls();
    QVERIFY(client->encrypted);
    client->socket.write(post("{}") + post("[1,2]")); // pipelined: answered in order
    QTRY_COMPARE_WITH_TIMEOUT(client->answers().size(), 2, WaitMs);
    QCOMPARE(client->answers()[0].status, 202);
    QCOMPARE(client->answers()[0].json().value(QLatin1String("bytes")).toInt(), 2);
    QCOMPARE(client->answers()[1].json().value(QLatin1String("bytes")).toInt(), 5);
    QCOMPARE(m_handled, 2);
    QCOMPARE(m_guard->connectionCount(), 1);
}

void TestConnectionGuardTls::declaredHugeBodyIsRefusedFromItsHead()
{
    startServer();
    auto client = connectTls();
    client->socket.write("POST /v1/hooks/whk_x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: 104857600\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client->closed, WaitMs);
    QCOMPARE(client->answers().size(), 1);
    const Answer answer = client->answers()[0];
    QCOMPARE(answer.status, 413);
    QCOMPARE(answer.errorCode(), QStringLiteral("payload_too_large"));
    QCOMPARE(answer.header("Connection"), "close");
    QCOMPARE(m_refused.size(), 1);
    QCOMPARE(m_refused[0].status, 413);
    QCOMPARE(m_handled, 0);
}

void TestConnectionGuardTls::oversizedHeadIsRefused()
{
    startServer();
    auto client = connectTls();
    client->socket.write(post("{}", "X-Padding: " + QByteArray(70 * 1024, 'p') + "\r\n"));
    QTRY_VERIFY_WITH_TIMEOUT(client->closed, WaitMs);
    QCOMPARE(client->answers().size(), 1);
    QCOMPARE(client->answers()[0].status, 431);
    QCOMPARE(client->answers()[0].errorCode(), QStringLiteral("request_header_fields_too_large"));
    QCOMPARE(m_handled, 0);
}

void TestConnectionGuardTls::slowHeadIsCutOff()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 300;
    startServer(limits);
    auto client = connectTls();
    // One byte every 100 ms never leaves the connection idle for 300 ms, but the head must be complete within it.
    const QByteArray head = "POST /v1/hooks/whk_x HTTP/1.1\r\nHost: a\r\nX-Slow: " + QByteArray(200, 's');
    client->trickle(head, 100);
    QTRY_VERIFY_WITH_TIMEOUT(client->closed, WaitMs);
    QCOMPARE(client->answers().value(0).status, 408);
    QVERIFY2(client->trickled < head.size(), "the whole head went out before the close");
}

void TestConnectionGuardTls::idleKeepAliveConnectionIsClosed()
{
    GuardLimits limits;
    limits.idleTimeoutMs = 300;
    startServer(limits);
    auto client = connectTls();
    client->socket.write(post("{}"));
    QTRY_COMPARE_WITH_TIMEOUT(client->answers().size(), 1, WaitMs);
    QCOMPARE(client->answers()[0].status, 202);
    QTRY_VERIFY_WITH_TIMEOUT(client->closed, WaitMs);
    QCOMPARE(client->answers().size(), 1); // closed without another answer
    QTRY_COMPARE(m_guard->connectionCount(), 0);
}

void TestConnectionGuardTls::handshakeThatNeverComesIsClosed()
{
    GuardLimits limits;
    limits.handshakeTimeoutMs = 300;
    limits.idleTimeoutMs = 60'000; // not what closes it
    startServer(limits);
    TcpClient silent(m_port);
    QTRY_COMPARE(m_guard->connectionCount(), 1); // counted while it handshakes
    QTRY_VERIFY_WITH_TIMEOUT(silent.closed, WaitMs);
    QVERIFY(silent.received.isEmpty());
    QTRY_COMPARE(m_guard->connectionCount(), 0);
    QVERIFY(m_refused.isEmpty());

    // A client that starts a handshake and stalls halfway: five bytes of a TLS record header, then nothing.
    TcpClient stalled(m_port);
    QTRY_COMPARE(m_guard->connectionCount(), 1);
    stalled.socket.write(QByteArray::fromHex("1603010200"));
    QTRY_VERIFY_WITH_TIMEOUT(stalled.closed, WaitMs);
    QTRY_COMPARE(m_guard->connectionCount(), 0);
    QCOMPARE(m_handled, 0);
}

void TestConnectionGuardTls::handshakesCountAgainstTheConnectionLimit()
{
    GuardLimits limits;
    limits.maxConnections = 2;
    limits.handshakeTimeoutMs = 1500;
    startServer(limits);
    TcpClient first(m_port);
    TcpClient second(m_port);
    QTRY_COMPARE(m_guard->connectionCount(), 2); // neither has said a word

    // The third is over the cap: closed before its handshake (no answer can be written without one).
    TlsClient third(m_port, m_trusted);
    QTRY_VERIFY_WITH_TIMEOUT(third.closed || third.socket.state() == QAbstractSocket::UnconnectedState, WaitMs);
    QVERIFY(!third.encrypted);
    QCOMPARE(m_guard->connectionCount(), 2);

    // Once the silent two time out, there is room again.
    QTRY_VERIFY_WITH_TIMEOUT(first.closed && second.closed, WaitMs);
    QTRY_COMPARE(m_guard->connectionCount(), 0);
    auto fourth = connectTls();
    fourth->socket.write(post("{}"));
    QTRY_COMPARE_WITH_TIMEOUT(fourth->answers().size(), 1, WaitMs);
    QCOMPARE(fourth->answers()[0].status, 202);
}

void TestConnectionGuardTls::plainHttpIsClosedCleanly()
{
    startServer();
    TcpClient plain(m_port);
    plain.socket.write(post("{}"));
    QTRY_VERIFY_WITH_TIMEOUT(plain.closed, WaitMs);
    QVERIFY2(!plain.received.startsWith("HTTP/"), plain.received.constData()); // no plain-text answer
    QCOMPARE(m_handled, 0);
    QVERIFY(m_refused.isEmpty()); // nothing logged: there was no request the server could read
    QTRY_COMPARE(m_guard->connectionCount(), 0);

    auto client = connectTls(); // and the server goes on
    client->socket.write(post("{}"));
    QTRY_COMPARE_WITH_TIMEOUT(client->answers().size(), 1, WaitMs);
    QCOMPARE(client->answers()[0].status, 202);
}

QTEST_GUILESS_MAIN(TestConnectionGuardTls)
#include "tst_connectionguard_tls.moc"
