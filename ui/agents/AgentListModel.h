#pragma once

#include "backend/Backend.h"
#include "domain/Domain.h"

#include <QAbstractListModel>
#include <QHash>
#include <QStyledItemDelegate>

namespace Alfe {

// The agents beside the webhook table: "All agents" first, then each agent with its status (a coloured dot
// and a word), how many deliveries wait for it, and where it forwards; an agent with its live stream open
// (SPEC §12) reads "Streaming from <peer>", since when in its tooltip. Every row also reads as one sentence
// for screen readers (Qt::AccessibleTextRole).
class AgentListModel final : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role
    {
        AgentIdRole = Qt::UserRole + 1, // empty for "All agents"
        StatusRole,                     // int(AgentStatus)
        BacklogRole,                    // deliveries queued, retrying or in an attempt
        ForwardUrlRole,
        DetailRole,      // the second line: status · backlog · forward target, or where its stream comes from
        StreamPeerRole,  // the address its live stream comes from; empty: no stream open
        StreamSinceRole, // qint64: when that stream opened (ms since the epoch), -1 without one
    };

    explicit AgentListModel(QObject* parent = nullptr);

    // Shows these agents; updates rows in place when the same agents are listed in the same order, so the
    // selection stays put.
    void setAgents(const QList<ConsoleSnapshot::AgentEntry>& agents);
    int rowOf(const QString& agentId) const; // 0 ("All agents") for an unknown or empty id
    QString agentIdAt(int row) const;
    // What the status bar sums up, from the rows already read.
    int online() const;    // online or streaming
    int streaming() const; // with their live stream open
    int waiting() const;   // deliveries queued, retrying or in an attempt, all agents

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

private:
    using Row = ConsoleSnapshot::AgentEntry;
    QString detail(const Row& row) const;
    QString sentence(const Row& row) const;
    QString toolTip(const Row& row) const;

    QList<Row> m_rows;
    mutable QHash<int, QIcon> m_dots; // by tone, for the palette last used
    mutable qint64 m_dotsPaletteKey = -1;
    QIcon m_blank; // keeps "All agents" aligned with the rows that have a dot
};

// Draws an agent row on two lines: the name, and under it the detail in a quieter colour.
class AgentItemDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace Alfe
