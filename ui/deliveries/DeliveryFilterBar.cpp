#include "deliveries/DeliveryFilterBar.h"

#include "common/StatusStyle.h"
#include "deliveries/DeliverySearchEdit.h"
#include "domain/Clock.h"
#include "store/DeliveryQuery.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QTimer>
#include <QToolButton>

namespace Alfe {

namespace {
constexpr qint64 HourMs = 3'600'000;

QString searchHint()
{
    return DeliveryFilterBar::tr(
               "Filter by a delivery id (dlv_…), a webhook id (whk_…) or part of an event type.\n"
               "Ids match by prefix through their index. Event types have no index: they are searched "
               "among the newest %L1 deliveries (of the chosen status or webhook).")
        .arg(DeliveryQuery::SearchWindow);
}
} // namespace

DeliveryFilterBar::DeliveryFilterBar(const Clock& clock, QWidget* parent)
    : QWidget(parent)
    , m_clock(clock)
{
    m_search = new DeliverySearchEdit(this);
    m_search->setObjectName(QStringLiteral("deliverySearch"));
    m_search->setAccessibleName(tr("Search deliveries"));
    m_search->setPlaceholderText(tr("Delivery id, webhook id or event type"));
    m_search->setHint(searchHint());
    m_search->setMinimumWidth(220);

    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("statusFilter"));
    m_status->setAccessibleName(tr("Status"));
    m_status->addItem(tr("Any status"));
    for (DeliveryStatus s : {DeliveryStatus::Queued, DeliveryStatus::Delivering, DeliveryStatus::Retrying,
                             DeliveryStatus::Delivered, DeliveryStatus::Failed, DeliveryStatus::Duplicate})
        m_status->addItem(StatusStyle::label(s), deliveryStatusName(s));

    m_webhook = new QComboBox(this);
    m_webhook->setObjectName(QStringLiteral("webhookFilter"));
    m_webhook->setAccessibleName(tr("Webhook"));
    m_webhook->addItem(tr("All webhooks"));
    m_webhook->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_webhook->setMinimumContentsLength(16);

    m_provider = new QComboBox(this);
    m_provider->setObjectName(QStringLiteral("providerFilter"));
    m_provider->setAccessibleName(tr("Provider"));
    m_provider->addItem(tr("All providers"));
    for (const QString& name : providerNames())
        m_provider->addItem(StatusStyle::providerLabel(*providerFromName(name)), name);

    m_time = new QComboBox(this);
    m_time->setObjectName(QStringLiteral("timeFilter"));
    m_time->setAccessibleName(tr("Received"));
    m_time->addItem(tr("Any time"), qint64(0));
    m_time->addItem(tr("Last hour"), HourMs);
    m_time->addItem(tr("Last 24 hours"), 24 * HourMs);
    m_time->addItem(tr("Last 7 days"), 7 * 24 * HourMs);

    m_failed = new QToolButton(this);
    m_failed->setObjectName(QStringLiteral("failedOnly"));
    m_failed->setText(tr("Failed"));
    m_failed->setCheckable(true);
    m_failed->setToolTip(tr("Show only deliveries that failed after their last retry"));
    m_failed->setIcon(StatusStyle::dot(StatusStyle::Tone::Bad, palette()));
    m_failed->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    m_clear = new QToolButton(this);
    m_clear->setObjectName(QStringLiteral("clearFilters"));
    m_clear->setText(tr("Clear"));
    m_clear->setToolTip(tr("Clear every filter"));
    m_clear->setEnabled(false);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_search, 1);
    for (QWidget* w :
         {static_cast<QWidget*>(m_status), static_cast<QWidget*>(m_webhook), static_cast<QWidget*>(m_provider),
          static_cast<QWidget*>(m_time), static_cast<QWidget*>(m_failed), static_cast<QWidget*>(m_clear)})
        layout->addWidget(w);

    m_typing = new QTimer(this);
    m_typing->setSingleShot(true);
    m_typing->setInterval(250);
    connect(m_typing, &QTimer::timeout, this, &DeliveryFilterBar::applyNow);
    connect(m_search, &QLineEdit::textChanged, this, &DeliveryFilterBar::textEdited);
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_typing->stop();
        applyNow();
    });
    connect(m_status, &QComboBox::currentIndexChanged, this, &DeliveryFilterBar::statusChosen);
    for (QComboBox* combo : {m_webhook, m_provider, m_time})
        connect(combo, &QComboBox::currentIndexChanged, this, &DeliveryFilterBar::applyNow);
    connect(m_failed, &QToolButton::toggled, this, &DeliveryFilterBar::failedToggled);
    connect(m_clear, &QToolButton::clicked, this, &DeliveryFilterBar::clearFilters);
}

