#include "TestReceiver.h"

#include <QHttpServerRequest>
#include <QHttpServerResponse>

namespace Alfe::Test {

QByteArray TestReceiver::Received::header(const QByteArray& name) const
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

TestReceiver::TestReceiver()
    : m_server(std::make_unique<QHttpServer>())
{
    m_server->setMissingHandler([this](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
        m_received << Received{request.url().path().toUtf8(), request.headers(), request.body()};
        Answer answer = m_fallback;
        if (!m_script.empty()) {
            answer = m_script.front();
            m_script.pop_front();
        }
        if (answer.hang) {
            m_hanging.push_back(std::move(responder));
            return;
        }
        QHttpServerResponse response(QByteArray("application/json"), QByteArray("{\"ok\":true}"),
                                     static_cast<QHttpServerResponder::StatusCode>(answer.status));
        for (const auto& [name, value] : answer.headers)
            response.addHeader(name, value);
        response.write(std::move(responder));
    });
    acceptConnections();
}

TestReceiver::~TestReceiver() = default;

QString TestReceiver::url(const QString& path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path);
}

void TestReceiver::script(std::initializer_list<Answer> answers)
{
    for (const Answer& a : answers)
        m_script.push_back(a);
}

void TestReceiver::refuseConnections()
{
    if (m_listener)
        m_listener->close();
}

void TestReceiver::acceptConnections()
{
    const bool first = !m_listener;
    if (first)
        m_listener = new QTcpServer(m_server.get());
    if (!m_listener->isListening()) {
        if (!m_listener->listen(QHostAddress::LocalHost, m_port))
            qFatal("test receiver cannot listen on port %u", m_port);
        m_port = m_listener->serverPort();
    }
    if (first)
        m_server->bind(m_listener);
}

} // namespace Alfe::Test
