#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslServer>
#include <QString>
#include <QTcpSocket>

#include "domain/Delivery.h"
#include "ingress/WebSocketUpgrade.h"

namespace Alfe {

class GuardedConnection;

struct GuardLimits
{
    qint64 bodyLimitBytes = 10 * 1024 * 1024;
    int headerLimitBytes = 64 * 1024;
    // A connection with no bytes for this long while no request on it awaits its answer is closed; a request
    // head must also be complete within this long of its first byte (slowloris).
    int idleTimeoutMs = 30'000;
    // A request must arrive whole (head and body) within this long of its first byte, however steadily it drips
    // (408); once complete, its answer must be written within this long too, or the connection is closed.
    int requestTimeoutMs = 60'000;
    // One connection over this many open ones is answered 503 and closed (over TLS: closed before its handshake,
    // which would cost what the cap is there to bound). Connections in their TLS handshake count.
    int maxConnections = 1024;
    // Over TLS: a connection whose handshake is not done this long after it was accepted (or after its first
    // bytes) is closed (QSslServer's handshake timeout).
    int handshakeTimeoutMs = 10'000;
    // Request bodies QHttpServer holds in memory, across all connections: a request whose body would take the
    // total over this is answered 503 (declared lengths count from the head, chunked bodies as they arrive).
    qint64 bodyMemoryBytes = 256 * 1024 * 1024;
};

// A QTcpServer (a QSslServer once setTls() is called) to bind a QHttpServer (Qt 6.4) to, adding what later Qt versions
// have in QHttpServerConfiguration. It reads every request just ahead of QHttpServer and answers itself, with a JSON
// error and `Connection: close`, when the body is over the limit (413, from Content-Length alone, or once a
// chunked body passes it), the head is too large (431) or malformed (400, including Content-Length with
// Transfer-Encoding, or any framing Qt 6.4 would read differently), the method is not one Routes allows for
// the path (405 with Allow), an Expect is not 100-continue (417), there are too many connections or too many
// body bytes buffered across them (503). It answers `Expect: 100-continue` at once, closes idle connections,
// slow heads and slow requests (408 if a request was partly received), closes after the answer to a request
// that asked for it (`Connection: close`, HTTP/1.0), and passes pipelined requests to QHttpServer one at a
// time, each once the previous one is answered, so that answers keep their order. A connection on which
// QHttpServer answers something the guard did not pass it as a whole request, or fails to answer within the
// request timeout, is closed: the two never keep disagreeing about where a request ends.
// Over TLS all of it works on the decrypted bytes: QHttpServer gets each connection once its handshake is done.
class ConnectionGuard final : public QSslServer
{
    Q_OBJECT

public:
    explicit ConnectionGuard(const GuardLimits& limits = {}, QObject* parent = nullptr);
    Q_DISABLE_COPY_MOVE(ConnectionGuard)

    // Upgrades to a WebSocket on route.path go to route.take once route.check allows them; a route added again
    // for the same path replaces the first. On other paths an upgrade request is an ordinary request.
    void addUpgradeRoute(UpgradeRoute route);

    // Serve TLS with this configuration from the next connection on (call before listen()).
    void setTls(const QSslConfiguration& configuration);
    bool usesTls() const { return m_tls; }

    // New limits apply to requests that start after the call.
    void setLimits(const GuardLimits& limits);
    GuardLimits limits() const { return m_limits; }

    // The socket whose bytes QHttpServer is handling right now: valid inside a QHttpServer route handler (the
    // guard's readyRead slot runs just before QHttpServer's on the same socket). May be null. Hold it in a
    // QPointer and check it is still connected before answering later through a QHttpServerResponder.
    QTcpSocket* currentSocket() const { return m_currentSocket; }
    // Set (true) on a socket the guard has answered on itself or is closing: QHttpServer must write nothing more
    // on it (ResponseQueue drops such answers).
    static constexpr const char* ClosedProperty = "alfeClosedByGuard";

    // Connections accepted and handed to QHttpServer that are still open.
    int connectionCount() const { return m_connectionCount; }
    // Body bytes of requests not yet answered, across connections (declared, or received when chunked).
    qint64 bufferedBodyBytes() const { return m_bufferedBodyBytes; }

signals:
    // Every answer the guard gives itself, except 100 Continue and the 408 of an idle close.
    void refused(const Alfe::RefusedRequest& request);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    friend class GuardedConnection;

    // The route for a request target's path (the query is ignored), or null.
    const UpgradeRoute* upgradeRoute(QByteArrayView target) const;
    void incomingTlsConnection(qintptr socketDescriptor);

    GuardLimits m_limits;
    bool m_tls = false;
    QList<UpgradeRoute> m_upgrades;
    QPointer<QTcpSocket> m_currentSocket;
    int m_connectionCount = 0;
    qint64 m_bufferedBodyBytes = 0;
};

} // namespace Alfe

Q_DECLARE_METATYPE(Alfe::RefusedRequest)
