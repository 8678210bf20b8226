#include "ingress/GuardedConnection.h"

#include "ingress/GuardAnswer.h"
#include "ingress/Routes.h"

#include "domain/Logging.h"

#include <QLoggingCategory>
#include <QSslSocket>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

namespace Alfe {

namespace {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

constexpr qsizetype BodyHeadBytes = RefusedRequest::BodyHeadBytes;
// After answering with an error (or closing an idle connection) the guard shuts its sending side and keeps
// reading and discarding what the client still sends, for at most this long: closing a socket with unread
// bytes resets the connection, and a reset can destroy the answer before the client reads it (RFC 9112, 9.6).
constexpr int LingerMs = 2000;
constexpr qint64 LingerReadBufferBytes = 64 * 1024;
constexpr QByteArrayView ContinueAnswer = "HTTP/1.1 100 Continue\r\n\r\n";

} // namespace

GuardedConnection::GuardedConnection(ConnectionGuard* guard, QTcpSocket* socket, bool handedOver, bool handshaking)
    : QObject(socket)
    , m_guard(guard)
    , m_socket(socket)
    , m_limits(guard->limits())
    , m_counted(handedOver)
    , m_head(m_limits.headerLimitBytes)
{
    if (m_counted)
        ++guard->m_connectionCount;
    m_idleTimer.setSingleShot(true);
    m_requestTimer.setSingleShot(true);
    m_lingerTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &GuardedConnection::onIdleTimeout);
    connect(&m_requestTimer, &QTimer::timeout, this, &GuardedConnection::onRequestTimeout);
    connect(&m_lingerTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    connect(socket, &QIODevice::readyRead, this, &GuardedConnection::onReadyRead);
    connect(socket, &QIODevice::bytesWritten, this, &GuardedConnection::onBytesWritten);
    connect(socket, &QAbstractSocket::disconnected, this, &GuardedConnection::release);
    if (!handedOver)
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    if (!handshaking) {
        m_idleTimer.start(m_limits.idleTimeoutMs);
        return;
    }
    m_phase = Phase::Handshake;
    connect(static_cast<QSslSocket*>(socket), &QSslSocket::encrypted, this, [this] {
        m_phase = Phase::Head;
        m_idleTimer.start(m_limits.idleTimeoutMs);
    });
    connect(socket, &QAbstractSocket::disconnected, this, [this] {
        if (m_phase == Phase::Handshake) // neither QHttpServer nor (always) QSslServer deletes it then
            m_socket->deleteLater();
    });
}

void GuardedConnection::refuseTooManyConnections()
{
    refuse(503, "too_many_connections",
           QStringLiteral("The server has %1 open connections, its limit; retry shortly.").arg(limits().maxConnections),
           {{"Retry-After", "1"}});
}

void GuardedConnection::onReadyRead()
{
    if (m_phase == Phase::Handshake)
        return; // the client's handshake bytes: QSslSocket reads them
    if (m_phase == Phase::Closing)
        return drain();
    // QHttpServer keeps a read transaction open while its request is incomplete. What it has read is parsed
    // on its side: drop it, so that peek() and ungetChar() below work on unread bytes only, and the socket
    // does not keep a second copy of a large body.
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    if (m_phase == Phase::Awaiting)
        return hold(m_socket->readAll());
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return;
    if (m_guard)
        m_guard->m_currentSocket = m_socket;
    if (m_phase == Phase::Body)
        m_idleTimer.start(limits().idleTimeoutMs);
    const QByteArray bytes = m_socket->peek(available);
    const qsizetype used = take(bytes);
    if (m_phase == Phase::Upgraded)
        return; // the socket is someone else's now
    if (m_phase == Phase::Closing)
        drain();
    else if (used < bytes.size())
        holdBack(bytes, used);
}

// Follows the request(s) in `bytes` until one is complete or refused; returns how many bytes that took.
qsizetype GuardedConnection::take(QByteArrayView bytes)
{
    qsizetype used = 0;
    while (used < bytes.size() && (m_phase == Phase::Head || m_phase == Phase::Body)) {
        if (m_phase == Phase::Body) {
            used += takeBody(bytes.sliced(used));
            continue;
        }
        if (m_head.isEmpty()) {
            m_limits = m_guard ? m_guard->limits() : m_limits;
            m_head = HttpHead(m_limits.headerLimitBytes);
        }
        const bool started = !m_head.isEmpty();
        used += m_head.feed(bytes.sliced(used));
        if (!started && !m_head.isEmpty()) {
            m_idleTimer.start(limits().idleTimeoutMs);       // the whole head must arrive within this
            m_requestTimer.start(limits().requestTimeoutMs); // and the whole request within this
        }
        switch (m_head.status()) {
        case HttpHead::Status::Incomplete:
            break;
        case HttpHead::Status::Complete:
            admit(bytes.sliced(used));
            break;
        case HttpHead::Status::TooLarge:
            refuse(431, "request_header_fields_too_large", m_head.problem());
            break;
        case HttpHead::Status::Malformed:
            refuse(400, "bad_request", m_head.problem());
            break;
        case HttpHead::Status::UnsupportedExpectation:
            refuse(417, "expectation_failed", m_head.problem());
            break;
        }
    }
    return used;
}

// The head is complete and well-formed; `rest` is what followed it in this read.
void GuardedConnection::admit(QByteArrayView rest)
{
    const qint64 declared = m_head.contentLength();
    const qint64 bodyInRest =
        qMin<qint64>(qMin<qint64>(rest.size(), BodyHeadBytes), declared >= 0 ? declared : rest.size());
    m_bodyHead = rest.first(bodyInRest).toByteArray();
    const QList<QByteArray> allowed = Routes::allowedMethods(m_head.target());
    if (!allowed.isEmpty() && !allowed.contains(m_head.method())) {
        const QByteArray allow = allowed.join(", ");
        return refuse(405, "method_not_allowed",
                      QStringLiteral("%1 is not allowed on %2; use %3.")
                          .arg(QString::fromLatin1(m_head.method()), QString::fromUtf8(m_head.target().left(200)),
                               QString::fromLatin1(allow)),
                      {{"Allow", allow}});
    }
    if (const UpgradeRoute* route = m_guard ? m_guard->upgradeRoute(m_head.target()) : nullptr)
        return upgrade(*route, rest);
    if (declared > limits().bodyLimitBytes) {
        return refuse(413, "payload_too_large",
                      QStringLiteral("The body is %1; the limit is %2.")
                          .arg(GuardAnswer::sizeText(declared), GuardAnswer::sizeText(limits().bodyLimitBytes)));
    }
    if (!reserveBody(qMax<qint64>(0, declared)))
        return;
    m_bodyHead.clear(); // takeBody() collects it from here on
    if (m_head.expectsContinue() && m_head.hasBody() && rest.isEmpty()) {
        m_socket->write(ContinueAnswer.data(), ContinueAnswer.size());
        m_expectedWritten += ContinueAnswer.size();
    }
    m_closeAfterAnswer = !m_head.keepsAlive();
    m_chunked = ChunkedBody();
    m_bodyRemaining = qMax<qint64>(0, declared);
    if (!m_head.hasBody())
        return requestComplete();
    m_phase = Phase::Body;
    m_idleTimer.start(limits().idleTimeoutMs);
}

// A request on the upgrade route: refused here with a precise answer, or handed over whole.
void GuardedConnection::upgrade(const UpgradeRoute& route, QByteArrayView rest)
{
    UpgradeVerdict verdict = WebSocketUpgrade::checkShape(m_head);
    if (verdict.status == 0)
        verdict = route.check(m_head, m_socket);
    if (verdict.status != 0)
        return refuse(verdict.status, verdict.code, verdict.message, verdict.headers);

    // Out of the way: no timer, no count, no slot of ours or of QHttpServer's (its request object still goes
    // with the socket). What QHttpServer read of the head is gone from the socket; the head goes back whole,
    // in front of what followed it.
    m_phase = Phase::Upgraded;
    m_idleTimer.stop();
    m_requestTimer.stop();
    m_lingerTimer.stop();
    release();
    QObject::disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
    QObject::disconnect(m_socket, &QIODevice::bytesWritten, nullptr, nullptr);
    QObject::disconnect(m_socket, &QAbstractSocket::disconnected, nullptr, nullptr);
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    m_socket->skip(m_socket->bytesAvailable() - rest.size());
    const QByteArray head = m_head.text();
    for (qsizetype i = head.size() - 1; i >= 0; --i)
        m_socket->ungetChar(head.at(i));
    QTcpSocket* socket = m_socket;
    const auto take = route.take; // a copy: the call may change the guard's routes
    setParent(nullptr);
    deleteLater();
    socket->setParent(nullptr);
    take(socket);
}

qsizetype GuardedConnection::takeBody(QByteArrayView bytes)
{
    const qint64 limit = limits().bodyLimitBytes;
    if (!m_head.isChunked()) {
        const qsizetype n = qMin<qint64>(bytes.size(), m_bodyRemaining);
        if (m_bodyHead.size() < BodyHeadBytes)
            m_bodyHead += bytes.first(qMin(n, BodyHeadBytes - m_bodyHead.size()));
        m_bodyRemaining -= n;
        if (m_bodyRemaining == 0)
            requestComplete();
        return n;
    }
    const qsizetype n = m_chunked.feed(bytes, &m_bodyHead, BodyHeadBytes);
    if (m_chunked.dataSize() > limit)
        refuse(413, "payload_too_large",
               QStringLiteral("The chunked body passed the limit of %1.").arg(GuardAnswer::sizeText(limit)));
    else if (!reserveBody(m_chunked.dataSize()))
        return n; // refused: no room left for it in the body memory budget
    else if (m_chunked.status() == ChunkedBody::Status::Malformed)
        refuse(400, "bad_request", m_chunked.problem());
    else if (m_chunked.hasTrailerFields()) // Qt 6.4's parser takes them for the start of another request
        refuse(400, "bad_request",
               QStringLiteral("Trailer fields after a chunked body are not supported; send them "
                              "as header fields."));
    else if (m_chunked.status() == ChunkedBody::Status::Complete)
        requestComplete();
    return n;
}

void GuardedConnection::requestComplete()
{
    m_phase = Phase::Awaiting;
    m_idleTimer.stop();
    m_requestTimer.start(limits().requestTimeoutMs);          // now for the answer
    m_answerMark = m_bytesWritten + m_socket->bytesToWrite(); // a 100 Continue may still be on its way
}

// Grows this request's share of the body memory budget to `bytes`; refuses the request (503) when the budget
// has no room for it.
bool GuardedConnection::reserveBody(qint64 bytes)
{
    if (bytes <= m_reservedBody || !m_guard)
        return true;
    const qint64 budget = limits().bodyMemoryBytes;
    const qint64 others = m_guard->m_bufferedBodyBytes - m_reservedBody;
    if (bytes > budget - others) {
        refuse(503, "server_busy",
               QStringLiteral("The server is holding %1 of request bodies, its limit; retry shortly.")
                   .arg(GuardAnswer::sizeText(budget)),
               {{"Retry-After", "1"}});
        return false;
    }
    m_guard->m_bufferedBodyBytes += bytes - m_reservedBody;
    m_reservedBody = bytes;
    return true;
}

void GuardedConnection::releaseBody()
{
    if (m_guard)
        m_guard->m_bufferedBodyBytes -= m_reservedBody;
    m_reservedBody = 0;
}

// This read went past the end of the request now complete: QHttpServer must see only up to `used` now; the
// rest is parsed once the answer is written.
void GuardedConnection::holdBack(const QByteArray& bytes, qsizetype used)
{
    Q_ASSERT(m_phase == Phase::Awaiting && m_held.isEmpty());
    m_socket->skip(bytes.size());
    for (qsizetype i = used - 1; i >= 0; --i)
        m_socket->ungetChar(bytes.at(i));
    hold(bytes.sliced(used));
}

void GuardedConnection::hold(const QByteArray& bytes)
{
    if (m_dropInput)
        return;
    m_held += bytes;
    const qint64 cap = qint64(limits().headerLimitBytes) + limits().bodyLimitBytes;
    if (m_held.size() > cap) {
        qCInfo(lcIngress) << "client" << m_socket->peerAddress() << "pipelined over" << cap
                          << "bytes ahead of an answer; closing after the answer";
        m_held = QByteArray();
        m_dropInput = true;
        m_closeAfterAnswer = true;
    }
}

void GuardedConnection::onBytesWritten(qint64 bytes)
{
    m_bytesWritten += bytes;
    if ((m_phase == Phase::Head || m_phase == Phase::Body) && m_bytesWritten > m_expectedWritten) {
        // QHttpServer answered a request the guard has not passed it whole: they disagree about where requests
        // end on this connection, so nothing more on it can be trusted.
        qCWarning(lcIngress) << "the HTTP server answered outside a request on a connection from"
                             << m_socket->peerAddress() << "; closing it";
        return closeGracefully();
    }
    if (m_socket->bytesToWrite() > 0)
        return;
    if (m_phase == Phase::Awaiting && m_bytesWritten > m_answerMark)
        answered();
    else if (m_phase == Phase::Closing && !m_writeShut)
        shutWrite();
}

void GuardedConnection::answered()
{
    m_requestTimer.stop();
    m_expectedWritten = m_bytesWritten;
    releaseBody();
    if (m_closeAfterAnswer)
        return closeGracefully();
    m_phase = Phase::Head;
    m_head = HttpHead(); // take() makes the next one with the limits then current
    m_idleTimer.start(limits().idleTimeoutMs);
    if (m_held.isEmpty())
        return;
    // Give the held bytes back to the socket, in front of anything that arrives meanwhile, and announce them.
    // (QHttpServer opens a read transaction even on a read that finds nothing; close it, or ungetChar() would
    // only move the transaction's position.)
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    for (qsizetype i = m_held.size() - 1; i >= 0; --i)
        m_socket->ungetChar(m_held.at(i));
    m_held = QByteArray();
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_phase != Phase::Upgraded && m_socket->bytesAvailable() > 0)
                Q_EMIT m_socket->readyRead();
        },
        Qt::QueuedConnection);
}

