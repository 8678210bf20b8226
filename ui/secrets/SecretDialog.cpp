#include "secrets/SecretDialog.h"

#include "common/MonospaceFont.h"
#include "crypto/Keychain.h"
#include "crypto/Secrets.h"
#include "secrets/SecretClipboard.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QGridLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace Alfe {

namespace {
constexpr int LongestUrlShownWhole = 80; // characters; a longer URL scrolls in its field

QLabel* plainLabel(const QString& text, QWidget* parent, const char* name)
{
    auto* label = new QLabel(text, parent);
    label->setTextFormat(Qt::PlainText);
    label->setObjectName(QString::fromLatin1(name));
    return label;
}

QLineEdit* monospaceField(const QString& text, int widthInChars, QWidget* parent, const char* name)
{
    auto* edit = new QLineEdit(text, parent);
    edit->setObjectName(QString::fromLatin1(name));
    edit->setReadOnly(true);
    edit->setFont(MonospaceFont::font());
    edit->setCursorPosition(0);
    // Wide enough for the whole text: frame, QLineEdit's inner margins and the cursor fit in two characters.
    const QFontMetrics metrics(edit->font());
    const int frame = edit->style()->pixelMetric(QStyle::PM_DefaultFrameWidth, nullptr, edit);
    edit->setMinimumWidth(metrics.horizontalAdvance(QString(widthInChars + 2, QLatin1Char('0'))) + 2 * frame);
    return edit;
}
} // namespace

