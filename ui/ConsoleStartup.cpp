#include "ConsoleStartup.h"

#include "DeliveryOptions.h"
#include "Engine.h"
#include "IngressOptions.h"
#include "MainWindow.h"
#include "MasterKey.h"
#include "Secrets.h"
#include "Settings.h"

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
    Settings& settings = m_engine.settings();
    using K = Settings::Key;
    DeliveryOptions delivery;
    if (auto schedule = RetrySchedule::parse(settings.get(K::RetrySchedule).toString()))
        delivery.schedule = schedule.value();
    delivery.retentionDays = settings.get(K::RetentionDays).toInt();
    if (auto started = m_engine.startDelivery(delivery); !started)
        m_window.setIngressProblem(started.error().message);

    IngressOptions ingress;
    ingress.bindAddress = QHostAddress(m_bind.isEmpty() ? settings.get(K::BindAddress).toString() : m_bind);
    ingress.port = quint16(m_port >= 0 ? m_port : settings.get(K::Port).toInt());
    ingress.publicUrl = settings.get(K::PublicUrl).toString();
    ingress.bodyLimitBytes = settings.get(K::BodyLimitBytes).toLongLong();
    ingress.rateLimitPerSecond = settings.get(K::RateLimitPerSecond).toInt();
    ingress.dedupWindowSeconds = settings.get(K::DedupWindowSeconds).toLongLong();
    if (auto started = m_engine.startIngress(ingress); !started)
        m_window.setIngressProblem(started.error().message);
}

} // namespace Alfe
