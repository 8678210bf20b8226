#pragma once

#include "backend/Backend.h"
#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QAbstractTableModel>

namespace Alfe {

class Backend;

// The newest entries of the refused-request log (capped at 10,000 rows and 24 h) as a table.
// Rows are read without their headers and body, which entryWithBody() reads for the one selected: a
// page of 500 entries could otherwise carry 500 × 4 KiB of bodies and 8 KiB of headers. poll() inserts newer entries at
// the top without a reset.
class RefusedRequestsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        TimeColumn,
        StatusColumn,
        ReasonColumn,
        DetailColumn, // why, in words: which signature failed and how
        MethodColumn,
        PathColumn,
        FromColumn,
        ColumnCount,
    };
    enum Role
    {
        IdRole = Qt::UserRole + 1,
    };
    static constexpr int MaxRows = 500;

    explicit RefusedRequestsModel(Backend& backend, QObject* parent = nullptr);

    // Only this webhook's entries (empty: all); resets the model.
    void setWebhookId(const QString& webhookId);
    void reload();
    // Inserts the entries logged since the newest shown one.
    void poll();

    const RefusedEntry* entryAt(int row) const;
    // The entry with its headers and the kept head of its body.
    void entryWithBody(qint64 id, Done<RefusedEntry> done);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void errorOccurred(const QString& message);
    // After every reload, once its rows are in.
    void loaded();

private:
    // Answers belong to reload `serial`: a poll's answer after a newer reload began is dropped.
    void read(qint64 newerThan, quint64 serial, Done<QList<RefusedEntry>> done);

    Backend& m_backend;
    quint64 m_reloadSerial = 0;
    bool m_reloading = false;
    QString m_webhookId;
    QList<RefusedEntry> m_entries;
};

} // namespace Alfe
