#pragma once

#include "domain/Delivery.h"

#include <QByteArray>
#include <QObject>
#include <QUrl>

class QTcpSocket;

namespace Alfe {

// How an agent answered one forwarded request.
struct ForwardAnswer
{
    int statusCode = 0; // 0: no complete answer (see error)
    HeaderList headers;
    QByteArray body;      // the first BodyKeptBytes of it
    bool bodyCut = false; // it went on past what is kept: the rest was not read
    QString error;        // why there is no answer: refused, reset, TLS, malformed, ...
};

// One keep-alive HTTP/1.1 connection to an agent's origin (TCP, or TLS for https), carrying one request at a
// time. It reads the status line and headers, and at most BodyKeptBytes of the body (Content-Length,
// chunked, or until close); an answer longer than that is cut and the connection closed.
//
// Written for forwarding, on the delivery thread, instead of QNetworkAccessManager: that runs HTTP in a
// thread of its own and moves objects across for every request, which cost ~350 µs of CPU per delivery
// here and capped a backlog's drain near 2,000/s on two cores (docs/benchmarks.md).
class AgentConnection final : public QObject
{
    Q_OBJECT

public:
    static constexpr qsizetype BodyKeptBytes = 64 * 1024;

    AgentConnection(const QUrl& origin, QObject* parent = nullptr);
    ~AgentConnection() override;
    Q_DISABLE_COPY_MOVE(AgentConnection)

    // Sends a whole request (head and body); finished() follows once, with the answer or an error.
    void send(const QByteArray& request);
    // Ends the exchange in progress with `why` (finished() follows) and closes the connection.
    void abort(const QString& why);

    bool busy() const { return m_state != State::Idle && m_state != State::Closed; }
    bool reusable() const { return m_state == State::Idle; }
    // Whether it carried an earlier request: a failure before any byte of an answer may only mean that the
    // agent closed it while it was idle, and the request can go again on a new connection.
    bool wasReused() const { return m_exchanges > 1; }
    bool answerStarted() const { return m_answerStarted; }

signals:
    void finished(Alfe::AgentConnection* connection, const Alfe::ForwardAnswer& answer);

private:
    enum class State
    {
        Idle,
        Connecting,
        StatusLine,
        Headers,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailers,
        Body,
        UntilClose,
        Closed,
    };

    void onReadyRead();
    void onDisconnected();
    void onError();
    bool parse(); // false: wait for more bytes
    bool statusLine(const QByteArray& line);
    void headersDone();
    void keep(const QByteArray& bytes);
    void complete();
    void fail(const QString& why);

    QUrl m_origin;
    QTcpSocket* m_socket = nullptr;
    State m_state = State::Closed;
    QByteArray m_pending; // request bytes written once connected
    QByteArray m_in;
    ForwardAnswer m_answer;
    qint64 m_remaining = -1; // body or chunk bytes left
    qsizetype m_headerBytes = 0;
    bool m_keepAlive = true;
    bool m_answerStarted = false;
    int m_exchanges = 0;
};

} // namespace Alfe
