#pragma once

#include <QJsonObject>
#include <QObject>
#include <QTimer>

class QWebSocket;

namespace Alfe {

class RemoteConnection;

// The admin API's events socket (GET /v1/admin/events): what happens on the server as it happens, for live
// screens. It connects at once, and after a loss reconnects with backoff (1 s doubling to 30 s), saying so.
class AdminEvents final : public QObject
{
    Q_OBJECT

public:
    static constexpr int PingMs = 12'500; // a silent death is found within 25 s

    explicit AdminEvents(RemoteConnection& connection, QObject* parent = nullptr);
    ~AdminEvents() override;

    void start();
    bool isConnected() const { return m_connected; }
    // How long until the next attempt, while disconnected.
    int retryInMs() const { return m_backoffMs; }

signals:
    // One event frame, e.g. {"type":"delivery.received","delivery":{…}}.
    void event(const QJsonObject& event);
    // Connected (again), or lost with why; `problem` empty when connected.
    void connectionChanged(bool connected, const QString& problem);

private:
    void open();
    void lost(const QString& problem);

    RemoteConnection& m_connection;
    QWebSocket* m_socket = nullptr;
    QTimer m_retry;
    QTimer m_ping;
    bool m_awaitingPong = false;
    int m_backoffMs = 1000;
    bool m_connected = false;
    bool m_everConnected = false;
};

} // namespace Alfe
