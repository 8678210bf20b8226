#pragma once

#include <QObject>
#include <QSettings>
#include <QVariant>

#include <memory>

namespace Alfe {

// Typed settings of one data directory, kept in "<dir>/alfe.ini". One table maps each key to its name
// and default; set() emits changed() only on a real change. Never holds a secret.
class Settings final : public QObject
{
    Q_OBJECT

public:
    enum class Key
    {
        BindAddress,
        Port,
        PublicUrl,
        BodyLimitBytes,
        RateLimitPerSecond,
        DedupWindowSeconds,
        RetrySchedule,
        RetentionDays,
        DeliveryConcurrency,
        ClipboardTimeoutSeconds,
        RequestTimeoutSeconds,
        BodyMemoryBytes,
        RefusedPerSecond,
        RefusedLogBytes,
        Database, // a postgresql:// URL (without password), empty: the data directory's SQLite file
        NodeId,   // this data directory's node id on a shared database
    };
    Q_ENUM(Key)

    explicit Settings(const QString& dataDir, QObject* parent = nullptr);
    ~Settings() override;

    QVariant get(Key key) const;
    void set(Key key, const QVariant& value);
    void reset(Key key);
    void sync();

    QString filePath() const;
    static QString name(Key key);
    static QVariant defaultValue(Key key);

signals:
    void changed(Alfe::Settings::Key key);

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace Alfe