SecretDialog::SecretDialog(const QString& title, const QString& webhookId, const QString& url, QByteArray secret,
                           const QString& note, SecretClipboard& clipboard, const QString& keychainEntry,
                           QWidget* parent)
    : QDialog(parent)
    , m_clipboard(clipboard)
    , m_secret(std::move(secret))
    , m_keychainEntry(keychainEntry)
{
    setWindowTitle(title);
    setObjectName(QStringLiteral("secretDialog"));

    auto* heading = plainLabel(title, this, "titleLabel");
    QFont headingFont = heading->font();
    headingFont.setBold(true);
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.2);
    heading->setFont(headingFont);

    const int iconSize = style()->pixelMetric(QStyle::PM_ToolBarIconSize, nullptr, this);
    auto* warningIcon = new QLabel(this);
    warningIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning, nullptr, this).pixmap(iconSize));
    auto* warning =
        plainLabel(tr("This secret will not be shown again. Copy it or save it now."), this, "warningLabel");
    QFont warningFont = warning->font();
    warningFont.setBold(true);
    warning->setFont(warningFont);
    warning->setWordWrap(true);
    auto* warningRow = new QHBoxLayout;
    warningRow->addWidget(warningIcon, 0, Qt::AlignTop);
    warningRow->addWidget(warning, 1);

    auto* idLabel = plainLabel(webhookId, this, "webhookIdLabel");
    idLabel->setFont(MonospaceFont::font());
    idLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

    const QString secretText = QString::fromUtf8(m_secret);
    const int fieldChars = std::max<int>(secretText.size(), std::min<int>(url.size(), LongestUrlShownWhole));
    m_urlEdit = monospaceField(url, fieldChars, this, "urlEdit");
    m_urlEdit->setAccessibleName(tr("Webhook URL"));
    m_secretEdit = monospaceField(secretText, fieldChars, this, "secretEdit");
    m_secretEdit->setAccessibleName(tr("Webhook secret"));
    m_secretEdit->setContextMenuPolicy(Qt::CustomContextMenu);
    m_secretEdit->installEventFilter(this);
    connect(m_secretEdit, &QWidget::customContextMenuRequested, this, &SecretDialog::showSecretMenu);

    m_copyUrlButton = new QPushButton(tr("Copy"), this);
    m_copyUrlButton->setObjectName(QStringLiteral("copyUrlButton"));
    m_copyUrlButton->setAccessibleName(tr("Copy URL"));
    m_copyUrlButton->setToolTip(tr("Copy the URL"));
    connect(m_copyUrlButton, &QPushButton::clicked, this, &SecretDialog::copyUrl);
    m_copySecretButton = new QPushButton(tr("&Copy"), this);
    m_copySecretButton->setObjectName(QStringLiteral("copySecretButton"));
    m_copySecretButton->setAccessibleName(tr("Copy secret"));
    m_copySecretButton->setToolTip(tr("Copy the secret; the clipboard is cleared after %n seconds if it still holds it",
                                      nullptr, clipboard.timeoutSeconds()));
    m_copySecretButton->setDefault(true);
    connect(m_copySecretButton, &QPushButton::clicked, this, &SecretDialog::copySecret);

    m_countdown = plainLabel(QString(), this, "countdownLabel");
    m_countdown->setMinimumHeight(m_countdown->fontMetrics().height());

    auto* urlLabel = new QLabel(tr("&URL:"), this);
    urlLabel->setBuddy(m_urlEdit);
    auto* secretLabel = new QLabel(tr("&Secret:"), this);
    secretLabel->setBuddy(m_secretEdit);
    auto* grid = new QGridLayout;
    grid->addWidget(new QLabel(tr("Webhook:"), this), 0, 0);
    grid->addWidget(idLabel, 0, 1, 1, 2);
    grid->addWidget(urlLabel, 1, 0);
    grid->addWidget(m_urlEdit, 1, 1);
    grid->addWidget(m_copyUrlButton, 1, 2);
    grid->addWidget(secretLabel, 2, 0);
    grid->addWidget(m_secretEdit, 2, 1);
    grid->addWidget(m_copySecretButton, 2, 2);
    grid->addWidget(m_countdown, 3, 1, 1, 2);
    grid->setColumnStretch(1, 1);

    m_saveButton = new QPushButton(tr("Save to system &keychain"), this);
    m_saveButton->setObjectName(QStringLiteral("saveKeychainButton"));
    m_saveButton->setAutoDefault(false);
    m_saveButton->setToolTip(tr("Store the secret in the system keychain as \"%1\"").arg(keychainEntry));
    connect(m_saveButton, &QPushButton::clicked, this, &SecretDialog::saveToKeychain);
    m_keychainStatus = plainLabel(QString(), this, "keychainStatusLabel");
    m_keychainStatus->setWordWrap(true);
    m_keychainStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* keychainRow = new QHBoxLayout;
    keychainRow->addWidget(m_saveButton);
    keychainRow->addStretch(1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* close = buttons->button(QDialogButtonBox::Close);
    close->setObjectName(QStringLiteral("closeButton"));
    close->setAutoDefault(false);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addLayout(warningRow);
    layout->addSpacing(layout->spacing());
    layout->addLayout(grid);
    if (!note.isEmpty()) {
        auto* noteLabel = plainLabel(note, this, "noteLabel");
        noteLabel->setWordWrap(true);
        layout->addWidget(noteLabel);
    }
    layout->addSpacing(layout->spacing());
    layout->addLayout(keychainRow);
    layout->addWidget(m_keychainStatus);
    layout->addStretch(1);
    layout->addWidget(buttons);

    connect(&m_clipboard, &SecretClipboard::countdown, this, [this](int seconds) {
        if (m_copied)
            m_countdown->setText(tr("Clipboard clears in %n seconds", nullptr, seconds));
    });
    connect(&m_clipboard, &SecretClipboard::cleared, this, [this] {
        if (m_copied)
            m_countdown->setText(tr("Clipboard cleared"));
    });
    connect(&m_clipboard, &SecretClipboard::replaced, this, [this] {
        if (m_copied)
            m_countdown->setText(tr("Clipboard no longer holds the secret"));
    });
    // On X11, selecting text puts it on the selection clipboard (middle-click paste), without the
    // password-manager hint and without a countdown: take the secret off it.
    QClipboard* board = QGuiApplication::clipboard();
    if (board->supportsSelection())
        connect(board, &QClipboard::selectionChanged, this, &SecretDialog::scrubSelection, Qt::QueuedConnection);

    m_copySecretButton->setFocus();
}

SecretDialog::~SecretDialog()
{
    forgetSecret();
}

QString SecretDialog::keychainEntryFor(const QString& webhookId)
{
    return QStringLiteral("webhook-secret-") + webhookId;
}

void SecretDialog::setConfirmClose(std::function<bool()> confirm)
{
    m_confirmClose = std::move(confirm);
}

void SecretDialog::done(int result)
{
    if (m_confirming)
        return;
    if (!m_copied && !m_saved && !m_secret.isEmpty()) {
        QPointer<SecretDialog> self(this);
        const bool close = askToClose();
        if (!self || !close)
            return;
    }
    forgetSecret();
    QDialog::done(result);
}

