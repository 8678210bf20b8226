#pragma once

#include <QByteArray>
#include <QHttpServer>
#include <QHttpServerResponder>
#include <QList>
#include <QPair>
#include <QTcpServer>

#include <deque>
#include <memory>

namespace Alfe::Test {

// A real local HTTP receiver standing in for an agent, scripted per request: answer a status (with
// headers), hang, or not accept connections at all. Records every request it got.
class TestReceiver final
{
public:
    struct Answer
    {
        int status = 200;
        QList<QPair<QByteArray, QByteArray>> headers;
        bool hang = false; // never answer
    };
    struct Received
    {
        QByteArray path;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        QByteArray header(const QByteArray& name) const;
    };

    TestReceiver();
    ~TestReceiver();

    QString url(const QString& path = QStringLiteral("/in")) const;
    quint16 port() const { return m_port; }

    // Answers for the next requests, in order; after them, `fallback`.
    void script(std::initializer_list<Answer> answers);
    void setFallback(Answer answer) { m_fallback = std::move(answer); }
    // Stop accepting connections (the agent is down) and start again on the same port.
    void refuseConnections();
    void acceptConnections();

    const QList<Received>& received() const { return m_received; }
    int count() const { return int(m_received.size()); }

    static Answer ok() { return {}; }
    static Answer status(int code, QList<QPair<QByteArray, QByteArray>> headers = {})
    {
        return Answer{code, std::move(headers), false};
    }
    static Answer hang() { return Answer{0, {}, true}; }

private:
    std::unique_ptr<QHttpServer> m_server;
    QTcpServer* m_listener = nullptr;
    quint16 m_port = 0;
    std::deque<Answer> m_script;
    Answer m_fallback;
    QList<Received> m_received;
    std::vector<QHttpServerResponder> m_hanging;
};

} // namespace Alfe::Test
