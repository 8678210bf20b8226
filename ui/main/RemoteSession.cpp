#include "main/RemoteSession.h"

#include "backend/RemoteBackend.h"
#include "backend/RemoteConnection.h"
#include "main/MainWindow.h"

#include <QApplication>
#include <QFile>
#include <QSslCertificate>

namespace Alfe {

RemoteSession::RemoteSession(const QUrl& server, const QByteArray& token, QObject* parent)
    : QObject(parent)
    , m_backend(new RemoteBackend(normalized(server), token, this))
    , m_window(new MainWindow(*m_backend))
{
    m_window->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_window, &QObject::destroyed, this, [this] {
        m_window = nullptr;
        deleteLater();
    });
    // Widgets must go before the application object does.
    connect(qApp, &QCoreApplication::aboutToQuit, this, [this] { delete m_window; });
}

RemoteSession::~RemoteSession()
{
    delete m_window;
}

QUrl RemoteSession::normalized(const QUrl& server)
{
    QUrl url =
        server.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
    if (url.port() < 0)
        url.setPort(url.scheme() == u"https" ? 443 : 80);
    return url;
}

QString RemoteSession::keychainEntryFor(const QUrl& server)
{
    return QStringLiteral("admin-token ") + normalized(server).toString();
}

QString RemoteSession::addCaFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return tr("Cannot read the CA file %1: %2").arg(path, file.errorString());
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty())
        return tr("%1 holds no PEM certificate.").arg(path);
    m_backend->connection().addCaCertificates(certificates);
    return {};
}

void RemoteSession::start()
{
    m_window->show();
    m_window->showConnecting(m_backend->location());
    // The first request proves the server answers and takes the token, before any screen shows.
    m_backend->snapshot([this](Result<ConsoleSnapshot> first) {
        if (!m_window)
            return; // closed while connecting
        if (!first) {
            m_window->showProblem(first.error().message);
            emit failed(first.error().message);
            return;
        }
        m_backend->startEvents();
        m_window->showReady();
        emit ready();
    });
}

} // namespace Alfe
