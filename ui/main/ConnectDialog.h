#pragma once

#include <QDialog>
#include <QUrl>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

#include <functional>

namespace Alfe {

class RemoteSession;

// File → Connect to server…: the URL of a running `alfe serve` (recent ones offered), its admin token (kept in
// the system keychain when asked, never in the settings; left empty, the one kept for that server is used),
// and a private CA's certificate for HTTPS. Opens a new console window on it.
class ConnectDialog final : public QDialog
{
    Q_OBJECT

public:
    static constexpr int MaxRecentServers = 8;

    explicit ConnectDialog(QWidget* parent = nullptr);
    ~ConnectDialog() override;

    QUrl server() const;
    QByteArray token() const; // the caller cleanses it
    QString caFile() const;
    bool remembersToken() const;

    // The servers connected to lately, newest first (URLs only: tokens live in the keychain).
    static QStringList recentServers();
    static void rememberServer(const QUrl& server);
    // Shows the dialog and, once accepted, opens the window (reading or keeping the token in the keychain).
    static void connectFrom(QWidget* parent);
    // Opens a window on `server`; with an empty token, the one the keychain keeps for it. `created` gets the
    // session before it starts (connect to its ready() and failed() there); `failed` a problem found before.
    static void open(const QUrl& server, const QByteArray& token, const QString& caFile, bool remember, QWidget* parent,
                     std::function<void(RemoteSession*)> created = {}, std::function<void(const QString&)> failed = {});

    void accept() override;

private:
    QComboBox* m_server = nullptr;
    QLineEdit* m_token = nullptr;
    QLineEdit* m_ca = nullptr;
    QCheckBox* m_remember = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace Alfe
