#pragma once

#include "MasterKey.h"
#include "Result.h"

#include <QObject>
#include <QString>

#include <memory>

namespace Alfe {

class AgentStore;
class Clock;
class DataDirLock;
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
class Engine final : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString dataDir;
        QString keyFile;
    };

    explicit Engine(Options options, const Clock& clock, QObject* parent = nullptr);
    explicit Engine(Options options, QObject* parent = nullptr);
    ~Engine() override;
    Q_DISABLE_COPY_MOVE(Engine)

    Result<void> openStore();
    MasterKey::Source masterKeySource() const;
    // Checks the key against the data directory (a new one records it) and opens the stores.
    Result<void> unlock(const QByteArray& masterKey);
    Result<void> openBlocking();
    void close();

    bool isUnlocked() const { return m_box != nullptr; }
    QString dataDir() const { return m_options.dataDir; }
    QString databasePath() const;
    const Clock& clock() const { return m_clock; }

    Database& database();
    Settings& settings();
    AgentStore& agents();
    WebhookStore& webhooks();

    // QStandardPaths::AppDataLocation.
    static QString defaultDataDir();

private:
    Options m_options;
    const Clock& m_clock;
    std::unique_ptr<DataDirLock> m_lock;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<SecretBox> m_box;
    std::unique_ptr<AgentStore> m_agents;
    std::unique_ptr<WebhookStore> m_webhooks;
};

} // namespace Alfe