void GuardedConnection::onIdleTimeout()
{
    if (m_phase == Phase::Head && m_head.isEmpty()) {
        qCDebug(lcIngress) << "closing idle connection from" << m_socket->peerAddress();
        return closeGracefully();
    }
    if (m_phase == Phase::Head || m_phase == Phase::Body) {
        refuse(408, "request_timeout",
               QStringLiteral("The request was not complete within %1 ms.").arg(limits().idleTimeoutMs), {}, false);
    }
}

void GuardedConnection::onRequestTimeout()
{
    if (m_phase == Phase::Head || m_phase == Phase::Body) {
        refuse(408, "request_timeout",
               QStringLiteral("The request was not complete within %1 ms of its first byte.")
                   .arg(limits().requestTimeoutMs),
               {}, false);
    } else if (m_phase == Phase::Awaiting) {
        qCWarning(lcIngress).noquote() << "no answer within" << limits().requestTimeoutMs << "ms to" << m_head.method()
                                       << m_head.target().left(200) << "from" << m_socket->peerAddress().toString()
                                       << "; closing the connection";
        refuse(503, "answer_timeout",
               QStringLiteral("No answer was ready within %1 ms; the request may have been stored. Retry it with "
                              "the same delivery id.")
                   .arg(limits().requestTimeoutMs),
               {{"Retry-After", "1"}}, false);
    }
}