bool SecretDialog::askToClose()
{
    m_confirming = true;
    bool close = false;
    if (m_confirmClose) {
        close = m_confirmClose();
    } else {
        QMessageBox box(QMessageBox::Warning, windowTitle(),
                        tr("You have not copied or saved the secret. It cannot be shown again. Close anyway?"),
                        QMessageBox::NoButton, this);
        QPushButton* closeAnyway = box.addButton(tr("Close Anyway"), QMessageBox::DestructiveRole);
        closeAnyway->setObjectName(QStringLiteral("closeAnywayButton"));
        QPushButton* keepOpen = box.addButton(tr("Keep Open"), QMessageBox::RejectRole);
        keepOpen->setObjectName(QStringLiteral("keepOpenButton"));
        box.setDefaultButton(keepOpen);
        box.setEscapeButton(keepOpen);
        box.exec();
        close = box.clickedButton() == closeAnyway;
    }
    m_confirming = false;
    return close;
}

void SecretDialog::copySecret()
{
    if (m_secret.isEmpty())
        return;
    m_copied = true;
    m_clipboard.copy(m_secret);
}

void SecretDialog::copyUrl()
{
    QGuiApplication::clipboard()->setText(m_urlEdit->text());
    m_copyUrlButton->setText(tr("Copied"));
    QTimer::singleShot(1500, m_copyUrlButton, [button = m_copyUrlButton] { button->setText(tr("Copy")); });
}

void SecretDialog::saveToKeychain()
{
    if (m_secret.isEmpty())
        return;
    m_saveButton->setEnabled(false);
    setKeychainStatus(tr("Saving to the system keychain…"));
    Keychain::write(m_keychainEntry, m_secret, this, [this](const Result<void>& saved) {
        if (saved) {
            m_saved = true;
            setKeychainStatus(tr("Saved to the system keychain as \"%1\" (service \"%2\").")
                                  .arg(m_keychainEntry, QString::fromLatin1(Keychain::Service)));
        } else {
            m_saveButton->setEnabled(!m_secret.isEmpty());
            // The keychain's own errors advise about the master key; here the advice is about this secret.
            const QString message = saved.error().message;
            if (message.contains(QLatin1String("did not answer")))
                setKeychainStatus(tr("Not saved: the system keychain did not answer (it may be locked). Unlock it "
                                     "and try again, or copy the secret instead."));
            else if (message.contains(QLatin1String("refused access")))
                setKeychainStatus(tr("Not saved: the system keychain refused access. Allow it and try again, or "
                                     "copy the secret instead."));
            else
                setKeychainStatus(tr("Not saved: no system keychain is available. Start and unlock one (GNOME "
                                     "Keyring or KWallet) and try again, or copy the secret instead."));
        }
    });
}

// A longer message wraps onto more lines; the window grows rather than squeezing the fields (a layout's
// minimum size does not account for word-wrapped labels).
void SecretDialog::setKeychainStatus(const QString& text)
{
    m_keychainStatus->setText(text);
    layout()->activate();
    const int needed = heightForWidth(width());
    if (needed > minimumHeight())
        setMinimumHeight(needed);
    if (needed > height())
        resize(width(), needed);
}

bool SecretDialog::eventFilter(QObject* watched, QEvent* event)
{
    // Ctrl+C in the secret field goes through the SecretClipboard too.
    if (watched == m_secretEdit && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent*>(event)->matches(QKeySequence::Copy)) {
        copySecret();
        return true;
    }
    return QDialog::eventFilter(watched, event);
}

void SecretDialog::showSecretMenu(const QPoint& pos)
{
    auto* menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QAction* copy = menu->addAction(tr("&Copy"), this, &SecretDialog::copySecret);
    copy->setEnabled(!m_secret.isEmpty());
    QAction* selectAll = menu->addAction(tr("Select &All"), m_secretEdit, &QLineEdit::selectAll);
    selectAll->setEnabled(!m_secret.isEmpty());
    menu->popup(m_secretEdit->mapToGlobal(pos));
}

void SecretDialog::scrubSelection()
{
    QClipboard* board = QGuiApplication::clipboard();
    if (m_secretEdit->hasSelectedText() && board->ownsSelection() &&
        board->text(QClipboard::Selection) == m_secretEdit->selectedText())
        board->clear(QClipboard::Selection);
}

void SecretDialog::forgetSecret()
{
    if (m_secretEdit && !m_secretEdit->text().isEmpty()) {
        if (QGuiApplication::clipboard()->supportsSelection())
            scrubSelection();
        m_secretEdit->clear();
        m_secretEdit->setPlaceholderText(tr("No longer shown"));
        m_secretEdit->setEnabled(false);
        m_copySecretButton->setEnabled(false);
        m_saveButton->setEnabled(false);
    }
    Secrets::cleanse(m_secret);
}

} // namespace Alfe
