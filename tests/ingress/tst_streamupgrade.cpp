// The upgrade to an agent's live stream (SPEC §12) as the connection guard sees it, on a raw socket: what is
// refused before the upgrade and how, and that a request head arriving in pieces (which QHttpServer has partly
// read already) still upgrades.
#include "IngressFixture.h"
#include "RawAnswer.h"
#include "delivery/DeliveryOptions.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
QByteArray handshake(const QByteArray& target, const QByteArray& token, const QByteArray& extra = {})
{
    QByteArray head = "GET " + target +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    if (!token.isEmpty())
        head += "Authorization: Bearer " + token + "\r\n";
    return head + extra + "\r\n";
}

// Reads until the peer closes or the head and `frames` server frames have arrived.
struct Exchange
{
    QByteArray head;
    QList<QByteArray> frames; // text payloads (the server does not mask)
};

Exchange exchange(quint16 port, const QByteArray& request, int frames, int chunk = 0)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(5000))
        return {};
    if (chunk <= 0) {
        socket.write(request);
    } else {
        for (qsizetype i = 0; i < request.size(); i += chunk) {
            socket.write(request.mid(i, chunk));
            socket.waitForBytesWritten(1000);
            QTest::qWait(2); // separate reads on the server's side
        }
    }
    QByteArray in;
    Exchange out;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 10'000) {
        if (!socket.waitForReadyRead(200) && socket.state() != QAbstractSocket::ConnectedState)
            break;
        in += socket.readAll();
        const qsizetype end = in.indexOf("\r\n\r\n");
        if (end < 0)
            continue;
        out.head = in.left(end + 4);
        if (!out.head.startsWith("HTTP/1.1 101")) {
            // A refusal: its whole answer, up to the close the guard sends after it.
            while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(2000))
                in += socket.readAll();
            in += socket.readAll();
            out.head = in;
            return out;
        }
        QByteArray rest = in.mid(end + 4);
        out.frames.clear();
        while (rest.size() >= 2) {
            qsizetype length = quint8(rest.at(1)) & 0x7f;
            qsizetype at = 2;
            if (length == 126) {
                if (rest.size() < 4)
                    break;
                length = (qsizetype(quint8(rest.at(2))) << 8) | quint8(rest.at(3));
                at = 4;
            }
            if (rest.size() < at + length)
                break;
            out.frames << rest.mid(at, length);
            rest.remove(0, at + length);
        }
        if (out.frames.size() >= frames)
            break;
    }
    if (out.head.isEmpty())
        out.head = in;
    return out;
}
} // namespace

class TestStreamUpgrade final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<IngressFixture> m_f;
    QByteArray m_token;

    quint16 port() const { return quint16(QUrl(m_f->engine().ingressUrl()).port()); }
    Answer refusal(const QByteArray& request)
    {
        const Exchange e = exchange(port(), request, 0);
        const QList<Answer> answers = parseAnswers(e.head);
        return answers.isEmpty() ? Answer{} : answers.first();
    }

