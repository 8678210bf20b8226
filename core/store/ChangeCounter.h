#pragma once

#include "store/Database.h"

namespace Alfe {

// A count that triggers keep up to date (webhook_changes, agent_changes), read through one connection: the
// table is read again only when PRAGMA data_version says another connection committed, so asking once per
// request or per dispatch costs no table read while nothing changes. This connection's own changes are for
// its caller to notice. On PostgreSQL the one-row table is read each time it is asked.
class ChangeCounter final
{
public:
    // `sql` selects the count (constant text: it is prepared once).
    ChangeCounter(Database& db, QString sql)
        : m_db(db)
        , m_sql(std::move(sql))
    {}

    qint64 value()
    {
        // PostgreSQL: read every time. Its notifications arrive on their own schedule (a change committed on
        // another connection a moment ago may not have been heard yet), so they cannot say "nothing changed".
        const qint64 version = m_db.isPostgres() ? -1 : m_db.dataVersion();
        if (version == m_seenDataVersion && version >= 0 && m_value >= 0)
            return m_value;
        m_seenDataVersion = version;
        QSqlQuery& q = m_db.prepared(m_sql);
        m_value = q.exec() && q.next() ? q.value(0).toLongLong() : -1;
        q.finish();
        return m_value;
    }

private:
    Database& m_db;
    QString m_sql;
    qint64 m_seenDataVersion = -1;
    qint64 m_value = -1;
};

} // namespace Alfe
