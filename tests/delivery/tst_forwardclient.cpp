// The forwarding HTTP/1.1 client against an agent written at the socket level: keep-alive reuse, every way
// an answer can be framed, an idle connection the agent closed, refused connections and malformed answers.
#include "delivery/ForwardClient.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <deque>

using namespace Alfe;

namespace {
// Reads whole requests (head and Content-Length body) and answers each with the next scripted bytes.
class ScriptedAgent final : public QTcpServer
{
public:
    struct Reply
    {
        QByteArray bytes;
        bool closeAfter = false;
    };
    std::deque<Reply> script;
    QList<QByteArray> requests; // whole requests as received
    int connections = 0;

    ScriptedAgent() { listen(QHostAddress::LocalHost, 0); }
    QUrl url(const QString& path = QStringLiteral("/in?x=1")) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(serverPort()).arg(path));
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto* socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        ++connections;
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
            QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
            for (;;) {
                const qsizetype end = buffer.indexOf("\r\n\r\n");
                if (end < 0)
                    break;
                qsizetype length = 0;
                for (const QByteArray& line : buffer.left(end).split('\n')) {
                    if (line.toLower().startsWith("content-length:"))
                        length = line.mid(15).trimmed().toLongLong();
                }
                if (buffer.size() < end + 4 + length)
                    break;
                requests << buffer.left(end + 4 + length);
                buffer.remove(0, end + 4 + length);
                const Reply reply =
                    script.empty() ? Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false} : script.front();
                if (!script.empty())
                    script.pop_front();
                socket->write(reply.bytes);
                if (reply.closeAfter) {
                    socket->flush();
                    socket->disconnectFromHost();
                }
            }
            socket->setProperty("buffer", buffer);
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
};

struct Result_
{
    bool done = false;
    ForwardAnswer answer;
};

