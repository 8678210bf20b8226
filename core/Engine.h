#pragma once

#include "crypto/MasterKey.h"
#include "delivery/DeliveryOptions.h"
#include "domain/Delivery.h"
#include "domain/Result.h"
#include "ingress/IngressOptions.h"

#include <QObject>
#include <QString>

#include "store/DatabaseLocation.h"
#include <QThread>

#include <memory>
#include <optional>

namespace Alfe {

class AgentStore;
class Clock;
class DataDirLock;
class DeliveryScheduler;
class DeliveryStore;
class IngressServer;
class Database;
class SecretBox;
class Settings;
class WebhookStore;

// The one object that owns a data directory: its lock, database, settings and (once unlocked with the
// master key) the stores. The console and `alfe serve` both create one.
//
//   Engine engine({dataDir, keyFile});
//   engine.openStore();                       // lock + database + migrations (local, fast)
//   MasterKey::obtain(engine.masterKeySource(), ...) -> engine.unlock(key);
//
// openBlocking() does all three for the CLI and tests.
// What a command line sets over the data directory's settings (`alfe serve --port`, `alfe-console --bind`).
struct ServeOverrides
{
    std::optional<QString> bindAddress;
    std::optional<int> port;
    std::optional<QString> publicUrl;
    std::optional<qint64> bodyLimitBytes;
    std::optional<int> rateLimitPerSecond;
    // --tls-cert and --tls-key: both or neither (Engine::loadTls says which is missing).
    std::optional<QString> tlsCertFile;
    std::optional<QString> tlsKeyFile;
    // On a shared PostgreSQL database: how long an agent's lease lasts (a dead node's agents move on after it).
    std::optional<int> leaseSeconds;
};

// What the ingress and the delivery scheduler run with.
struct ServeOptions
{
    IngressOptions ingress;
    DeliveryOptions delivery;
};

class Engine final : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString dataDir;
        QString keyFile;
        // false: open beside a running engine (CLI admin commands); SQLite's WAL lets both write.
        bool exclusive = true;
        // The store: empty for the data directory's SQLite file (or what alfe.ini's store/database says), or a
        // postgresql:// URL shared by several nodes (SPEC §14). The data directory keeps this node's lock,
        // settings, key file and logs either way.
        QString database = {};
    };

    explicit Engine(Options options, const Clock& clock, QObject* parent = nullptr);
    explicit Engine(Options options, QObject* parent = nullptr);
    ~Engine() override;
    Q_DISABLE_COPY_MOVE(Engine)

    Result<void> openStore();
    // Use this key file instead of the system keychain from the next unlock on (the console's offer when
    // no keychain answers). Created 0600 if it does not exist.
    void setKeyFile(const QString& path);
    QString keyFile() const { return m_options.keyFile; }
    MasterKey::Source masterKeySource() const;
    // Checks the key against the data directory (a new one records it) and opens the stores.
    Result<void> unlock(const QByteArray& masterKey);
    Result<void> openBlocking();
    void close();

    // The one path from the settings (and a command line's overrides) to what the ingress and delivery run
    // with, for the console and `alfe serve` alike. A value out of range is an error that names the option or
    // the setting and its file: nothing falls back to a default silently.
    Result<ServeOptions> serveOptions(const ServeOverrides& overrides = {}) const;
    // Limits the options and settings above are checked against.
    static constexpr qint64 MaxBodyLimitBytes = 1'000'000'000; // SQLite's default SQLITE_MAX_LENGTH
    static constexpr int MaxRateLimitPerSecond = 1'000'000;
    // "127.0.0.1", "::", "localhost"...; the error says what is accepted.
    static Result<QHostAddress> parseBindAddress(const QString& text);
    // An absolute http:// or https:// base URL without query or fragment, or empty.
    static Result<QString> parsePublicUrl(const QString& text);
    // The TLS certificate (chain) and key of --tls-cert/--tls-key, or none when neither is given. One without the
    // other, a file that cannot be read, no PEM in it or a key of another certificate: an error naming the file.
    static Result<TlsCredentials> loadTls(const ServeOverrides& overrides);

    // Starts the embedded server in its own thread (after unlock). Returns the port it listens on.
    Result<quint16> startIngress(const IngressOptions& options);
    void stopIngress();
    // Base URL of the ingress ("http://127.0.0.1:8787" or the public URL), empty when it is not running.
    QString ingressUrl() const { return m_ingressUrl; }
    // The URL at which webhook `webhookId` is reached: this engine's ingress, else the one another
    // process on this data directory runs (alfe serve), else what the settings say.
    QString webhookUrl(const QString& webhookId) const;
    // Where the ingress of this data directory listens on this machine (e.g. http://127.0.0.1:8787), when
    // this engine or another process on the same directory runs it; empty otherwise.
    QString runningIngressLocalUrl() const;
    // The certificate that ingress serves over TLS (null over plain HTTP), so that a client of this data directory
    // on this machine (send-test, the console's test event) can trust exactly it on the local URL.
    QSslCertificate runningIngressCertificate() const;

    // Starts forwarding deliveries to agents in its own thread (after unlock).
    Result<void> startDelivery(const DeliveryOptions& options);
    void stopDelivery();
    // Look for due deliveries now (after a manual retry, or a clock change in tests).
    void wakeDelivery();
    DeliveryScheduler* deliveryScheduler() const { return m_scheduler; }

    bool isUnlocked() const { return m_box != nullptr; }
    QString dataDir() const { return m_options.dataDir; }
    // The store's location as Database::open takes it: the SQLite file or the PostgreSQL URL.
    QString databasePath() const;
    bool clustered() const { return DatabaseLocation::isUrl(databasePath()); }
    // This node's id in a cluster (alfe.ini store/nodeId, made on first use); per data directory.
    QString nodeId() const { return m_nodeId; }
    const Clock& clock() const { return m_clock; }

    Database& database();
    Settings& settings();
    AgentStore& agents();
    WebhookStore& webhooks();
    DeliveryStore& deliveries();

    // The console's AppDataLocation ("<data home>/Alfe/alfe-console"), whichever program asks: the console
    // and the alfe CLI share it.
    static QString defaultDataDir();

