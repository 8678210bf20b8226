#pragma once

#include "backend/Backend.h"
#include "store/DeliveryQuery.h"

namespace Alfe {

// The log through DeliveryQuery on the GUI thread's connection: every page is one indexed query.
class LocalDeliveryLog final : public DeliveryLog
{
public:
    explicit LocalDeliveryLog(Database& db)
        : m_query(db)
    {}

    void setFilter(const DeliveryViewFilter& filter, Done<void> done) override { done(m_query.setFilter(filter)); }
    const DeliveryViewFilter& filter() const override { return m_query.filter(); }
    bool searchWindowed() const override { return m_query.searchWindowed(); }
    void older(const DeliveryRow* after, int limit, Done<Page> done) override
    {
        Page page;
        auto rows = m_query.older(after, limit, &page.more);
        if (!rows)
            return done(rows.error());
        page.rows = std::move(rows.value());
        done(std::move(page));
    }
    void newer(const DeliveryRow& than, int limit, Done<Page> done) override
    {
        Page page;
        auto rows = m_query.newer(than, limit, &page.more);
        if (!rows)
            return done(rows.error());
        page.rows = std::move(rows.value());
        done(std::move(page));
    }
    void byIds(const QStringList& ids, Done<Rows> done) override
    {
        Rows answer;
        auto rows = m_query.byIds(ids, &answer.matching);
        if (!rows)
            return done(rows.error());
        answer.rows = std::move(rows.value());
        done(std::move(answer));
    }
    void logIsEmpty(Done<bool> done) override { done(m_query.logIsEmpty()); }

    // How the pages are read (which index drives them).
    const DeliveryQuery& query() const { return m_query; }

private:
    DeliveryQuery m_query;
};

} // namespace Alfe
