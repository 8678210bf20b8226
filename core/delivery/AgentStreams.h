#pragma once

#include "delivery/AgentStream.h"
#include "domain/StreamRequest.h"

#include <QHash>
#include <QObject>
#include <QSet>

class QTcpSocket;
class QWebSocketServer;

namespace Alfe {

// The open live streams, one per agent, on the delivery thread. The ingress checks the request (token,
// window) and hands the raw connection over with its request head put back; the WebSocket handshake is done
// here, so the stream's socket lives where its deliveries are sent. A second stream of an agent replaces
// the first (close code 4000).
class AgentStreams final : public QObject
{
    Q_OBJECT

public:
    AgentStreams(const StreamTerms& defaults, QObject* parent = nullptr);
    ~AgentStreams() override;
    Q_DISABLE_COPY_MOVE(AgentStreams)

    // `socket` (no parent, in this thread) holds an upgrade request for `request.agentId`, already checked.
    void adopt(QTcpSocket* socket, const StreamRequest& request, qint64 nowMs);
    AgentStream* find(const QString& agentId) const { return m_open.value(agentId); }
    const QHash<QString, AgentStream*>& open() const { return m_open; }
    // Closes the streams of agents not in `agentIds` (removed meanwhile), with close code 4001.
    void closeExcept(const QSet<QString>& agentIds);

signals:
    void opened(Alfe::AgentStream* stream);
    void answered(Alfe::AgentStream* stream, const Alfe::StreamFrame::Answer& answer);
    // The stream is no longer the agent's (closed, dropped or replaced); it is deleted later.
    void ended(Alfe::AgentStream* stream, const QString& why);

private:
    void onHandshake();
    void onEnded(AgentStream* stream, const QString& why);

    StreamTerms m_defaults;
    QWebSocketServer* m_handshakes;
    QHash<QTcpSocket*, StreamRequest> m_pending; // handshakes under way
    QHash<QString, AgentStream*> m_open;
    quint64 m_serial = 0;
    qint64 m_nowMs = 0;
};

} // namespace Alfe
