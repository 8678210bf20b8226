#pragma once

#include <QObject>
#include <QUrl>

namespace Alfe {

class MainWindow;
class RemoteBackend;

// One console window on a running `alfe serve` (File → Connect to server…, or `alfe-console --server`): the
// RemoteBackend and its MainWindow, alive until the window closes. The token is checked with a first request
// before any screen is shown; then the events socket keeps the screens live.
class RemoteSession final : public QObject
{
    Q_OBJECT

public:
    // `token` is cleansed by the backend when the session ends.
    RemoteSession(const QUrl& server, const QByteArray& token, QObject* parent = nullptr);
    ~RemoteSession() override;

    // Trust the certificate authorities in this PEM file too; an error message when it cannot be read.
    QString addCaFile(const QString& path);
    MainWindow& window() const { return *m_window; }
    RemoteBackend& backend() const { return *m_backend; }
    // Shows the window and checks the token; ready() once the first answer came, failed() otherwise.
    void start();
    // The keychain entry an admin token for `server` is kept under.
    static QString keychainEntryFor(const QUrl& server);
    // "https://host:port", the form servers are remembered in.
    static QUrl normalized(const QUrl& server);

signals:
    void ready();
    void failed(const QString& message);

private:
    RemoteBackend* m_backend = nullptr;
    MainWindow* m_window = nullptr;
};

} // namespace Alfe
