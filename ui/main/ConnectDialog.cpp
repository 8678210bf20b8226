#include "main/ConnectDialog.h"

#include "crypto/Keychain.h"
#include "crypto/Secrets.h"
#include "main/MainWindow.h"
#include "main/RemoteSession.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace Alfe {

namespace {
const QString RecentKey = QStringLiteral("remote/recentServers");
}

ConnectDialog::ConnectDialog(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Connect to server"));
    m_server = new QComboBox(this);
    m_server->setObjectName(QStringLiteral("serverCombo"));
    m_server->setEditable(true);
    m_server->addItems(recentServers());
    m_server->setMinimumContentsLength(32);
    m_server->lineEdit()->setPlaceholderText(QStringLiteral("https://alfe.example.com:8787"));
    m_token = new QLineEdit(this);
    m_token->setObjectName(QStringLiteral("tokenEdit"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("alfeadm_… (empty: the one kept in the keychain)"));
    m_ca = new QLineEdit(this);
    m_ca->setObjectName(QStringLiteral("caEdit"));
    m_ca->setPlaceholderText(tr("optional: PEM file of a private CA"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("CA certificate"), QString(),
                                                          tr("PEM certificates (*.pem *.crt);;All files (*)"));
        if (!path.isEmpty())
            m_ca->setText(path);
    });
    auto* caRow = new QHBoxLayout;
    caRow->addWidget(m_ca, 1);
    caRow->addWidget(browse);
    m_remember = new QCheckBox(tr("Keep the token in the system keychain"), this);
    m_remember->setObjectName(QStringLiteral("rememberToken"));
    m_remember->setChecked(true);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("connectError"));
    m_error->setWordWrap(true);
    m_error->hide();

    auto* form = new QFormLayout;
    form->addRow(tr("Server URL:"), m_server);
    form->addRow(tr("Admin token:"), m_token);
    form->addRow(tr("CA certificate:"), caRow);
    form->addRow(QString(), m_remember);
    auto* help = new QLabel(tr("Create an admin token on the server with <code>alfe admin token create</code>."), this);
    help->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole)->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(help);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

ConnectDialog::~ConnectDialog()
{
    // The line edit's text cannot be wiped in place; clearing it drops the widget's copy at least.
    m_token->clear();
}

QUrl ConnectDialog::server() const
{
    return QUrl::fromUserInput(m_server->currentText().trimmed());
}

QByteArray ConnectDialog::token() const
{
    return m_token->text().trimmed().toUtf8();
}

QString ConnectDialog::caFile() const
{
    return m_ca->text().trimmed();
}

bool ConnectDialog::remembersToken() const
{
    return m_remember->isChecked();
}

void ConnectDialog::accept()
{
    const QUrl url = server();
    QString problem;
    if (m_server->currentText().trimmed().isEmpty() || !url.isValid() || url.host().isEmpty())
        problem = tr("Enter the server's URL, e.g. https://alfe.example.com:8787.");
    else if (url.scheme() != u"http" && url.scheme() != u"https")
        problem = tr("The URL must start with https:// (or http:// on a trusted network).");
    else if (!m_token->text().trimmed().isEmpty() && !m_token->text().trimmed().startsWith(u"alfeadm_"))
        problem = tr("An admin token starts with alfeadm_. Agent tokens (alfe_…) do not open the admin API.");
    if (!problem.isEmpty()) {
        m_error->setText(problem);
        m_error->show();
        return;
    }
    QDialog::accept();
}

QStringList ConnectDialog::recentServers()
{
    return QSettings().value(RecentKey).toStringList();
}

void ConnectDialog::rememberServer(const QUrl& server)
{
    QStringList recent = recentServers();
    const QString url = RemoteSession::normalized(server).toString();
    recent.removeAll(url);
    recent.prepend(url);
    QSettings().setValue(RecentKey, recent.mid(0, MaxRecentServers));
}

void ConnectDialog::connectFrom(QWidget* parent)
{
    ConnectDialog dialog(parent);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QByteArray token = dialog.token();
    open(dialog.server(), token, dialog.caFile(), dialog.remembersToken(), parent);
    Secrets::cleanse(token);
}

void ConnectDialog::open(const QUrl& server, const QByteArray& token, const QString& caFile, bool remember,
                         QWidget* parent, std::function<void(RemoteSession*)> created,
                         std::function<void(const QString&)> failed)
{
    const QString entry = RemoteSession::keychainEntryFor(server);
    QPointer<QWidget> owner(parent);
    const auto fail = [owner, failed](const QString& problem) {
        if (failed)
            return failed(problem);
        QMessageBox::warning(owner, tr("Not connected"), problem);
    };
    // The token is kept in the keychain only once the server took it: a mistyped one never replaces a good one.
    const auto start = [server, caFile, fail, created, remember, entry, owner](QByteArray token) {
        auto* session = new RemoteSession(server, token, qApp);
        if (!caFile.isEmpty()) {
            if (const QString problem = session->addCaFile(caFile); !problem.isEmpty()) {
                Secrets::cleanse(token);
                session->deleteLater();
                return fail(problem);
            }
        }
        QObject::connect(session, &RemoteSession::ready, session, [server, remember, entry, owner, token]() mutable {
            rememberServer(server);
            if (remember) {
                Keychain::write(entry, token, qApp, [owner](const Result<void>& saved) {
                    if (!saved && owner)
                        QMessageBox::information(owner, tr("Token not kept"),
                                                 tr("The admin token was not saved in the system keychain: %1 You "
                                                    "will be asked for it next time.")
                                                     .arg(saved.error().message));
                });
            }
            Secrets::cleanse(token);
        });
        // Opened from a window that keeps its layout (File → Connect to server…): this one keeps it too.
        if (const auto* from = qobject_cast<MainWindow*>(owner.data()); from && from->remembersLayout())
            session->window().setRemembersLayout(true);
        if (created)
            created(session);
        session->start();
    };
    if (token.isEmpty()) {
        Keychain::read(entry, qApp, [start, fail, server](Result<QByteArray> kept) {
            if (!kept) {
                fail(tr("No admin token for %1 in the system keychain: %2 Give one with --token-file, or enter it in "
                        "File → Connect to server….")
                         .arg(server.toDisplayString(), kept.error().message));
                return;
            }
            start(kept.value());
            Secrets::cleanse(kept.value());
        });
        return;
    }
    start(token);
}

} // namespace Alfe
