#pragma once

#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QPointer>
#include <QTcpSocket>

#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>

namespace Alfe {

// Answers in request order, per connection, whether a handler answers at once or later (after a group
// commit). Qt 6.4's QHttpServer writes a deferred answer the moment it is given, which mis-orders
// pipelined responses, and writing through a responder whose client has gone crashes; here every
// answer waits for the ones before it, and is dropped when its socket has disconnected.
class ResponseQueue final
{
public:
    class Ticket;

    ResponseQueue() = default;
    Q_DISABLE_COPY_MOVE(ResponseQueue)

    // Reserves the next place on `socket` for a request's answer.
    std::shared_ptr<Ticket> reserve(QTcpSocket* socket, QHttpServerResponder&& responder);
    // Fills a place; writes it and every filled place behind it that is now at the front.
    void answer(const std::shared_ptr<Ticket>& ticket, QHttpServerResponse&& response);

private:
    struct Slot
    {
        std::shared_ptr<Ticket> ticket;
        std::optional<QHttpServerResponse> response;
    };
    struct Connection
    {
        QPointer<QTcpSocket> socket;
        std::deque<Slot> waiting;
    };

    void flush(QTcpSocket* key);

    std::unordered_map<QTcpSocket*, Connection> m_connections;
};

class ResponseQueue::Ticket final
{
public:
    explicit Ticket(QTcpSocket* socket, QHttpServerResponder&& responder)
        : m_socket(socket)
        , m_responder(std::move(responder))
    {}

private:
    friend class ResponseQueue;
    QTcpSocket* m_socket;
    QHttpServerResponder m_responder;
};

} // namespace Alfe