private slots:
    void init()
    {
        m_f = std::make_unique<IngressFixture>();
        m_token = m_f->engine().agents().addToken(m_f->agentId()).value();
        DeliveryOptions options;
        QVERIFY(m_f->engine().startDelivery(options));
    }
    void cleanup() { m_f.reset(); }

    void upgradesAndSaysHello_data()
    {
        QTest::addColumn<int>("chunk");
        QTest::newRow("whole") << 0;
        QTest::newRow("byte by byte") << 1;
        QTest::newRow("in 7-byte pieces") << 7;
    }
    void upgradesAndSaysHello()
    {
        QFETCH(int, chunk);
        const Exchange e = exchange(port(), handshake("/v1/agents/me/stream?window=3", m_token), 1, chunk);
        QVERIFY2(e.head.startsWith("HTTP/1.1 101"), e.head.constData());
        QVERIFY(e.head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        QCOMPARE(e.frames.size(), 1);
        const QJsonObject hello = QJsonDocument::fromJson(e.frames.first()).object();
        QCOMPARE(hello.value(QLatin1String("type")).toString(), QStringLiteral("hello"));
        QCOMPARE(hello.value(QLatin1String("agentId")).toString(), m_f->agentId());
        QCOMPARE(hello.value(QLatin1String("window")).toInt(), 3);
        QCOMPARE(hello.value(QLatin1String("ackTimeoutSeconds")).toDouble(), 10.0);
    }

    void refusedBeforeTheUpgrade_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("says");
        const QByteArray plain = "GET /v1/agents/me/stream HTTP/1.1\r\nHost: x\r\n\r\n";
        QTest::newRow("not an upgrade") << plain << 426 << "upgrade_required"
                                        << "WebSocket endpoint";
        QTest::newRow("no token") << handshake("/v1/agents/me/stream", {}) << 401 << "unauthorized"
                                  << "Bearer";
        QTest::newRow("wrong token") << handshake("/v1/agents/me/stream", "alfe_not-a-real-token-at-all-000000000")
                                     << 401 << "unauthorized"
                                     << "valid token";
        QTest::newRow("POST") << QByteArray(
                                     "POST /v1/agents/me/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                              << 405 << "method_not_allowed"
                              << "use GET";
    }
    void refusedBeforeTheUpgrade()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, says);
        const Answer answer = refusal(request);
        QCOMPARE(answer.status, status);
        QCOMPARE(answer.errorCode(), code);
        QVERIFY2(answer.errorMessage().contains(says), qPrintable(answer.errorMessage()));
        QCOMPARE(m_f->count(QStringLiteral("stream_since IS NOT NULL"), QStringLiteral("agents")), 0);
    }

    void badWindowsAndVersionsAreNamed_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("extra");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("says");
        QTest::newRow("window 0") << QByteArray("/v1/agents/me/stream?window=0") << QByteArray() << 400
                                  << "from 1 to 256";
        QTest::newRow("window 257") << QByteArray("/v1/agents/me/stream?window=257") << QByteArray() << 400
                                    << "not \"257\"";
        QTest::newRow("window text") << QByteArray("/v1/agents/me/stream?window=many") << QByteArray() << 400
                                     << "not \"many\"";
    }
    void badWindowsAndVersionsAreNamed()
    {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, extra);
        QFETCH(int, status);
        QFETCH(QString, says);
        const Answer answer = refusal(handshake(target, m_token, extra));
        QCOMPARE(answer.status, status);
        QVERIFY2(answer.errorMessage().contains(says), qPrintable(answer.errorMessage()));
    }

    void oldWebSocketVersionIsRefused()
    {
        QByteArray request = handshake("/v1/agents/me/stream", m_token);
        request.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8");
        const Answer answer = refusal(request);
        QCOMPARE(answer.status, 426);
        QCOMPARE(answer.header("Sec-WebSocket-Version"), QByteArray("13"));
    }

    void withoutDeliveryTheStreamIsUnavailable()
    {
        m_f->engine().stopDelivery();
        const Answer answer = refusal(handshake("/v1/agents/me/stream", m_token));
        QCOMPARE(answer.status, 503);
        QCOMPARE(answer.errorCode(), QStringLiteral("stream_unavailable"));
        QCOMPARE(answer.header("Retry-After"), QByteArray("5"));
    }

    void theStreamIsRecordedWithItsPeer()
    {
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), port());
        QVERIFY(socket.waitForConnected(5000));
        socket.write(handshake("/v1/agents/me/stream", m_token));
        QTRY_COMPARE_WITH_TIMEOUT(m_f->count(QStringLiteral("stream_since IS NOT NULL"), QStringLiteral("agents")), 1,
                                  10'000);
        const Agent agent = m_f->engine().agents().get(m_f->agentId()).value();
        QVERIFY(agent.streaming());
        QCOMPARE(agent.streamPeer, QStringLiteral("127.0.0.1:%1").arg(socket.localPort()));
        socket.abort();
        QTRY_COMPARE_WITH_TIMEOUT(m_f->count(QStringLiteral("stream_since IS NOT NULL"), QStringLiteral("agents")), 0,
                                  10'000);
    }
};

QTEST_GUILESS_MAIN(TestStreamUpgrade)
#include "tst_streamupgrade.moc"
