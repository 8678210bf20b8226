#include "api/EventHub.h"

#include "domain/Logging.h"

#include <QJsonDocument>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

namespace Alfe {

EventHub::EventHub(QObject* parent)
    : QObject(parent)
    , m_handshakes(new QWebSocketServer(QStringLiteral("alfe"), QWebSocketServer::NonSecureMode, this))
{
    connect(m_handshakes, &QWebSocketServer::newConnection, this, &EventHub::onHandshake);
}

EventHub::~EventHub()
{
    closeAll();
}

void EventHub::adopt(QTcpSocket* socket)
{
    // The socket is QWebSocket's from here on (it takes ownership once the handshake is done).
    socket->setParent(this);
    m_handshakes->handleConnection(socket);
}

void EventHub::onHandshake()
{
    while (QWebSocket* client = m_handshakes->nextPendingConnection()) {
        client->setParent(this);
        m_clients << client;
        connect(client, &QWebSocket::disconnected, this, [this, client] {
            m_clients.removeOne(client);
            client->deleteLater();
        });
        // Frames from the client are not part of the protocol: read and dropped (pings are answered by QWebSocket).
        client->setMaxAllowedIncomingFrameSize(4096);
        client->setMaxAllowedIncomingMessageSize(4096);
        qCInfo(lcIngress) << "admin events client connected from" << client->peerAddress().toString();
        client->sendTextMessage(QStringLiteral("{\"type\":\"hello\"}"));
    }
}

void EventHub::publish(const QJsonObject& event)
{
    if (m_clients.isEmpty())
        return;
    const QString frame = QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Compact));
    const QList<QWebSocket*> clients = m_clients;
    for (QWebSocket* client : clients) {
        if (client->bytesToWrite() > MaxUnsentBytes) {
            qCWarning(lcIngress) << "closing an admin events client that does not read its events";
            m_clients.removeOne(client);
            client->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("too slow: reconnect and read again"));
            continue;
        }
        client->sendTextMessage(frame);
    }
}

void EventHub::closeAll()
{
    const QList<QWebSocket*> clients = std::exchange(m_clients, {});
    for (QWebSocket* client : clients) {
        client->disconnect(this);
        client->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server stopping"));
        client->flush();
        client->deleteLater();
    }
}

} // namespace Alfe
