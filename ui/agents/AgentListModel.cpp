#include "agents/AgentListModel.h"

#include "common/LocalTime.h"
#include "common/StatusStyle.h"

#include <QApplication>
#include <QGuiApplication>
#include <QPainter>
#include <QPixmap>
#include <QUrl>

#include <algorithm>

namespace Alfe {

namespace {
constexpr int RowPadding = 4;

// Where deliveries go, short enough for a narrow pane: host, port and path of the forward URL.
QString forwardTarget(const QString& url)
{
    const QUrl parsed(url);
    if (!parsed.isValid() || parsed.host().isEmpty())
        return url;
    return parsed.toString(QUrl::RemoveScheme | QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment).mid(2);
}
} // namespace

AgentListModel::AgentListModel(QObject* parent)
    : QAbstractListModel(parent)
{
    QPixmap blank(16, 16);
    blank.fill(Qt::transparent);
    m_blank = QIcon(blank);
}

void AgentListModel::setAgents(const QList<ConsoleSnapshot::AgentEntry>& rows)
{
    bool sameShape = rows.size() == m_rows.size();
    for (qsizetype i = 0; sameShape && i < rows.size(); ++i)
        sameShape = rows.at(i).agent.id == m_rows.at(i).agent.id;
    if (sameShape) {
        m_rows = rows;
        emit dataChanged(index(0), index(rowCount() - 1));
        return;
    }
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

int AgentListModel::rowOf(const QString& agentId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).agent.id == agentId)
            return int(i) + 1;
    }
    return 0;
}

QString AgentListModel::agentIdAt(int row) const
{
    return row >= 1 && row <= m_rows.size() ? m_rows.at(row - 1).agent.id : QString();
}

int AgentListModel::online() const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [](const Row& row) {
        return row.agent.streaming() || row.agent.status == AgentStatus::Online;
    }));
}

int AgentListModel::streaming() const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [](const Row& row) { return row.agent.streaming(); }));
}

int AgentListModel::waiting() const
{
    int total = 0;
    for (const Row& row : m_rows)
        total += row.backlog;
    return total;
}

int AgentListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size()) + 1;
}

QString AgentListModel::detail(const Row& row) const
{
    const Agent& agent = row.agent;
    QStringList parts{agent.streaming() ? tr("Streaming from %1").arg(agent.streamPeer)
                                        : StatusStyle::label(agent.status)};
    if (row.backlog > 0)
        parts << tr("%n waiting", nullptr, row.backlog);
    // While its stream is open the forward URL is not used: the stream's peer says where deliveries go.
    if (!agent.streaming())
        parts << (agent.forwardUrl.isEmpty() ? tr("stores only") : tr("to %1").arg(forwardTarget(agent.forwardUrl)));
    return parts.join(QStringLiteral(" \u00b7 "));
}

QString AgentListModel::sentence(const Row& row) const
{
    const Agent& agent = row.agent;
    QString state = StatusStyle::label(agent.status);
    QString forward = agent.forwardUrl.isEmpty() ? tr("It has no forward URL: its deliveries are only stored.")
                                                 : tr("It forwards deliveries to %1.").arg(agent.forwardUrl);
    if (agent.streaming()) {
        state = tr("streaming from %1 since %2").arg(agent.streamPeer, LocalTime::seconds(agent.streamSinceMs));
        forward = agent.forwardUrl.isEmpty()
                      ? tr("Its deliveries go over the stream, and wait for it when it closes.")
                      : tr("Its deliveries go over the stream, and to %1 when it closes.").arg(agent.forwardUrl);
    }
    return tr("Agent %1, %2.").arg(agent.name, state) + QLatin1Char(' ') +
           tr("%n deliveries waiting.", nullptr, row.backlog) + QLatin1Char(' ') + forward;
}

QString AgentListModel::toolTip(const Row& row) const
{
    const Agent& agent = row.agent;
    QStringList lines{agent.id};
    if (agent.streaming()) {
        lines << tr("Streaming from %1 since %2").arg(agent.streamPeer, LocalTime::seconds(agent.streamSinceMs))
              << (agent.forwardUrl.isEmpty() ? tr("When the stream closes, deliveries wait for the agent")
                                             : tr("When the stream closes, deliveries go to %1").arg(agent.forwardUrl));
    } else {
        lines << (agent.forwardUrl.isEmpty() ? tr("No forward URL: deliveries are only stored.")
                                             : tr("Forwards to %1").arg(agent.forwardUrl));
    }
    return lines.join(QLatin1Char('\n'));
}