DeliveryViewFilter DeliveryFilterBar::filter() const
{
    DeliveryViewFilter f;
    f.text = m_search->text().trimmed();
    f.status = deliveryStatusFromName(m_status->currentData().toString());
    f.webhookId = m_webhook->currentData().toString();
    f.provider = providerFromName(m_provider->currentData().toString());
    const qint64 span = m_time->currentData().toLongLong();
    f.sinceMs = span > 0 ? m_clock.nowMs() - span : 0;
    return f;
}

void DeliveryFilterBar::setWebhooks(const QList<Webhook>& webhooks)
{
    const QString chosen = m_webhook->currentData().toString();
    const QSignalBlocker blocker(m_webhook);
    m_webhook->clear();
    m_webhook->addItem(tr("All webhooks"));
    for (const Webhook& w : webhooks) {
        m_webhook->addItem(w.description.isEmpty() ? w.id : w.description, w.id);
        m_webhook->setItemData(m_webhook->count() - 1, w.id, Qt::ToolTipRole);
    }
    const int at = chosen.isEmpty() ? 0 : m_webhook->findData(chosen);
    m_webhook->setCurrentIndex(std::max(0, at));
    if (at < 0)
        applyNow(); // the chosen webhook is gone: the filter changed
}

void DeliveryFilterBar::setText(const QString& text)
{
    m_search->setText(text);
    m_typing->stop();
    applyNow();
}

void DeliveryFilterBar::clearFilters()
{
    {
        const QSignalBlocker b1(m_search), b2(m_status), b3(m_webhook), b4(m_provider), b5(m_time), b6(m_failed);
        m_search->clear();
        for (QComboBox* combo : {m_status, m_webhook, m_provider, m_time})
            combo->setCurrentIndex(0);
        m_failed->setChecked(false);
    }
    m_typing->stop();
    applyNow();
}

void DeliveryFilterBar::setSearchNote(const QString& note)
{
    m_note = note;
    updateTextState();
}

void DeliveryFilterBar::textEdited()
{
    updateTextState();
    m_typing->start();
}

void DeliveryFilterBar::applyNow()
{
    updateTextState();
    m_clear->setEnabled(!filter().isEmpty());
    emit filterChanged();
}

void DeliveryFilterBar::statusChosen()
{
    {
        const QSignalBlocker blocker(m_failed);
        m_failed->setChecked(m_status->currentData().toString() == deliveryStatusName(DeliveryStatus::Failed));
    }
    applyNow();
}

void DeliveryFilterBar::failedToggled(bool on)
{
    {
        const QSignalBlocker blocker(m_status);
        m_status->setCurrentIndex(on ? m_status->findData(deliveryStatusName(DeliveryStatus::Failed)) : 0);
    }
    applyNow();
}

void DeliveryFilterBar::updateTextState()
{
    const auto text = DeliveryQuery::parseText(m_search->text());
    QString explanation = text.problem;
    if (explanation.isEmpty() && text.kind == DeliveryQuery::TextKind::EventType && !m_note.isEmpty())
        explanation = m_note;
    switch (text.kind) {
    case DeliveryQuery::TextKind::None:
        m_search->setState(DeliverySearchEdit::State::Empty);
        break;
    case DeliveryQuery::TextKind::Invalid:
        m_search->setState(DeliverySearchEdit::State::Invalid, explanation);
        break;
    default:
        m_search->setState(DeliverySearchEdit::State::Valid, explanation);
        break;
    }
}

void DeliveryFilterBar::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_failed)
        m_failed->setIcon(StatusStyle::dot(StatusStyle::Tone::Bad, palette()));
}

} // namespace Alfe