// Posts and waits for the answer.
ForwardAnswer post(ForwardClient& client, const QUrl& url, const HeaderList& headers = {},
                   const QByteArray& body = "{\"n\":1}")
{
    auto result = std::make_shared<Result_>();
    client.post(url, headers, body, [result](quint64, const ForwardAnswer& a) {
        result->done = true;
        result->answer = a;
    });
    if (!QTest::qWaitFor([&] { return result->done; }, 10'000))
        qWarning("no answer within 10 s");
    return result->answer;
}
} // namespace

class TestForwardClient : public QObject
{
    Q_OBJECT

private slots:
    void keepAliveCarriesSeveralRequestsOnOneConnection()
    {
        ScriptedAgent agent;
        ForwardClient client;
        for (int i = 0; i < 5; ++i) {
            const ForwardAnswer a =
                post(client, agent.url(), {{"X-Alfe-Event", "ping"}}, "{\"i\":" + QByteArray::number(i) + "}");
            QCOMPARE(a.statusCode, 200);
            QCOMPARE(a.body, QByteArray("ok"));
            QVERIFY(a.error.isEmpty());
        }
        QCOMPARE(agent.connections, 1);
        QCOMPARE(agent.requests.size(), 5);
        const QByteArray first = agent.requests.first();
        QVERIFY2(first.startsWith("POST /in?x=1 HTTP/1.1\r\n"), first.constData());
        QVERIFY(first.contains(QStringLiteral("\r\nHost: 127.0.0.1:%1\r\n").arg(agent.serverPort()).toLatin1()));
        QVERIFY(first.contains("\r\nContent-Length: 7\r\n"));
        QVERIFY(first.contains("\r\nX-Alfe-Event: ping\r\n"));
        QVERIFY(first.endsWith("\r\n\r\n{\"i\":0}"));
    }

    void chunkedAnswerIsFramedAndTheConnectionReused()
    {
        ScriptedAgent agent;
        agent.script.push_back({"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\nX-Agent: a\r\n\r\n"
                                "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
                                false});
        ForwardClient client;
        const ForwardAnswer a = post(client, agent.url());
        QCOMPARE(a.statusCode, 202);
        QCOMPARE(a.body, QByteArray("hello world"));
        QCOMPARE(a.headers.value(1).first, QByteArray("X-Agent"));
        QCOMPARE(post(client, agent.url()).statusCode, 200);
        QCOMPARE(agent.connections, 1);
    }

    void answerUntilCloseIsReadAndTheConnectionNotReused()
    {
        ScriptedAgent agent;
        agent.script.push_back({"HTTP/1.1 500 Internal Server Error\r\n\r\nit broke", true});
        ForwardClient client;
        const ForwardAnswer a = post(client, agent.url());
        QCOMPARE(a.statusCode, 500);
        QCOMPARE(a.body, QByteArray("it broke"));
        QCOMPARE(post(client, agent.url()).statusCode, 200);
        QCOMPARE(agent.connections, 2);
    }

    void connectionCloseAndHttp10AreHonoured()
    {
        ScriptedAgent agent;
        agent.script.push_back({"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false});
        agent.script.push_back({"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false});
        ForwardClient client;
        QCOMPARE(post(client, agent.url()).statusCode, 200);
        QCOMPARE(post(client, agent.url()).statusCode, 200);
        QCOMPARE(post(client, agent.url()).statusCode, 200);
        QCOMPARE(agent.connections, 3);
    }

    void interimAnswersAreSkipped()
    {
        ScriptedAgent agent;
        agent.script.push_back(
            {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew", false});
        ForwardClient client;
        const ForwardAnswer a = post(client, agent.url());
        QCOMPARE(a.statusCode, 201);
        QCOMPARE(a.body, QByteArray("new"));
    }

    // An agent may close a keep-alive connection while it is idle; the next request must not fail for it.
    void idleConnectionClosedByTheAgentIsNotAFailure()
    {
        ScriptedAgent agent;
        ForwardClient client;
        QCOMPARE(post(client, agent.url()).statusCode, 200);
        // The agent drops its side of the idle connection.
        for (QTcpSocket* socket : agent.findChildren<QTcpSocket*>())
            socket->disconnectFromHost();
        QTest::qWait(50);
        const ForwardAnswer a = post(client, agent.url());
        QVERIFY2(a.error.isEmpty(), qPrintable(a.error));
        QCOMPARE(a.statusCode, 200);
        QCOMPARE(agent.requests.size(), 2);
    }

    void refusedConnectionIsAnError()
    {
        quint16 port = 0;
        {
            QTcpServer closed;
            QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
            port = closed.serverPort();
        }
        ForwardClient client;
        const ForwardAnswer a = post(client, QUrl(QStringLiteral("http://127.0.0.1:%1/in").arg(port)));
        QCOMPARE(a.statusCode, 0);
        QVERIFY2(a.error.contains(QLatin1String("refused"), Qt::CaseInsensitive), qPrintable(a.error));
    }

    void malformedAnswersAreErrors_data()
    {
        QTest::addColumn<QByteArray>("reply");
        QTest::addColumn<QString>("error");
        QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n") << QStringLiteral("status line");
        QTest::newRow("bad length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n")
                                    << QStringLiteral("Content-Length");
        QTest::newRow("bad chunk") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                   << QStringLiteral("chunk size");
        QTest::newRow("cut short") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                                   << QStringLiteral("middle of its answer");
    }

    void malformedAnswersAreErrors()
    {
        QFETCH(QByteArray, reply);
        QFETCH(QString, error);
        ScriptedAgent agent;
        agent.script.push_back({reply, true});
        ForwardClient client;
        const ForwardAnswer a = post(client, agent.url());
        QCOMPARE(a.statusCode, 0);
        QVERIFY2(a.error.contains(error), qPrintable(a.error));
    }

    void headersThatWouldSplitTheRequestAreNotSent()
    {
        ScriptedAgent agent;
        ForwardClient client;
        QCOMPARE(post(client, agent.url(), {{"X-Ok", "1"}, {"X-Evil", "a\r\nX-Injected: 1"}}).statusCode, 200);
        QVERIFY(agent.requests.first().contains("X-Ok: 1"));
        QVERIFY(!agent.requests.first().contains("X-Injected"));
        QVERIFY(!agent.requests.first().contains("X-Evil"));
    }

    void concurrentRequestsGetConnectionsOfTheirOwn()
    {
        ScriptedAgent agent;
        ForwardClient client;
        int answered = 0;
        for (int i = 0; i < 16; ++i)
            client.post(agent.url(), {}, "{}",
                        [&answered](quint64, const ForwardAnswer& a) { answered += a.statusCode == 200; });
        QTRY_COMPARE(answered, 16);
        QCOMPARE(agent.connections, 16);
        // Then they are reused: 16 more need no new connection.
        for (int i = 0; i < 16; ++i)
            client.post(agent.url(), {}, "{}",
                        [&answered](quint64, const ForwardAnswer& a) { answered += a.statusCode == 200; });
        QTRY_COMPARE(answered, 32);
        QCOMPARE(agent.connections, 16);
    }

    void abortEndsTheRequestWithTheReasonGiven()
    {
        ScriptedAgent agent;
        agent.script.push_back({"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nslow", false});
        ForwardClient client;
        auto result = std::make_shared<Result_>();
        const quint64 handle = client.post(agent.url(), {}, "{}", [result](quint64, const ForwardAnswer& a) {
            result->done = true;
            result->answer = a;
        });
        QTRY_COMPARE(agent.requests.size(), 1);
        QTest::qWait(20);
        QVERIFY(!result->done);
        client.abort(handle, QStringLiteral("timed out after 1 ms"));
        QVERIFY(result->done);
        QCOMPARE(result->answer.statusCode, 0);
        QCOMPARE(result->answer.error, QStringLiteral("timed out after 1 ms"));
    }
};

QTEST_GUILESS_MAIN(TestForwardClient)
#include "tst_forwardclient.moc"