void GuardedConnection::refuse(int status, const QByteArray& code, const QString& message,
                               const HeaderList& extraHeaders, bool report)
{
    qCInfo(lcIngress).noquote() << status << code << "for" << m_socket->peerAddress().toString() << m_head.method()
                                << m_head.target().left(200) << "-" << message;
    RefusedRequest request;
    request.status = status;
    request.code = code;
    request.method = m_head.method();
    request.path = m_head.target();
    request.headers = m_head.fields();
    request.bodyHead = m_bodyHead;
    request.declaredBodySize = m_head.contentLength();
    request.remoteAddress = m_socket->peerAddress().toString();

    m_socket->write(GuardAnswer::error(status, code, message, extraHeaders));
    closeGracefully();
    if (report && m_guard)
        Q_EMIT m_guard->refused(request);
}

// Stops QHttpServer from seeing anything more, then shuts the sending side once everything queued is sent,
// discarding input until the client closes (or LingerMs passes).
void GuardedConnection::closeGracefully()
{
    if (m_phase == Phase::Closing)
        return;
    m_phase = Phase::Closing;
    m_idleTimer.stop();
    m_requestTimer.stop();
    releaseBody();
    // An answer QHttpServer gives from here on (one it was still working on) is dropped: see ResponseQueue.
    m_socket->setProperty(ConnectionGuard::ClosedProperty, true);
    m_held = QByteArray();
    QObject::disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
    connect(m_socket, &QIODevice::readyRead, this, &GuardedConnection::drain);
    m_socket->setReadBufferSize(LingerReadBufferBytes);
    m_lingerTimer.start(LingerMs);
    if (m_socket->bytesToWrite() == 0)
        shutWrite(); // else onBytesWritten() does, once the answer is sent
}

