#include "Engine.h"

#include "crypto/SecretBox.h"
#include "crypto/Secrets.h"
#include "delivery/DeliveryScheduler.h"
#include "domain/Clock.h"
#include "domain/Logging.h"
#include "domain/Random.h"
#include "ingress/IngressServer.h"
#include "store/AgentStore.h"
#include "store/DataDirLock.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/Settings.h"
#include "store/WebhookStore.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QLockFile>
#include <QStandardPaths>

namespace Alfe {

namespace {
const QString KeyIdMeta = QStringLiteral("master_key_id");
const QString KeyCheckMeta = QStringLiteral("master_key_check");
const QString IngressPublicUrlMeta = QStringLiteral("ingress_public_url");
const QString IngressLocalUrlMeta = QStringLiteral("ingress_local_url");
const QString IngressCertificateMeta = QStringLiteral("ingress_tls_certificate"); // PEM, public
const QByteArray KeyCheckPlain = QByteArrayLiteral("alfe master key check v1");

QByteArray keyCheckAad(const QByteArray& keyId)
{
    return "alfe:key-check:" + keyId;
}

constexpr QFileDevice::Permissions OwnerOnlyDir = QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                  QFileDevice::ExeOwner | QFileDevice::ReadUser |
                                                  QFileDevice::WriteUser | QFileDevice::ExeUser;
constexpr QFileDevice::Permissions OwnerOnlyFile =
    QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser;
constexpr QFileDevice::Permissions GroupOrOther = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                                  QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                                  QFileDevice::WriteOther | QFileDevice::ExeOther;

// Only its owner may look inside: also a directory Alfe did not create (it keeps the umask's mode).
Result<void> ensureDirectory(const QString& path)
{
    if (!QDir(path).exists() && !QDir().mkpath(path))
        return Errors::storage(QStringLiteral("The data directory %1 cannot be created.").arg(path));
    if ((QFile::permissions(path) & GroupOrOther) && !QFile::setPermissions(path, OwnerOnlyDir))
        return Errors::storage(QStringLiteral("The data directory %1 is open to other users and its mode cannot be "
                                              "changed to 0700.")
                                   .arg(path));
    return {};
}

// The database and its WAL files are the owner's only, whatever the umask (SQLite creates them 0644; the
// -wal and -shm files take the database file's mode).
void tightenDatabaseFiles(const QString& databasePath)
{
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const QString file = databasePath + QLatin1String(suffix);
        if (QFile::exists(file) && (QFile::permissions(file) & GroupOrOther))
            QFile::setPermissions(file, OwnerOnlyFile);
    }
}
} // namespace

Engine::Engine(Options options, const Clock& clock, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(clock)
{
    if (m_options.dataDir.isEmpty())
        m_options.dataDir = defaultDataDir();
    m_options.dataDir = QDir(m_options.dataDir).absolutePath();
    if (!m_options.keyFile.isEmpty())
        m_options.keyFile = QDir(m_options.keyFile).absolutePath();
}

Engine::Engine(Options options, QObject* parent)
    : Engine(std::move(options), Clock::system(), parent)
{}

Engine::~Engine()
{
    close();
}

QString Engine::defaultDataDir()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
        .filePath(QStringLiteral("Alfe/alfe-console"));
}

QString Engine::databasePath() const
{
    if (!m_options.database.isEmpty())
        return m_options.database;
    return QDir(m_options.dataDir).filePath(QStringLiteral("alfe.sqlite"));
}

QString Engine::nodeMeta(const QString& key) const
{
    return m_nodeId.isEmpty() ? key : key + QLatin1Char(':') + m_nodeId;
}

Result<void> Engine::resolveDatabase()
{
    Settings settings(m_options.dataDir);
    if (m_options.database.isEmpty()) {
        m_options.database = settings.get(Settings::Key::Database).toString().trimmed();
        if (!m_options.database.isEmpty()) {
            auto at = DatabaseLocation::parse(m_options.database);
            if (!at)
                return Errors::invalid(
                    QStringLiteral("%1 (store/database in %2)").arg(at.error().message, settings.filePath()));
            if (!at->password.isEmpty()) {
                return Errors::invalid(QStringLiteral("store/database in %1 holds a password; settings never hold "
                                                      "secrets. Keep it in ~/.pgpass or PGPASSWORD instead.")
                                           .arg(settings.filePath()));
            }
        }
    }
    m_nodeId.clear();
    if (!DatabaseLocation::isUrl(m_options.database))
        return {};
    m_nodeId = settings.get(Settings::Key::NodeId).toString();
    if (m_nodeId.isEmpty()) {
        m_nodeId = QStringLiteral("node_") + QString::fromLatin1(Random::bytes(8).toHex());
        settings.set(Settings::Key::NodeId, m_nodeId);
        settings.sync();
    }
    return {};
}

