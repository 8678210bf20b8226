#pragma once

#include "backend/Backend.h"
#include "domain/Domain.h"

#include <QAbstractTableModel>

namespace Alfe {

// The webhooks of one agent (or of all), with what a user scans for: provider, description, when the
// last delivery came, how many in 24 h, how many failed, enabled; from the snapshot the window read.
class WebhookListModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        IdColumn,
        AgentColumn,
        ProviderColumn,
        DescriptionColumn,
        CreatedColumn,
        LastDeliveryColumn,
        Last24hColumn,
        FailuresColumn,
        EnabledColumn,
        ColumnCount
    };
    static constexpr int WebhookIdRole = Qt::UserRole + 1;

    explicit WebhookListModel(QObject* parent = nullptr);

    void setAgentFilter(const QString& agentId); // empty: all agents
    void setSnapshot(const ConsoleSnapshot& snapshot);
    bool hasWebhooks() const { return !m_snapshot.webhooks.isEmpty(); } // of any agent
    Webhook webhookAt(int row) const;
    int rowOf(const QString& webhookId) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        Webhook webhook;
        QString agentName;
        qint64 lastDeliveryMs = 0;
        int last24h = 0;
        int failures = 0;
    };

    void rebuild();

    ConsoleSnapshot m_snapshot;
    QString m_agentId;
    QList<Row> m_rows;
};

} // namespace Alfe
