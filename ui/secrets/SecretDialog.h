#pragma once

#include <QByteArray>
#include <QDialog>

#include <functional>

class QLabel;
class QLineEdit;
class QPushButton;

namespace Alfe {

class SecretClipboard;

// Shows a webhook's secret exactly once, after create and rotate: the URL and the secret in
// monospace with copy buttons (the secret through the SecretClipboard, with its countdown), "Save to
// system keychain", and a warning. Closing before the secret was copied or saved asks first. Once closed,
// nothing shows the secret again: done() empties the field and cleanses the dialog's copy.
class SecretDialog final : public QDialog
{
    Q_OBJECT

public:
    // `secret` is the dialog's own copy (pass it with std::move so no other remains; the caller cleanses
    // any it keeps). `note` may be empty, e.g. "The previous secret stays valid until …". The secret is
    // saved to the keychain under `keychainEntry` (service Keychain::Service).
    SecretDialog(const QString& title, const QString& webhookId, const QString& url, QByteArray secret,
                 const QString& note, SecretClipboard& clipboard, const QString& keychainEntry,
                 QWidget* parent = nullptr);
    ~SecretDialog() override;
    Q_DISABLE_COPY_MOVE(SecretDialog)

    // "webhook-secret-<id>"
    static QString keychainEntryFor(const QString& webhookId);

    // Asked when the dialog closes before the secret was copied or saved; true closes. Defaults to a
    // QMessageBox.
    void setConfirmClose(std::function<bool()> confirm);

    bool secretCopied() const { return m_copied; }
    bool secretSaved() const { return m_saved; }

    void done(int result) override;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    bool askToClose();
    void copySecret();
    void copyUrl();
    void saveToKeychain();
    void setKeychainStatus(const QString& text);
    void showSecretMenu(const QPoint& pos);
    void scrubSelection();
    void forgetSecret();

    SecretClipboard& m_clipboard;
    QByteArray m_secret;
    QString m_keychainEntry;
    std::function<bool()> m_confirmClose;
    QLineEdit* m_urlEdit = nullptr;
    QLineEdit* m_secretEdit = nullptr;
    QPushButton* m_copyUrlButton = nullptr;
    QPushButton* m_copySecretButton = nullptr;
    QPushButton* m_saveButton = nullptr;
    QLabel* m_keychainStatus = nullptr;
    QLabel* m_countdown = nullptr;
    bool m_copied = false;
    bool m_saved = false;
    bool m_confirming = false;
};

} // namespace Alfe
