#include "secrets/SecretClipboard.h"

#include "crypto/Secrets.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QMimeData>

#include <algorithm>

namespace Alfe {

namespace {
QClipboard* clipboard()
{
    // Null once the application object is gone (a SecretClipboard parented to it dies after it).
    return qobject_cast<QGuiApplication*>(QCoreApplication::instance()) ? QGuiApplication::clipboard() : nullptr;
}

// Overwrites a string this code alone holds, then drops it (a shared one is only dropped).
void wipe(QString& text)
{
    if (text.isDetached())
        text.fill(QChar(u'\0'));
    text.clear();
}
} // namespace

SecretClipboard::SecretClipboard(QObject* parent)
    : QObject(parent)
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &SecretClipboard::tick);
    if (QClipboard* board = clipboard())
        connect(board, &QClipboard::dataChanged, this, &SecretClipboard::clipboardChanged);
    if (QCoreApplication* app = QCoreApplication::instance())
        connect(app, &QCoreApplication::aboutToQuit, this, &SecretClipboard::clearNow);
}

SecretClipboard::~SecretClipboard()
{
    clearNow();
}

void SecretClipboard::setTimeoutSeconds(int seconds)
{
    m_timeoutSeconds = std::max(1, seconds);
}

void SecretClipboard::copy(const QByteArray& secret)
{
    QClipboard* board = clipboard();
    if (!board || secret.isEmpty())
        return;
    auto* mime = new QMimeData;
    mime->setText(QString::fromUtf8(secret));
    mime->setData(QString::fromLatin1(PasswordManagerHint), QByteArrayLiteral("secret"));
#if defined(Q_OS_MACOS)
    mime->setData(QStringLiteral("application/x-nspasteboard-concealed-type"), secret);
#elif defined(Q_OS_WIN)
    // Kept out of clipboard history, cloud clipboard and monitoring tools (as KeePassXC does).
    mime->setData(QStringLiteral("ExcludeClipboardContentFromMonitorProcessing"), QByteArray(1, '\1'));
    mime->setData(QStringLiteral("CanIncludeInClipboardHistory"), QByteArray(4, '\0'));
    mime->setData(QStringLiteral("CanUploadToCloudClipboard"), QByteArray(4, '\0'));
#endif
    m_hash = Secrets::sha256(secret);
    m_secondsLeft = m_timeoutSeconds;
    m_setting = true;
    board->setMimeData(mime, QClipboard::Clipboard);
    m_setting = false;
    m_timer.start();
    emit countdown(m_secondsLeft);
}

void SecretClipboard::clearNow()
{
    if (!isActive())
        return;
    const bool ours = holdsSecret();
    stop();
    if (ours) {
        clipboard()->clear(QClipboard::Clipboard);
        emit cleared();
    } else {
        emit replaced();
    }
}

bool SecretClipboard::holdsSecret() const
{
    QClipboard* board = clipboard();
    const QMimeData* mime = board ? board->mimeData(QClipboard::Clipboard) : nullptr;
    if (!mime || !mime->hasText())
        return false;
    QString text = mime->text();
    QByteArray utf8 = text.toUtf8();
    wipe(text);
    const QByteArray hash = Secrets::sha256(utf8);
    Secrets::cleanse(utf8);
    return hash == m_hash; // digests: their comparison tells nothing about the secret
}

void SecretClipboard::tick()
{
    if (--m_secondsLeft > 0)
        emit countdown(m_secondsLeft);
    else
        clearNow();
}

// Something else was copied (here or in another program): stop counting at once, so the countdown shown
// never claims a secret that is no longer there.
void SecretClipboard::clipboardChanged()
{
    if (m_setting || !isActive() || holdsSecret())
        return;
    stop();
    emit replaced();
}

void SecretClipboard::stop()
{
    m_timer.stop();
    m_hash.clear();
    m_secondsLeft = 0;
}

} // namespace Alfe