void GuardedConnection::shutWrite()
{
    // Over TLS, bytesWritten() comes once the answer is encrypted but before Qt (6.4) moves it to the TCP socket's
    // queue: look again once the event loop is back, and shut only when that queue is sent too.
    auto* tls = qobject_cast<QSslSocket*>(m_socket);
    if (tls && !std::exchange(m_shutWhenSent, true)) {
        const auto whenSent = [this] {
            if (!m_writeShut)
                shutWrite();
        };
        connect(tls, &QSslSocket::encryptedBytesWritten, this, whenSent);
        QMetaObject::invokeMethod(this, whenSent, Qt::QueuedConnection);
        return;
    }
    if (tls && (tls->bytesToWrite() > 0 || tls->encryptedBytesToWrite() > 0))
        return;
    m_writeShut = true;
    const qintptr descriptor = m_socket->socketDescriptor();
    if (descriptor == -1)
        return;
#ifdef Q_OS_WIN
    ::shutdown(SOCKET(descriptor), SD_SEND);
#else
    ::shutdown(int(descriptor), SHUT_WR);
#endif
}

void GuardedConnection::drain()
{
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    m_socket->readAll();
}

void GuardedConnection::release()
{
    releaseBody();
    if (!m_counted)
        return;
    m_counted = false;
    if (m_guard)
        --m_guard->m_connectionCount;
}

} // namespace Alfe
