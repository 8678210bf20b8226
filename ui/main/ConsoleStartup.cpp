#include "main/ConsoleStartup.h"

#include "Engine.h"
#include "crypto/MasterKey.h"
#include "crypto/Secrets.h"
#include "main/MainWindow.h"

#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>

namespace Alfe {

ConsoleStartup::ConsoleStartup(Engine& engine, MainWindow& window, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_window(window)
{
    m_offer = [this](const QString& problem, const QString& path) {
        QMessageBox box(QMessageBox::Warning, tr("No system keychain"),
                        tr("Alfe keeps the key that encrypts your webhook secrets in the system keychain, but "
                           "none answered."),
                        QMessageBox::NoButton, &m_window);
        box.setInformativeText(
            tr("%1\n\nAlfe can keep the master key in a key file instead:\n%2\n\nThe file is readable only by you "
               "(mode 0600), but anyone who can read it and the data directory can decrypt the secrets. Keep it "
               "off shared and backed-up places you do not control.")
                .arg(problem, QDir::toNativeSeparators(path)));
        QPushButton* create = box.addButton(tr("Create key file"), QMessageBox::AcceptRole);
        box.addButton(tr("Not now"), QMessageBox::RejectRole);
        box.exec();
        return box.clickedButton() == static_cast<QAbstractButton*>(create);
    };
}

QString ConsoleStartup::suggestedKeyFile(const QString& dataDir)
{
    return QFileInfo(dataDir).absoluteDir().filePath(QStringLiteral("alfe-master.key"));
}

void ConsoleStartup::start()
{
    if (auto opened = m_engine.openStore(); !opened) {
        m_window.showProblem(opened.error().message);
        emit failed(opened.error().message);
        return;
    }
    unlock();
}

void ConsoleStartup::unlock()
{
    m_window.showUnlocking();
    MasterKey::obtain(m_engine.masterKeySource(), this, [this](Result<QByteArray> key) { unlocked(std::move(key)); });
}

void ConsoleStartup::unlocked(Result<QByteArray> key)
{
    if (!key) {
        const bool keychain = m_engine.keyFile().isEmpty();
        if (keychain && !m_offered && key.error().code == u"master_key_unavailable") {
            m_offered = true;
            const QString path = suggestedKeyFile(m_engine.dataDir());
            if (m_offer(key.error().message, path)) {
                m_engine.setKeyFile(path);
                unlock();
                return;
            }
        }
        m_window.showProblem(key.error().message);
        emit failed(key.error().message);
        return;
    }
    auto result = m_engine.unlock(key.value());
    Secrets::cleanse(key.value());
    if (!result) {
        m_window.showProblem(result.error().message);
        emit failed(result.error().message);
        return;
    }
    startServices();
    m_window.showReady();
    emit ready();
}

void ConsoleStartup::startServices()
{
    // The same path as `alfe serve`: a setting that is not valid stops both, with the reason in the status bar,
    // rather than running on a default nobody chose.
    ServeOverrides overrides;
    if (!m_bind.isEmpty())
        overrides.bindAddress = m_bind;
    if (m_port >= 0)
        overrides.port = m_port;
    overrides.tlsCertFile = m_tlsCert;
    overrides.tlsKeyFile = m_tlsKey;
    auto options = m_engine.serveOptions(overrides);
    if (!options) {
        m_window.setIngressProblem(options.error().message);
        return;
    }
    if (auto started = m_engine.startDelivery(options->delivery); !started)
        m_window.setIngressProblem(started.error().message);
    if (auto started = m_engine.startIngress(options->ingress); !started)
        m_window.setIngressProblem(started.error().message);
}

} // namespace Alfe
