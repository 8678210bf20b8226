#pragma once

#include "backend/Backend.h"

#include <QHash>
#include <QObject>
#include <QUrlQuery>

namespace Alfe {

class RemoteConnection;

// The delivery log through GET /v1/admin/deliveries: the server's keyset pages (its DeliveryQuery, so a page
// costs the same at 1,000,000 rows), `before`/`after` a row's cursor, `ids` to read rows again. Answers to a
// log that is gone are dropped.
class RemoteDeliveryLog final : public DeliveryLog
{
public:
    explicit RemoteDeliveryLog(RemoteConnection& connection);
    ~RemoteDeliveryLog() override;

    void setFilter(const DeliveryViewFilter& filter, Done<void> done) override;
    const DeliveryViewFilter& filter() const override { return m_filter; }
    bool searchWindowed() const override { return m_windowed; }
    void older(const DeliveryRow* after, int limit, Done<Page> done) override;
    void newer(const DeliveryRow& than, int limit, Done<Page> done) override;
    void byIds(const QStringList& ids, Done<Rows> done) override;
    void logIsEmpty(Done<bool> done) override;

private:
    QUrlQuery filterQuery() const;
    void page(QUrlQuery query, Done<Page> done);
    QString cursorOf(const DeliveryRow& row) const;

    RemoteConnection& m_connection;
    QObject m_guard; // requests' answers are dropped once it is gone
    DeliveryViewFilter m_filter;
    bool m_windowed = false;
    QHash<QString, QString> m_cursors; // row id -> its cursor, for every row handed out
};

} // namespace Alfe
