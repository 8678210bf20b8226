#include "ingress/ConnectionGuard.h"

#include "ingress/GuardedConnection.h"
#include "ingress/Routes.h"

#include "domain/Logging.h"

#include <QLoggingCategory>

#include <limits>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <unistd.h>
#endif

namespace Alfe {

namespace {

void closeDescriptor(qintptr descriptor)
{
#ifdef Q_OS_WIN
    ::closesocket(SOCKET(descriptor));
#else
    ::close(int(descriptor));
#endif
}
} // namespace

ConnectionGuard::ConnectionGuard(const GuardLimits& limits, QObject* parent)
    : QSslServer(parent)
    , m_limits(limits)
{
    // The guard's own cap decides (handshakes included); QTcpServer's default 30 pending (QSslServer counts its
    // handshakes among them) would stop accepting before it.
    setMaxPendingConnections(std::numeric_limits<int>::max());
    setHandshakeTimeout(m_limits.handshakeTimeoutMs);
}

void ConnectionGuard::setLimits(const GuardLimits& limits)
{
    m_limits = limits;
    setHandshakeTimeout(m_limits.handshakeTimeoutMs);
}

void ConnectionGuard::setTls(const QSslConfiguration& configuration)
{
    setSslConfiguration(configuration);
    if (std::exchange(m_tls, true))
        return;
    connect(this, &QSslServer::errorOccurred, this, [this](QSslSocket* socket, QAbstractSocket::SocketError error) {
        qCInfo(lcIngress).noquote() << "a TLS connection was closed before its handshake was done:"
                                    << (error == QAbstractSocket::SocketTimeoutError
                                            ? QStringLiteral("no handshake within %1 ms").arg(handshakeTimeout())
                                            : socket->errorString());
    });
}

void ConnectionGuard::addUpgradeRoute(UpgradeRoute route)
{
    for (UpgradeRoute& existing : m_upgrades) {
        if (existing.path == route.path)
            return void(existing = std::move(route));
    }
    m_upgrades.append(std::move(route));
}

const UpgradeRoute* ConnectionGuard::upgradeRoute(QByteArrayView target) const
{
    const QByteArrayView path = Routes::withoutQuery(target);
    for (const UpgradeRoute& route : m_upgrades) {
        if (route.check && route.path == path)
            return &route;
    }
    return nullptr;
}

void ConnectionGuard::incomingConnection(qintptr socketDescriptor)
{
    if (m_tls)
        return incomingTlsConnection(socketDescriptor);
    auto* socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcIngress) << "cannot take an incoming connection:" << socket->errorString();
        delete socket;
        return closeDescriptor(socketDescriptor);
    }
    if (m_connectionCount >= m_limits.maxConnections) {
        (new GuardedConnection(this, socket, false))->refuseTooManyConnections();
        return;
    }
    // Before addPendingConnection(): QHttpServer connects to readyRead only then, so the guard's slot runs first.
    new GuardedConnection(this, socket, true);
    addPendingConnection(socket);
}

void ConnectionGuard::incomingTlsConnection(qintptr socketDescriptor)
{
    if (m_connectionCount >= m_limits.maxConnections) {
        qCInfo(lcIngress) << "closing a TLS connection before its handshake: the server has" << m_connectionCount
                          << "open connections, its limit";
        return closeDescriptor(socketDescriptor);
    }
    QSslServer::incomingConnection(socketDescriptor);
    // QSslServer (6.4) makes the socket its child and starts the handshake. The guard follows it from now: it
    // counts from here, and its readyRead slot comes before QHttpServer's, which connects once the handshake is
    // done.
    const QObjectList& children = this->children();
    auto* socket = children.isEmpty() ? nullptr : qobject_cast<QSslSocket*>(children.constLast());
    if (!socket || socket->socketDescriptor() != socketDescriptor) {
        qCWarning(lcIngress) << "cannot take an incoming TLS connection";
        return;
    }
    new GuardedConnection(this, socket, true, true);
}

} // namespace Alfe