Result<void> Engine::openStore()
{
    close();
    if (auto ok = ensureDirectory(m_options.dataDir); !ok)
        return ok;
    auto lock = std::make_unique<DataDirLock>();
    if (m_options.exclusive) {
        if (auto locked = lock->acquire(m_options.dataDir); !locked)
            return locked;
    }
    if (auto resolved = resolveDatabase(); !resolved)
        return resolved;
    auto db = std::make_unique<Database>();
    if (auto opened = db->open(databasePath()); !opened)
        return opened;
    if (!db->isPostgres())
        tightenDatabaseFiles(databasePath());
    if (db->meta(KeyIdMeta).isEmpty()) {
        if (auto ok = db->setMeta(KeyIdMeta, Random::bytes(12).toHex()); !ok)
            return ok;
    }
    m_lock = std::move(lock);
    m_db = std::move(db);
    m_settings = std::make_unique<Settings>(m_options.dataDir);
    qCInfo(lcEngine) << "opened data directory" << m_options.dataDir;
    return {};
}

void Engine::setKeyFile(const QString& path)
{
    m_options.keyFile = path.isEmpty() ? QString() : QDir(path).absolutePath();
}

MasterKey::Source Engine::masterKeySource() const
{
    MasterKey::Source source;
    source.keyFile = m_options.keyFile;
    if (m_db) {
        source.keychainEntry = QStringLiteral("master-key-") + QString::fromLatin1(m_db->meta(KeyIdMeta));
        source.createIfMissing = m_db->meta(KeyCheckMeta).isEmpty();
    }
    return source;
}

Result<void> Engine::unlock(const QByteArray& masterKey)
{
    if (!m_db)
        return Errors::storage(QStringLiteral("The data directory is not open."));
    if (masterKey.size() != SecretBox::KeySize)
        return Errors::key(QStringLiteral("A master key is 32 bytes."));
    auto box = std::make_unique<SecretBox>(masterKey);
    const QByteArray keyId = m_db->meta(KeyIdMeta);
    const QByteArray check = m_db->meta(KeyCheckMeta);
    if (check.isEmpty()) {
        if (auto ok = m_db->setMeta(KeyCheckMeta, box->seal(KeyCheckPlain, keyCheckAad(keyId))); !ok)
            return ok;
    } else {
        auto opened = box->open(check, keyCheckAad(keyId));
        if (!opened || *opened != KeyCheckPlain) {
            return Errors::key(QStringLiteral("This master key does not belong to the data directory %1. Pass the key "
                                              "file it was set up with (--key-file), or use its system keychain entry.")
                                   .arg(m_options.dataDir));
        }
    }
    m_box = std::move(box);
    m_agents = std::make_unique<AgentStore>(*m_db, m_clock);
    m_webhooks = std::make_unique<WebhookStore>(*m_db, *m_box, m_clock);
    m_deliveries = std::make_unique<DeliveryStore>(*m_db, m_clock);
    return {};
}

Result<void> Engine::openBlocking()
{
    if (auto opened = openStore(); !opened)
        return opened;
    auto key = MasterKey::obtainBlocking(masterKeySource());
    if (!key) {
        close();
        return key.error();
    }
    auto unlocked = unlock(key.value());
    Secrets::cleanse(key.value());
    if (!unlocked)
        close();
    return unlocked;
}

