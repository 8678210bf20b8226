#include "backend/AdminEvents.h"

#include "backend/RemoteConnection.h"
#include "crypto/Secrets.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QWebSocket>

namespace Alfe {

namespace {
constexpr int MaxBackoffMs = 30'000;
}

AdminEvents::AdminEvents(RemoteConnection& connection, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &AdminEvents::open);
    // A connection can die without a word (a laptop asleep, a network change): a ping every 15 s, and no pong
    // within 10 s more is a lost connection, reconnected like any other.
    m_ping.setInterval(PingMs);
    connect(&m_ping, &QTimer::timeout, this, [this] {
        if (!m_socket || !m_connected)
            return;
        if (m_awaitingPong) {
            m_socket->abort();
            return;
        }
        m_awaitingPong = true;
        m_socket->ping();
    });
}

AdminEvents::~AdminEvents()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void AdminEvents::start()
{
    open();
}

void AdminEvents::open()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
    }
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    if (!m_connection.caCertificates().isEmpty()) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.addCaCertificates(m_connection.caCertificates());
        m_socket->setSslConfiguration(ssl);
    }
    connect(m_socket, &QWebSocket::pong, this, [this] { m_awaitingPong = false; });
    connect(m_socket, &QWebSocket::connected, this, [this] {
        m_awaitingPong = false;
        m_ping.start();
        m_connected = true;
        m_everConnected = true;
        m_backoffMs = 1000;
        emit connectionChanged(true, QString());
    });
    connect(m_socket, &QWebSocket::textMessageReceived, this, [this](const QString& text) {
        const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
        if (!frame.isEmpty())
            emit event(frame);
    });
    connect(m_socket, &QWebSocket::disconnected, this, [this] {
        const QString reason = m_socket->closeReason();
        lost(reason.isEmpty() ? m_socket->errorString() : reason);
    });
    QUrl url = m_connection.url(QStringLiteral("/v1/admin/events"));
    url.setScheme(url.scheme() == u"https" ? QStringLiteral("wss") : QStringLiteral("ws"));
    QNetworkRequest request(url);
    QByteArray header = m_connection.authorization();
    request.setRawHeader("Authorization", header);
    Secrets::cleanse(header);
    m_socket->open(request);
}

void AdminEvents::lost(const QString& problem)
{
    m_ping.stop();
    const bool was = m_connected;
    m_connected = false;
    if (was || !m_everConnected)
        emit connectionChanged(false, problem);
    m_retry.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, MaxBackoffMs);
}

} // namespace Alfe
