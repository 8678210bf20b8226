#include "delivery/AgentStream.h"

#include "domain/Logging.h"

#include <QWebSocket>

namespace Alfe {

AgentStream::AgentStream(QWebSocket* socket, QTcpSocket* raw, const QString& agentId, quint64 serial,
                         const QString& peer, qint64 sinceMs, const StreamTerms& terms, QObject* parent)
    : QObject(parent)
    , m_raw(raw)
    , m_socket(socket)
    , m_agentId(agentId)
    , m_serial(serial)
    , m_peer(peer)
    , m_sinceMs(sinceMs)
    , m_terms(terms)
{
    // The connection first: children go in the order they came, and the connection must go before the QWebSocket
    // (which then lets go of it) so that what QHttpServer tied to its `destroyed` is freed too.
    m_raw->setParent(this);
    m_socket->setParent(this);
    // Refused from the frame header alone: a 100 MiB frame is never read into memory.
    m_socket->setMaxAllowedIncomingFrameSize(MaxAgentFrameBytes);
    m_socket->setMaxAllowedIncomingMessageSize(MaxAgentFrameBytes);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &AgentStream::onText);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &AgentStream::onBinary);
    connect(m_socket, &QWebSocket::pong, this, [this] { m_heard.start(); });
    connect(m_socket, &QWebSocket::disconnected, this, &AgentStream::onDisconnected);
    m_heard.start();
    m_pinged.start();
    // Looked at four times per ping interval: a silent peer is dropped at most a quarter interval late.
    m_tick.setInterval(std::max(10, std::min(m_terms.pingIntervalMs, m_terms.deadAfterMs) / 4));
    connect(&m_tick, &QTimer::timeout, this, &AgentStream::onTick);
    m_tick.start();
}

AgentStream::~AgentStream()
{
    if (!m_ended) {
        m_ended = true;
        m_socket->disconnect(this);
        // QWebSocket writes and flushes the close frame before it closes the socket.
        m_socket->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("The server is stopping."));
    }
}

void AgentStream::send(const QByteArray& frame)
{
    if (m_ended)
        return;
    // Text frames: every frame is JSON (UTF-8). sendTextMessage takes a QString; the bytes are ASCII or UTF-8.
    m_socket->sendTextMessage(QString::fromUtf8(frame));
}

qint64 AgentStream::unsentBytes() const
{
    return m_raw->bytesToWrite();
}

void AgentStream::close(QWebSocketProtocol::CloseCode code, const QString& reason)
{
    if (m_ended)
        return;
    // Said first: closing emits the socket's disconnected() at once, which would call it the agent's doing.
    end(reason);
    m_socket->close(code, reason);
}

void AgentStream::finish()
{
    if (m_raw->state() == QAbstractSocket::UnconnectedState) {
        deleteLater();
        return;
    }
    // The close frame (and what was queued before it) may still be on its way: wait for the connection to go,
    // at most two seconds, then drop it.
    m_socket->disconnect(this);
    connect(m_raw, &QAbstractSocket::disconnected, this, &QObject::deleteLater);
    QTimer::singleShot(2000, this, [this] {
        m_raw->abort();
        deleteLater();
    });
}

void AgentStream::onText(const QString& text)
{
    m_heard.start();
    QString problem;
    const auto answer = StreamFrame::parseAnswer(text.toUtf8(), &problem);
    if (!answer) {
        send(StreamFrame::error(QStringLiteral("bad_frame"), problem));
        return;
    }
    emit answered(this, *answer);
}

void AgentStream::onBinary()
{
    m_heard.start();
    send(StreamFrame::error(QStringLiteral("bad_frame"),
                            QStringLiteral("Binary frames are not used; send acks and nacks as JSON text frames.")));
}

void AgentStream::onDisconnected()
{
    const auto code = m_socket->closeCode();
    const QString reason = m_socket->closeReason();
    if (code == QWebSocketProtocol::CloseCodeTooMuchData)
        end(QStringLiteral("the agent sent a frame over %1 bytes (closed with 1009)").arg(MaxAgentFrameBytes));
    else if (!reason.isEmpty())
        end(QStringLiteral("closed by the agent (%1: %2)").arg(int(code)).arg(reason.left(120)));
    else
        end(QStringLiteral("closed by the agent (%1)").arg(int(code)));
}

void AgentStream::onTick()
{
    if (m_ended)
        return;
    if (m_heard.elapsed() >= m_terms.deadAfterMs) {
        qCInfo(lcDelivery) << "stream of agent" << m_agentId << "from" << m_peer << "silent for" << m_heard.elapsed()
                           << "ms; dropping it";
        end(QStringLiteral("the agent answered no ping for %1 s").arg(m_terms.deadAfterMs / 1000.0));
        m_socket->abort();
        return;
    }
    if (m_heard.elapsed() >= m_terms.pingIntervalMs && m_pinged.elapsed() >= m_terms.pingIntervalMs) {
        m_pinged.start();
        m_socket->ping();
    }
}

void AgentStream::end(const QString& why)
{
    if (m_ended)
        return;
    m_ended = true;
    m_tick.stop();
    emit ended(this, why);
}

} // namespace Alfe
