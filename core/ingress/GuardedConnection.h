#pragma once

#include "ingress/ConnectionGuard.h"
#include "ingress/HttpHead.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QTimer>

namespace Alfe {

// One accepted connection. Reads each request just ahead of QHttpServer (its readyRead slot is connected
// first), far enough to enforce the limits, and decides which bytes QHttpServer gets to see: one request at
// a time, the next only once the previous one is answered. Lives as a child of its socket.
class GuardedConnection final : public QObject
{
public:
    // handedOver: the socket goes to QHttpServer (which deletes it once disconnected); otherwise the guard
    // only refuses on it and deletes it itself. handshaking: a QSslSocket whose handshake QSslServer runs.
    GuardedConnection(ConnectionGuard* guard, QTcpSocket* socket, bool handedOver, bool handshaking = false);
    ~GuardedConnection() override { release(); }
    Q_DISABLE_COPY_MOVE(GuardedConnection)

    void refuseTooManyConnections();

private:
    enum class Phase
    {
        Handshake, // TLS: not encrypted yet (QSslServer times it); QHttpServer gets the socket once it is
        Head,      // reading a request head (or waiting for one)
        Body,      // reading a request body
        Awaiting,  // the request is complete; its answer is not written yet
        Closing,   // answered by the guard, or done: discarding input until the client closes
        Upgraded,  // handed over for a WebSocket upgrade: the guard is out of it
    };

    const GuardLimits& limits() const { return m_limits; }
    void onReadyRead();
    qsizetype take(QByteArrayView bytes);
    void admit(QByteArrayView rest);
    void upgrade(const UpgradeRoute& route, QByteArrayView rest);
    qsizetype takeBody(QByteArrayView bytes);
    void requestComplete();
    bool reserveBody(qint64 bytes);
    void releaseBody();
    void onRequestTimeout();
    void holdBack(const QByteArray& bytes, qsizetype used);
    void hold(const QByteArray& bytes);
    void onBytesWritten(qint64 bytes);
    void answered();
    void onIdleTimeout();
    void refuse(int status, const QByteArray& code, const QString& message,
                const QList<QPair<QByteArray, QByteArray>>& extraHeaders = {}, bool report = true);
    void closeGracefully();
    void shutWrite();
    void drain();
    void release();

    QPointer<ConnectionGuard> m_guard;
    QTcpSocket* m_socket;
    GuardLimits m_limits; // as at the start of the current request
    bool m_counted;
    Phase m_phase = Phase::Head;
    HttpHead m_head;
    ChunkedBody m_chunked;
    qint64 m_bodyRemaining = 0;
    QByteArray m_bodyHead;
    bool m_closeAfterAnswer = false;
    QByteArray m_held; // bytes of later requests, unparsed, kept from QHttpServer until this one is answered
    bool m_dropInput = false;
    qint64 m_bytesWritten = 0;
    qint64 m_answerMark = 0; // m_bytesWritten once everything written before the answer has been sent
    bool m_writeShut = false;
    bool m_shutWhenSent = false;  // TLS: shutWrite() waits for the encrypted answer to leave
    qint64 m_expectedWritten = 0; // bytes of answers the guard let QHttpServer give, and of its own 100 Continue
    qint64 m_reservedBody = 0;    // this connection's share of ConnectionGuard::m_bufferedBodyBytes
    QTimer m_idleTimer;
    QTimer m_requestTimer; // the whole request, then its answer
    QTimer m_lingerTimer;
};

} // namespace Alfe
