#pragma once

#include "delivery/StreamFrame.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QWebSocketProtocol>

class QTcpSocket;
class QWebSocket;

namespace Alfe {

// How a stream runs: its window and its clocks (DeliveryOptions fills them).
struct StreamTerms
{
    int window = 16;
    int ackTimeoutMs = 10'000;
    int pingIntervalMs = 20'000;
    int deadAfterMs = 40'000;
};

// One agent's open live stream (SPEC §12), on the delivery thread: sends delivery frames, reads the agent's
// acks and nacks, pings a quiet peer and drops one that stays silent. Frames from the agent are limited to
// MaxAgentFrameBytes: a larger one is refused by its header (close 1009) before its payload is buffered.
class AgentStream final : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 MaxAgentFrameBytes = 64 * 1024;
    // Close codes of our own (RFC 6455 leaves 4000-4999 to applications).
    static constexpr auto Replaced = QWebSocketProtocol::CloseCode(4000);
    static constexpr auto AgentRemoved = QWebSocketProtocol::CloseCode(4001);

    // Takes `socket` (open, handshake done) and the connection under it, `raw`, as its children. `serial` tells
    // this stream from earlier ones.
    AgentStream(QWebSocket* socket, QTcpSocket* raw, const QString& agentId, quint64 serial, const QString& peer,
                qint64 sinceMs, const StreamTerms& terms, QObject* parent = nullptr);
    ~AgentStream() override;
    Q_DISABLE_COPY_MOVE(AgentStream)

    const QString& agentId() const { return m_agentId; }
    quint64 serial() const { return m_serial; }
    const QString& peer() const { return m_peer; }
    qint64 sinceMs() const { return m_sinceMs; }
    int window() const { return m_terms.window; }
    bool isOpen() const { return !m_ended; }

    void send(const QByteArray& frame);
    // Bytes of frames not yet handed to the kernel.
    qint64 unsentBytes() const;
    // Once ended: deletes itself when the connection is down, or after a short linger for its last bytes.
    void finish();
    // Closes with `code` and `reason`; ended() follows at once.
    void close(QWebSocketProtocol::CloseCode code, const QString& reason);

signals:
    void answered(Alfe::AgentStream* stream, const Alfe::StreamFrame::Answer& answer);
    // Once, when the stream is over for whatever reason (said in words).
    void ended(Alfe::AgentStream* stream, const QString& why);

private:
    void onText(const QString& text);
    void onBinary();
    void onDisconnected();
    void onTick();
    void end(const QString& why);

    QTcpSocket* m_raw;
    QWebSocket* m_socket;
    QString m_agentId;
    quint64 m_serial;
    QString m_peer;
    qint64 m_sinceMs;
    StreamTerms m_terms;
    QTimer m_tick;
    QElapsedTimer m_heard; // since the peer last sent anything (a pong included)
    QElapsedTimer m_pinged;
    bool m_ended = false;
};

} // namespace Alfe
