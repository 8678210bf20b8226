#include "delivery/AgentStreams.h"

#include "domain/Logging.h"

#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

namespace Alfe {

AgentStreams::AgentStreams(const StreamTerms& defaults, QObject* parent)
    : QObject(parent)
    , m_defaults(defaults)
    , m_handshakes(new QWebSocketServer(QStringLiteral("alfe"), QWebSocketServer::NonSecureMode, this))
{
    // Never listens: the ingress's server accepts the connections and hands the upgrades over.
    connect(m_handshakes, &QWebSocketServer::newConnection, this, &AgentStreams::onHandshake);
}

AgentStreams::~AgentStreams()
{
    // Each stream says goodbye (1001) as it is deleted, here, while its socket still exists: the sockets are
    // children of this object too, created before their streams, and would go first. Nothing is reported.
    const QList<AgentStream*> streams = m_open.values();
    m_open.clear();
    for (AgentStream* stream : streams) {
        stream->disconnect(this);
        delete stream;
    }
}

void AgentStreams::adopt(QTcpSocket* socket, const StreamRequest& request, qint64 nowMs)
{
    // The handshake server deletes the socket once it disconnects, upgraded or not; as a child of this object it
    // also goes when the streams do.
    socket->setParent(this);
    m_pending.insert(socket, request);
    m_nowMs = nowMs;
    connect(socket, &QObject::destroyed, this, [this, socket] { m_pending.remove(socket); });
    m_handshakes->handleConnection(socket);
}

void AgentStreams::onHandshake()
{
    while (m_handshakes->hasPendingConnections()) {
        QWebSocket* socket = m_handshakes->nextPendingConnection();
        // Which of the handed-over connections this is: the same peer address and port.
        QTcpSocket* raw = nullptr;
        for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it) {
            if (it.key()->peerPort() == socket->peerPort() && it.key()->peerAddress() == socket->peerAddress()) {
                raw = it.key();
                break;
            }
        }
        if (!raw) {
            qCWarning(lcDelivery) << "a stream handshake from" << socket->peerAddress()
                                  << "matches no request; closing";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const StreamRequest request = m_pending.take(raw);
        if (raw->state() != QAbstractSocket::ConnectedState) {
            socket->deleteLater(); // gone during the handshake: it replaces nothing
            continue;
        }
        StreamTerms terms = m_defaults;
        if (request.window > 0)
            terms.window = request.window;
        if (AgentStream* old = m_open.value(request.agentId)) {
            qCInfo(lcDelivery) << "stream of agent" << request.agentId << "from" << old->peer()
                               << "replaced by one from" << request.peer;
            old->close(AgentStream::Replaced, QStringLiteral("Replaced by a newer stream of this agent."));
        }
        raw->disconnect(this);
        auto* stream = new AgentStream(socket, raw, request.agentId, ++m_serial, request.peer, m_nowMs, terms, this);
        connect(stream, &AgentStream::answered, this, &AgentStreams::answered);
        connect(stream, &AgentStream::ended, this, &AgentStreams::onEnded);
        m_open.insert(request.agentId, stream);
        qCInfo(lcDelivery) << "agent" << request.agentId << "streaming from" << request.peer << "window"
                           << terms.window;
        emit opened(stream);
    }
}

void AgentStreams::onEnded(AgentStream* stream, const QString& why)
{
    if (m_open.value(stream->agentId()) == stream)
        m_open.remove(stream->agentId());
    qCInfo(lcDelivery).noquote() << "stream of agent" << stream->agentId() << "from" << stream->peer()
                                 << "ended:" << why;
    emit ended(stream, why);
    stream->finish();
}

void AgentStreams::closeExcept(const QSet<QString>& agentIds)
{
    const QList<AgentStream*> streams = m_open.values();
    for (AgentStream* stream : streams) {
        if (!agentIds.contains(stream->agentId()))
            stream->close(AgentStream::AgentRemoved, QStringLiteral("The agent was removed."));
    }
}

} // namespace Alfe