Result<quint16> Engine::startIngress(const IngressOptions& options)
{
    if (!m_box)
        return Errors::storage(QStringLiteral("The data directory is not unlocked."));
    stopIngress();
    m_ingressThread = new QThread(this);
    m_ingressThread->setObjectName(QStringLiteral("alfe-ingress"));
    m_ingress = new IngressServer(databasePath(), *m_box, m_clock, options);
    m_ingress->moveToThread(m_ingressThread);
    connect(m_ingressThread, &QThread::finished, m_ingress, &QObject::deleteLater);
    connect(m_ingress, &IngressServer::deliveriesCommitted, this, &Engine::deliveriesCommitted);
    connect(m_ingress, &IngressServer::deliveriesRequeued, this, &Engine::deliveriesRequeued);
    linkEvents();
    m_ingressThread->start();
    Result<quint16> started = Errors::storage(QStringLiteral("The ingress did not start."));
    QMetaObject::invokeMethod(
        m_ingress, [&] { started = m_ingress->start(); }, Qt::BlockingQueuedConnection);
    if (!started) {
        stopIngress();
        return started;
    }
    linkJournal();
    m_ingressUrl = m_ingress->baseUrl();
    m_ingressLocalUrl = m_ingress->localUrl();
    // Other processes on this data directory (CLI admin commands, send-test) find the server here.
    m_db->setMeta(nodeMeta(IngressPublicUrlMeta), m_ingressUrl.toUtf8());
    m_db->setMeta(nodeMeta(IngressLocalUrlMeta), m_ingressLocalUrl.toUtf8());
    m_db->setMeta(nodeMeta(IngressCertificateMeta),
                  options.tls.isEnabled() ? options.tls.chain.constFirst().toPem() : QByteArray());
    return started;
}

void Engine::linkJournal()
{
    // While both run, the scheduler's attempt records go through the ingress's writer thread.
    if (m_scheduler)
        m_scheduler->setJournalWriter(m_ingress ? m_ingress->writer() : nullptr);
    linkStreams(m_scheduler);
}

// What the delivery side reports, on to the admin events socket (published on the ingress thread).
void Engine::linkEvents()
{
    IngressServer* ingress = m_ingress;
    const auto publish = [ingress](const QJsonObject& event) {
        ingress->publishEvent(event);
    };
    connect(this, &Engine::attemptFinished, ingress, [publish](const QString& id, int attempt, DeliveryStatus status) {
        publish({{QStringLiteral("type"), QStringLiteral("attempt.finished")},
                 {QStringLiteral("deliveryId"), id},
                 {QStringLiteral("attempt"), attempt},
                 {QStringLiteral("status"), deliveryStatusName(status)}});
    });
    connect(this, &Engine::deliveryFailed, ingress, [publish](const QString& id) {
        publish({{QStringLiteral("type"), QStringLiteral("delivery.failed")}, {QStringLiteral("deliveryId"), id}});
    });
    connect(this, &Engine::agentStatusChanged, ingress, [publish](const QString& id, AgentStatus status) {
        publish({{QStringLiteral("type"), QStringLiteral("agent.status")},
                 {QStringLiteral("agentId"), id},
                 {QStringLiteral("status"), agentStatusName(status)}});
    });
    connect(this, &Engine::agentStreamChanged, ingress, [publish](const QString& id) {
        publish({{QStringLiteral("type"), QStringLiteral("agent.stream")}, {QStringLiteral("agentId"), id}});
    });
}

void Engine::linkStreams(DeliveryScheduler* scheduler)
{
    // Agents' streams, checked by the ingress, are handed to the scheduler (while both run).
    if (!m_ingress)
        return;
    IngressServer::StreamHandoff handoff;
    if (scheduler) {
        handoff.thread = m_deliveryThread;
        handoff.adopt = [scheduler](QTcpSocket* socket, const StreamRequest& request) {
            scheduler->adoptStream(socket, request);
        };
    }
    QMetaObject::invokeMethod(
        m_ingress, [ingress = m_ingress, handoff] { ingress->setStreamHandoff(handoff); },
        Qt::BlockingQueuedConnection);
}

void Engine::stopIngress()
{
    if (!m_ingressThread)
        return;
    if (m_scheduler)
        m_scheduler->setJournalWriter(nullptr);
    // The server is deleted in its own thread (deleteLater on finished), then the thread ends.
    m_ingressThread->quit();
    m_ingressThread->wait();
    delete m_ingressThread;
    m_ingressThread = nullptr;
    m_ingress = nullptr;
    m_ingressUrl.clear();
    m_ingressLocalUrl.clear();
    if (m_db) {
        m_db->setMeta(nodeMeta(IngressPublicUrlMeta), {});
        m_db->setMeta(nodeMeta(IngressLocalUrlMeta), {});
        m_db->setMeta(nodeMeta(IngressCertificateMeta), {});
    }
}

QString Engine::otherIngressMeta(const QString& key) const
{
    if (!m_db || (m_lock && m_lock->isLocked()))
        return {};
    // Asked once per engine: `webhook list` needs it for every row, and a lock probe is file I/O.
    if (!m_otherEngineRuns) {
        QLockFile probe(DataDirLock::lockPath(m_options.dataDir));
        probe.setStaleLockTime(0);
        m_otherEngineRuns = !probe.tryLock(0);
    }
    return *m_otherEngineRuns ? QString::fromUtf8(m_db->meta(key)) : QString();
}