signals:
    // New deliveries, right after they were committed by the ingress.
    void deliveriesCommitted(const QList<Alfe::CommittedDelivery>& deliveries);
    void deliveriesRequeued();
    // From the delivery scheduler (queued to the engine's thread).
    void attemptFinished(const QString& deliveryId, int attempt, Alfe::DeliveryStatus status);
    void deliveryFailed(const QString& deliveryId);
    void agentStatusChanged(const QString& agentId, Alfe::AgentStatus status);
    // An agent's live stream opened or closed (Agent::streaming() says which, once read again).
    void agentStreamChanged(const QString& agentId);

private:
    // A value the ingress of another process on this data directory recorded, when one runs.
    void linkJournal();
    void linkStreams(DeliveryScheduler* scheduler);
    void linkEvents();
    QString otherIngressMeta(const QString& key) const;
    // What one node records about its ingress: per node on a shared database.
    QString nodeMeta(const QString& key) const;
    Result<void> resolveDatabase();

    Options m_options;
    QString m_nodeId;
    const Clock& m_clock;
    std::unique_ptr<DataDirLock> m_lock;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<SecretBox> m_box;
    std::unique_ptr<AgentStore> m_agents;
    std::unique_ptr<WebhookStore> m_webhooks;
    std::unique_ptr<DeliveryStore> m_deliveries;
    QThread* m_ingressThread = nullptr;
    IngressServer* m_ingress = nullptr;
    QString m_ingressUrl;
    QString m_ingressLocalUrl;
    mutable std::optional<bool> m_otherEngineRuns;
    QThread* m_deliveryThread = nullptr;
    DeliveryScheduler* m_scheduler = nullptr;
};

} // namespace Alfe
