#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include <optional>

class QTimer;
class QWebSocket;

namespace Alfe::Cli {

class LocalForwarder;

// What `alfe listen` was asked to do, checked already (ListenCommand.cpp).
struct ListenOptions
{
    QUrl streamUrl;    // ws:// or wss://…/v1/agents/me/stream[?window=N]
    QByteArray token;  // the agent token, never printed
    QString tokenFile; // where it came from, for messages
    QUrl forwardTo;    // empty: --print
    std::optional<int> window;
    QList<QSslCertificate> caCertificates; // --ca-file: trusted besides the system's CAs
};

// One `alfe listen`: keeps the agent's live stream (SPEC §12) open, reconnecting with backoff, and hands each
// delivery to the local receiver (or prints it), answering the server with an ack or a nack. Status messages
// go to stderr as "alfe: …" lines, one line per delivery to stdout. finished() carries the exit code.
class ListenStream final : public QObject
{
    Q_OBJECT

public:
    explicit ListenStream(ListenOptions options, QObject* parent = nullptr);
    ~ListenStream() override;
    Q_DISABLE_COPY_MOVE(ListenStream)

    void start();
    // SIGINT/SIGTERM: closes the stream with code 1000 and finishes with `exitCode`. Twice: finishes at once.
    void stop(int exitCode = 0);

    // Backoff between reconnections: doubles from the first to the last, back to the first after a stable stream.
    static constexpr int FirstRetryMs = 1'000;
    static constexpr int LastRetryMs = 30'000;
    static constexpr int StableMs = 30'000;
    // The longest a local receiver may take; less when the server's ack timeout is shorter (minus a second, so
    // that the nack arrives before the server gives up on its own).
    static constexpr int LocalTimeoutMs = 9'000;
    // Deliveries can carry 10 MiB bodies, 14 MiB in base64: room for them and more.
    static constexpr quint64 MaxFrameBytes = 64ull * 1024 * 1024;

signals:
    void finished(int exitCode);

private:
    enum class Outcome
    {
        Retry, // reconnect after the backoff
        Fatal, // a refusal that will not change: exit 1
    };

    void open();
    void onConnected();
    void onError();
    void onDisconnected();
    void onText(const QString& text);
    void onHello(const QJsonObject& hello);
    void onDelivery(const QJsonObject& frame);
    void printDelivery(const QJsonObject& frame, const QByteArray& body);
    void forward(const QJsonObject& frame, const QByteArray& body);
    void answer(const QJsonObject& frame);
    void heartbeat();

    // The connection ended (refused, lost, or closed by the server): what to say and what follows.
    void ended(Outcome outcome, const QString& message);
    void dropSocket();
    int abandonInFlight(); // how many there were
    void finish(int exitCode);
    QString serverText() const;

    ListenOptions m_options;
    QWebSocket* m_socket = nullptr;
    LocalForwarder* m_forward = nullptr; // --forward-to
    QTimer* m_retryTimer = nullptr;
    QTimer* m_heartbeatTimer = nullptr;
    QTimer* m_stopTimer = nullptr;
    int m_generation = 0;
    bool m_upgraded = false;  // the WebSocket handshake succeeded on this connection
    bool m_helloSeen = false; // …and the server said hello
    bool m_everHello = false; // some connection did: later ones are reconnections
    QString m_lostBecause;    // a socket error on an open stream
    QElapsedTimer m_helloAt;
    QElapsedTimer m_lastHeard; // any frame or pong
    int m_retryMs = FirstRetryMs;
    int m_pingIntervalMs = 20'000;
    int m_localTimeoutMs = LocalTimeoutMs;
    QString m_agentId;
    int m_window = 0;
    bool m_stopping = false;
    int m_stopCode = 0;
    bool m_finished = false;
};

} // namespace Alfe::Cli
