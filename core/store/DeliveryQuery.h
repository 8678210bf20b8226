#pragma once

#include "domain/DeliveryRow.h"
#include "domain/DeliveryViewFilter.h"
#include "domain/Result.h"

#include <QList>
#include <QSet>
#include <QStringList>
#include <QVariantList>

namespace Alfe {

class Database;

// How the deliveries view reads the log: filtering and keyset paging in SQL, every page driven by one of
// the log's indexes so that a page costs about the same at 1,000,000 rows as at 100.
//
// setFilter() plans once per filter change with a few bounded, index-only look-ups: which index drives
// the pages (time, status, webhook, or the id itself for a "dlv_…" prefix), which webhooks a provider or
// "whk_…" prefix stands for (several webhooks become a UNION ALL of per-webhook index scans that SQLite
// merges), and, for event-type text, which no index covers, the window of newest rows searched. It
// never counts the whole table.
class DeliveryQuery final
{
public:
    static constexpr int SearchWindow = 50'000;      // event-type text is searched among this many newest rows
    static constexpr int MaxUnionWebhooks = 32;      // above this, a webhook set filters a time-ordered scan
    static constexpr int SelectivityProbe = 100'000; // bound of the index-only counts that pick a driver

    enum class TextKind
    {
        None,
        DeliveryId, // a prefix of a delivery id
        WebhookId,  // a prefix of a webhook id
        EventType,  // a piece of an event type, anywhere in it, case-insensitive
        Invalid,
    };
    struct Text
    {
        TextKind kind = TextKind::None;
        QString value;   // normalised: ids upper-cased after their prefix
        QString problem; // why it is Invalid
    };
    static Text parseText(const QString& text);

    enum class Driver
    {
        Time,
        Status,
        Webhooks,
        Id,
    };

    explicit DeliveryQuery(Database& db);
    Q_DISABLE_COPY_MOVE(DeliveryQuery)

    Result<void> setFilter(const DeliveryViewFilter& filter);
    const DeliveryViewFilter& filter() const { return m_filter; }
    Driver driver() const { return m_driver; }
    // Event-type text is being searched only among the newest SearchWindow rows of the driving index.
    bool searchWindowed() const { return m_windowed; }

    // Up to `limit` rows older than `after` (nullptr: from the newest), newest first. `more`: others follow.
    Result<QList<DeliveryRow>> older(const DeliveryRow* after, int limit, bool* more) const;
    // Up to `limit` rows newer than `than`, newest first. `more`: there were more than `limit`.
    Result<QList<DeliveryRow>> newer(const DeliveryRow& than, int limit, bool* more) const;
    // The rows with these ids whether they match or not; the ids of those that match go to `matching`.
    Result<QList<DeliveryRow>> byIds(const QStringList& ids, QSet<QString>* matching) const;
    // The log holds no delivery at all (one index probe).
    bool logIsEmpty() const;

private:
    enum class Cursor
    {
        None,
        Older,
        Newer,
    };
    struct Sql
    {
        QString text;
        QVariantList binds;
    };

    void appendTerms(QStringList& where, QVariantList& binds, const QString& branchWebhook, bool forMatch) const;
    Sql branch(const QString& webhook, Cursor cursor, const DeliveryRow* key, int limit) const;
    Sql page(Cursor cursor, const DeliveryRow* key, int limit) const;
    Result<QList<DeliveryRow>> run(const Sql& sql, int limit, bool* more) const;
    qint64 boundedCount(const QString& column, const QString& value, qint64 bound) const;
    qint64 windowStart(const QString& column, const QString& value) const;
    QStringList webhookIds(const QString& where, const QVariantList& binds) const;

    Database& m_db;
    DeliveryViewFilter m_filter;
    Text m_text;
    Driver m_driver = Driver::Time;
    QStringList m_webhooks; // the webhooks a row must belong to, when m_restrict
    bool m_restrict = false;
    bool m_nothing = false;
    bool m_windowed = false;
    qint64 m_since = 0; // the time range, narrowed by the search window
};

} // namespace Alfe
