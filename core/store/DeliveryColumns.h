#pragma once

#include "domain/Delivery.h"
#include "domain/DeliveryRow.h"

#include <QString>
#include <QVariant>

#include <optional>

class QSqlQuery;

namespace Alfe::DeliveryColumns {

// The summary columns of a delivery (everything but headers, body and attempts), read from `deliveries d`,
// each named so that a UNION ALL of several selects can be ordered by name. Every reader of the log
// selects these first, then what it needs beyond them.
extern const QString Summary;
constexpr int SummaryCount = 13;

// A nullable column's value: empty for SQL NULL.
template <typename T>
std::optional<T> optional(const QVariant& v)
{
    if (v.isNull())
        return std::nullopt;
    return v.value<T>();
}

// The summary a query positioned on a row holds in its first SummaryCount columns.
Delivery summaryFrom(const QSqlQuery& q);
// The same columns as the list shows them.
DeliveryRow rowFrom(const QSqlQuery& q);

} // namespace Alfe::DeliveryColumns