QString Engine::runningIngressLocalUrl() const
{
    if (!m_ingressLocalUrl.isEmpty())
        return m_ingressLocalUrl;
    return otherIngressMeta(nodeMeta(IngressLocalUrlMeta));
}

QSslCertificate Engine::runningIngressCertificate() const
{
    const QByteArray pem = !m_ingressLocalUrl.isEmpty() && m_db
                               ? m_db->meta(nodeMeta(IngressCertificateMeta))
                               : otherIngressMeta(nodeMeta(IngressCertificateMeta)).toUtf8();
    return pem.isEmpty() ? QSslCertificate() : QSslCertificate(pem, QSsl::Pem);
}

Result<void> Engine::startDelivery(const DeliveryOptions& options)
{
    if (!m_box)
        return Errors::storage(QStringLiteral("The data directory is not unlocked."));
    stopDelivery();
    m_deliveryThread = new QThread(this);
    m_deliveryThread->setObjectName(QStringLiteral("alfe-delivery"));
    m_scheduler = new DeliveryScheduler(databasePath(), *m_box, m_clock, options);
    m_scheduler->moveToThread(m_deliveryThread);
    connect(m_deliveryThread, &QThread::finished, m_scheduler, &QObject::deleteLater);
    connect(m_scheduler, &DeliveryScheduler::attemptFinished, this, &Engine::attemptFinished);
    connect(m_scheduler, &DeliveryScheduler::deliveryFailed, this, &Engine::deliveryFailed);
    connect(m_scheduler, &DeliveryScheduler::agentStatusChanged, this, &Engine::agentStatusChanged);
    connect(m_scheduler, &DeliveryScheduler::agentStreamChanged, this, &Engine::agentStreamChanged);
    // Real time: the writer's commits reach the scheduler's queue without a query.
    connect(
        this, &Engine::deliveriesCommitted, m_scheduler,
        [scheduler = m_scheduler](const QList<CommittedDelivery>& committed) {
            scheduler->enqueueCommitted(committed);
        },
        Qt::DirectConnection);
    connect(this, &Engine::deliveriesRequeued, m_scheduler, &DeliveryScheduler::wake);
    m_deliveryThread->start();
    Result<void> started = Errors::storage(QStringLiteral("Delivery did not start."));
    QMetaObject::invokeMethod(
        m_scheduler, [&] { started = m_scheduler->start(); }, Qt::BlockingQueuedConnection);
    if (!started)
        stopDelivery();
    else
        linkJournal();
    return started;
}

void Engine::stopDelivery()
{
    if (!m_deliveryThread)
        return;
    linkStreams(nullptr); // no stream is handed over any more
    m_deliveryThread->quit();
    m_deliveryThread->wait();
    delete m_deliveryThread;
    m_deliveryThread = nullptr;
    m_scheduler = nullptr;
}

void Engine::wakeDelivery()
{
    if (m_scheduler)
        m_scheduler->wake();
}

QString Engine::webhookUrl(const QString& webhookId) const
{
    QString base = m_ingressUrl;
    if (base.isEmpty())
        base = otherIngressMeta(nodeMeta(IngressPublicUrlMeta));
    if (base.isEmpty() && m_settings) {
        base = m_settings->get(Settings::Key::PublicUrl).toString();
        if (base.isEmpty()) {
            base = QStringLiteral("http://%1:%2")
                       .arg(m_settings->get(Settings::Key::BindAddress).toString())
                       .arg(m_settings->get(Settings::Key::Port).toInt());
        }
    }
    if (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return base + QStringLiteral("/v1/hooks/") + webhookId;
}

void Engine::close()
{
    stopIngress();
    stopDelivery();
    m_deliveries.reset();
    m_webhooks.reset();
    m_agents.reset();
    m_box.reset();
    if (m_settings)
        m_settings->sync();
    m_settings.reset();
    m_db.reset();
    m_lock.reset();
}

Database& Engine::database()
{
    return *m_db;
}
Settings& Engine::settings()
{
    return *m_settings;
}
AgentStore& Engine::agents()
{
    return *m_agents;
}
WebhookStore& Engine::webhooks()
{
    return *m_webhooks;
}
DeliveryStore& Engine::deliveries()
{
    return *m_deliveries;
}

} // namespace Alfe
