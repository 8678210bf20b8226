#pragma once

#include <QByteArray>
#include <QObject>
#include <QTimer>

namespace Alfe {

// The one way a secret reaches the clipboard, like KeePassXC's Clipboard: the copy carries the
// password-manager hint so clipboard managers do not keep it, a countdown runs, and when it ends the
// clipboard is cleared, but only if it still holds what was put there (something copied meanwhile is
// left alone). Cleared on quit and on destruction too. Only a SHA-256 of the secret is kept, never the
// secret itself. One per application, owned by a parent (tests make their own).
class SecretClipboard final : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultTimeoutSeconds = 30;
    static constexpr char PasswordManagerHint[] = "x-kde-passwordManagerHint";

    explicit SecretClipboard(QObject* parent);
    ~SecretClipboard() override;
    Q_DISABLE_COPY_MOVE(SecretClipboard)

    // Puts the secret on the clipboard (never the selection) and starts the countdown. The caller
    // cleanses its own copy.
    void copy(const QByteArray& secret);
    // Clears the clipboard now if it still holds the secret, and stops the countdown either way.
    void clearNow();

    bool isActive() const { return !m_hash.isEmpty(); }
    int secondsLeft() const { return m_secondsLeft; }
    int timeoutSeconds() const { return m_timeoutSeconds; }
    // From Settings::Key::ClipboardTimeoutSeconds; applies to the next copy. At least 1 s.
    void setTimeoutSeconds(int seconds);

signals:
    // Right after a copy and then once a second while the secret is on the clipboard.
    void countdown(int secondsLeft);
    // The clipboard held the secret and was cleared.
    void cleared();
    // The countdown stopped without clearing: the clipboard holds something else now.
    void replaced();

private:
    bool holdsSecret() const;
    void tick();
    void clipboardChanged();
    void stop();

    QTimer m_timer;
    QByteArray m_hash; // SHA-256 of the secret while the countdown runs, empty otherwise
    int m_timeoutSeconds = DefaultTimeoutSeconds;
    int m_secondsLeft = 0;
    bool m_setting = false;
};

} // namespace Alfe