QVariant AgentListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    if (index.row() == 0) {
        const int waiting = this->waiting();
        const QString agents = tr("%n agents", nullptr, int(m_rows.size()));
        const QString waits = tr("%n waiting", nullptr, waiting);
        switch (role) {
        case Qt::DisplayRole:
            return tr("All agents");
        case DetailRole:
            return waiting > 0 ? agents + QStringLiteral(" \u00b7 ") + waits : agents;
        case Qt::AccessibleTextRole:
            return tr("All agents: %n agents.", nullptr, int(m_rows.size())) + QLatin1Char(' ') +
                   tr("%n deliveries waiting.", nullptr, waiting);
        case Qt::DecorationRole:
            return m_blank;
        case AgentIdRole:
            return QString();
        case BacklogRole:
            return waiting;
        default:
            return {};
        }
    }
    const Row& row = m_rows.at(index.row() - 1);
    switch (role) {
    case Qt::DisplayRole:
        return row.agent.name;
    case DetailRole:
        return detail(row);
    case Qt::AccessibleTextRole:
        return sentence(row);
    case Qt::ToolTipRole:
        return toolTip(row);
    case Qt::DecorationRole: {
        const QPalette palette = QGuiApplication::palette();
        if (palette.cacheKey() != m_dotsPaletteKey) {
            m_dots.clear();
            m_dotsPaletteKey = palette.cacheKey();
        }
        const StatusStyle::Tone tone = StatusStyle::tone(row.agent);
        auto it = m_dots.find(int(tone));
        if (it == m_dots.end())
            it = m_dots.insert(int(tone), StatusStyle::dot(tone, palette));
        return *it;
    }
    case AgentIdRole:
        return row.agent.id;
    case StatusRole:
        return int(row.agent.status);
    case BacklogRole:
        return row.backlog;
    case ForwardUrlRole:
        return row.agent.forwardUrl;
    case StreamPeerRole:
        return row.agent.streaming() ? row.agent.streamPeer : QString();
    case StreamSinceRole:
        return row.agent.streamSinceMs;
    default:
        return {};
    }
}

void AgentItemDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString name = opt.text;
    const QString detail = index.data(AgentListModel::DetailRole).toString();
    opt.text.clear();
    const QWidget* widget = opt.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    // Background, selection, focus and the status dot as the style draws them; the two lines ourselves.
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    const QRect text = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget).adjusted(2, 0, -2, 0);
    const bool selected = opt.state & QStyle::State_Selected;
    const QPalette::ColorGroup group = opt.state & QStyle::State_Enabled ? QPalette::Normal : QPalette::Disabled;

    QFont nameFont = opt.font;
    nameFont.setWeight(QFont::DemiBold);
    QFont detailFont = opt.font;
    detailFont.setPointSizeF(opt.font.pointSizeF() * 0.9);
    const QFontMetrics nameMetrics(nameFont);
    const QFontMetrics detailMetrics(detailFont);
    const int top = text.top() + (text.height() - nameMetrics.height() - detailMetrics.height()) / 2;

    painter->save();
    painter->setFont(nameFont);
    painter->setPen(opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(QRect(text.left(), top, text.width(), nameMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                      nameMetrics.elidedText(name, Qt::ElideRight, text.width()));
    painter->setFont(detailFont);
    painter->setPen(selected ? opt.palette.color(group, QPalette::HighlightedText)
                             : StatusStyle::color(StatusStyle::Tone::Muted, opt.palette));
    painter->drawText(QRect(text.left(), top + nameMetrics.height(), text.width(), detailMetrics.height()),
                      Qt::AlignLeft | Qt::AlignVCenter, detailMetrics.elidedText(detail, Qt::ElideRight, text.width()));
    painter->restore();
}

QSize AgentItemDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    QFont detailFont = option.font;
    detailFont.setPointSizeF(option.font.pointSizeF() * 0.9);
    const int lines = QFontMetrics(option.font).height() + QFontMetrics(detailFont).height() + 2 * RowPadding;
    size.setHeight(std::max(size.height(), lines));
    return size;
}

} // namespace Alfe
