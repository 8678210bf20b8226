#pragma once

// The client socket the connection guard's tests drive the guard with, over plain TCP or TLS.
#include "RawAnswer.h"

#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <type_traits>

namespace Alfe::Test {

// A client socket of the guard's tests (plain TCP, or TLS trusting only `trusted`) that records what it receives and
// whether the server closed it.
template <typename Socket>
class GuardClient final
{
public:
    explicit GuardClient(quint16 port, const QList<QSslCertificate>& trusted = {})
    {
        QObject::connect(&socket, &QIODevice::readyRead, &socket, [this] { received += socket.readAll(); });
        QObject::connect(&socket, &QAbstractSocket::disconnected, &socket, [this] { closed = true; });
        if constexpr (std::is_same_v<Socket, QSslSocket>) {
            QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
            configuration.setCaCertificates(trusted);
            socket.setSslConfiguration(configuration);
            QObject::connect(&socket, &QSslSocket::encrypted, &socket, [this] { encrypted = true; });
            QObject::connect(&socket, &QSslSocket::sslErrors, &socket,
                             [](const QList<QSslError>& errors) { qWarning() << "TLS errors:" << errors; });
            socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        } else {
            socket.connectToHost(QHostAddress::LocalHost, port);
        }
    }
    Q_DISABLE_COPY_MOVE(GuardClient)

    // A plain connection is made by the kernel's backlog: no event loop needed (a TLS one needs it: wait for
    // `encrypted` with QTRY_VERIFY).
    bool connected() { return socket.waitForConnected(5000); }
    QList<Answer> answers() const { return parseAnswers(received); }
    // Sends `bytes` one at a time, every `intervalMs`, while connected; `trickled` counts those sent.
    void trickle(const QByteArray& bytes, int intervalMs)
    {
        QObject::connect(&trickleTimer, &QTimer::timeout, &socket, [this, bytes] {
            if (socket.state() == QAbstractSocket::ConnectedState && trickled < bytes.size())
                socket.write(bytes.mid(trickled++, 1));
        });
        trickleTimer.start(intervalMs);
    }

    Socket socket;
    QByteArray received;
    bool closed = false;
    bool encrypted = false;
    QTimer trickleTimer;
    int trickled = 0;
};

} // namespace Alfe::Test
