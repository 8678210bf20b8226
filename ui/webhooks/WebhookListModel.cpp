#include "webhooks/WebhookListModel.h"

#include "common/StatusStyle.h"

#include <QDateTime>
#include <QGuiApplication>
#include <QHash>
#include <QLocale>
#include <QPalette>

namespace Alfe {

namespace {
QString when(qint64 ms)
{
    if (ms <= 0)
        return QObject::tr("never");
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::NarrowFormat);
}
} // namespace

WebhookListModel::WebhookListModel(QObject* parent)
    : QAbstractTableModel(parent)
{}

void WebhookListModel::setAgentFilter(const QString& agentId)
{
    m_agentId = agentId;
    rebuild();
}

void WebhookListModel::setSnapshot(const ConsoleSnapshot& snapshot)
{
    m_snapshot = snapshot;
    rebuild();
}

void WebhookListModel::rebuild()
{
    QHash<QString, QString> agentNames;
    for (const ConsoleSnapshot::AgentEntry& entry : std::as_const(m_snapshot.agents))
        agentNames.insert(entry.agent.id, entry.agent.name);
    QList<Row> rows;
    for (const Webhook& w : std::as_const(m_snapshot.webhooks)) {
        if (!m_agentId.isEmpty() && w.agentId != m_agentId)
            continue;
        Row row;
        row.webhook = w;
        row.agentName = agentNames.value(w.agentId);
        const WebhookActivity a = m_snapshot.activity.value(w.id);
        row.lastDeliveryMs = a.lastDeliveryAtMs;
        row.last24h = a.since;
        row.failures = a.failures;
        rows << row;
    }
    // Same webhooks in the same order: update in place, so selection and scroll stay put.
    bool sameShape = rows.size() == m_rows.size();
    for (qsizetype i = 0; sameShape && i < rows.size(); ++i)
        sameShape = rows[i].webhook.id == m_rows[i].webhook.id;
    if (sameShape) {
        m_rows = rows;
        if (!m_rows.isEmpty())
            emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

Webhook WebhookListModel::webhookAt(int row) const
{
    return m_rows.value(row).webhook;
}

int WebhookListModel::rowOf(const QString& webhookId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].webhook.id == webhookId)
            return int(i);
    }
    return -1;
}

int WebhookListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}
int WebhookListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WebhookListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row& row = m_rows.at(index.row());
    const Webhook& w = row.webhook;
    if (role == WebhookIdRole)
        return w.id;
    if (role == Qt::ForegroundRole && (!w.enabled || (index.column() == FailuresColumn && row.failures > 0))) {
        // A disabled webhook reads muted, not greyed out like a disabled control: it is still there to read.
        return StatusStyle::color(!w.enabled ? StatusStyle::Tone::Muted : StatusStyle::Tone::Bad,
                                  QGuiApplication::palette());
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Last24hColumn || index.column() == FailuresColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == IdColumn)
        return tr("Double-click to copy the webhook URL");
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case IdColumn:
        return w.id;
    case AgentColumn:
        return row.agentName;
    case ProviderColumn:
        return StatusStyle::providerLabel(w.provider); // "GitHub", as the deliveries say it
    case DescriptionColumn:
        return w.description;
    case CreatedColumn:
        return when(w.createdAtMs);
    case LastDeliveryColumn:
        return when(row.lastDeliveryMs);
    case Last24hColumn:
        return row.last24h;
    case FailuresColumn:
        return row.failures;
    case EnabledColumn:
        return w.enabled ? tr("enabled") : tr("disabled");
    default:
        return {};
    }
}

QVariant WebhookListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[] = {QT_TR_NOOP("Webhook"),     QT_TR_NOOP("Agent"),   QT_TR_NOOP("Provider"),
                                        QT_TR_NOOP("Description"), QT_TR_NOOP("Created"), QT_TR_NOOP("Last delivery"),
                                        QT_TR_NOOP("24 h"),        QT_TR_NOOP("Failed"),  QT_TR_NOOP("State")};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace Alfe
