#include "store/Settings.h"

#include <QDir>

#include <array>

namespace Alfe {

namespace {
struct Entry
{
    Settings::Key key;
    const char* name;
    QVariant defaultValue;
};

const std::array<Entry, 16>& table()
{
    static const std::array<Entry, 16> entries{{
        {Settings::Key::BindAddress, "ingress/bindAddress", QStringLiteral("127.0.0.1")},
        {Settings::Key::Port, "ingress/port", 8787},
        {Settings::Key::PublicUrl, "ingress/publicUrl", QString()},
        {Settings::Key::BodyLimitBytes, "ingress/bodyLimitBytes", qint64(10) * 1024 * 1024},
        {Settings::Key::RateLimitPerSecond, "ingress/rateLimitPerSecond", 100},
        {Settings::Key::DedupWindowSeconds, "ingress/dedupWindowSeconds", 300},
        {Settings::Key::RetrySchedule, "delivery/retrySchedule", QStringLiteral("0s,5s,5m,30m,2h,5h,10h,10h")},
        {Settings::Key::RetentionDays, "delivery/retentionDays", 30},
        {Settings::Key::DeliveryConcurrency, "delivery/concurrency", 16},
        {Settings::Key::ClipboardTimeoutSeconds, "console/clipboardTimeoutSeconds", 30},
        {Settings::Key::RequestTimeoutSeconds, "ingress/requestTimeoutSeconds", 60},
        {Settings::Key::BodyMemoryBytes, "ingress/bodyMemoryBytes", qint64(256) * 1024 * 1024},
        {Settings::Key::RefusedPerSecond, "ingress/refusedPerSecond", 20},
        {Settings::Key::RefusedLogBytes, "ingress/refusedLogBytes", qint64(64) * 1024 * 1024},
        {Settings::Key::Database, "store/database", QString()},
        {Settings::Key::NodeId, "store/nodeId", QString()},
    }};
    return entries;
}

const Entry& entry(Settings::Key key)
{
    return table().at(static_cast<size_t>(key));
}
} // namespace

Settings::Settings(const QString& dataDir, QObject* parent)
    : QObject(parent)
    , m_settings(std::make_unique<QSettings>(QDir(dataDir).filePath(QStringLiteral("alfe.ini")), QSettings::IniFormat))
{}

Settings::~Settings() = default;

QString Settings::name(Key key)
{
    return QString::fromLatin1(entry(key).name);
}
QVariant Settings::defaultValue(Key key)
{
    return entry(key).defaultValue;
}
QString Settings::filePath() const
{
    return m_settings->fileName();
}

QVariant Settings::get(Key key) const
{
    return m_settings->value(name(key), defaultValue(key));
}

void Settings::set(Key key, const QVariant& value)
{
    if (get(key) == value)
        return;
    m_settings->setValue(name(key), value);
    emit changed(key);
}

void Settings::reset(Key key)
{
    if (!m_settings->contains(name(key)))
        return;
    const QVariant before = get(key);
    m_settings->remove(name(key));
    if (before != get(key))
        emit changed(key);
}

void Settings::sync()
{
    m_settings->sync();
}

} // namespace Alfe
