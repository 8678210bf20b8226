#include "ingress/ResponseQueue.h"

#include "ingress/ConnectionGuard.h"

namespace Alfe {

std::shared_ptr<ResponseQueue::Ticket> ResponseQueue::reserve(QTcpSocket* socket, QHttpServerResponder&& responder)
{
    auto ticket = std::make_shared<Ticket>(socket, std::move(responder));
    Connection& connection = m_connections[socket];
    if (connection.socket.isNull()) {
        // A new socket at the address of one that was deleted: what the old one waited for is void.
        connection.waiting.clear();
        connection.socket = socket;
    }
    connection.waiting.push_back({ticket, std::nullopt});
    return ticket;
}

void ResponseQueue::answer(const std::shared_ptr<Ticket>& ticket, QHttpServerResponse&& response)
{
    auto it = m_connections.find(ticket->m_socket);
    if (it == m_connections.end())
        return;
    bool found = false;
    for (Slot& slot : it->second.waiting) {
        if (slot.ticket == ticket) {
            slot.response.emplace(std::move(response));
            found = true;
            break;
        }
    }
    if (found)
        flush(ticket->m_socket);
}

void ResponseQueue::flush(QTcpSocket* key)
{
    auto it = m_connections.find(key);
    if (it == m_connections.end())
        return;
    Connection& connection = it->second;
    const bool alive = connection.socket && connection.socket->state() == QAbstractSocket::ConnectedState &&
                       !connection.socket->property(ConnectionGuard::ClosedProperty).toBool();
    if (!alive) {
        // Responders of a client that left are dropped unwritten: writing through them would crash. So are
        // those of a connection the guard closed (it answered, e.g. 503 to a request whose answer came late).
        m_connections.erase(it);
        return;
    }
    while (!connection.waiting.empty() && connection.waiting.front().response) {
        Slot slot = std::move(connection.waiting.front());
        connection.waiting.pop_front();
        slot.response->write(std::move(slot.ticket->m_responder));
    }
    if (connection.waiting.empty())
        m_connections.erase(it);
}

} // namespace Alfe
