#pragma once

#include <QJsonObject>
#include <QList>
#include <QObject>

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace Alfe {

// The admin API's events socket (GET /v1/admin/events, SPEC §13): every admin client connected gets one JSON
// text frame per event, as it happens, for live screens:
//   {"type":"delivery.received","deliveryId","agentId","webhookId"?,"receivedAt"?}
//   {"type":"attempt.finished","deliveryId","attempt","status"}   {"type":"delivery.failed","deliveryId"}
//   {"type":"agent.status","agentId","status"}   {"type":"agent.stream","agentId"}
//   {"type":"deliveries.requeued"}
// A client that does not read (over MaxUnsentBytes waiting) is closed with 1008: it reconnects and reads the
// state afresh, and the server's memory stays bounded. Lives on the ingress thread, where connections are
// checked and upgraded.
class EventHub final : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 MaxUnsentBytes = 4 * 1024 * 1024;

    explicit EventHub(QObject* parent = nullptr);
    ~EventHub() override;
    Q_DISABLE_COPY_MOVE(EventHub)

    // A connection whose upgrade request was checked (and put back in front of its unread bytes).
    void adopt(QTcpSocket* socket);
    void publish(const QJsonObject& event);
    int clientCount() const { return int(m_clients.size()); }
    // Closes every client with 1001 (the server stops).
    void closeAll();

private:
    void onHandshake();

    QWebSocketServer* m_handshakes = nullptr;
    QList<QWebSocket*> m_clients;
};

} // namespace Alfe
