#include "refused/RefusedRequestsView.h"

#include "common/LocalTime.h"
#include "common/MonospaceFont.h"
#include "common/StatusStyle.h"
#include "store/DeliveryStore.h"

#include "backend/Backend.h"
#include "deliveries/DeliveryPayloadText.h"
#include "domain/HeaderRedaction.h"
#include "refused/RefusedRequestsModel.h"
#include "store/RefusedLog.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Alfe {

RefusedRequestsView::RefusedRequestsView(Backend& backend, QWidget* parent)
    : QWidget(parent)
    , m_backend(backend)
{
    m_model = new RefusedRequestsModel(backend, this);

    m_webhook = new QComboBox(this);
    m_webhook->setObjectName(QStringLiteral("refusedWebhookFilter"));
    m_webhook->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("refreshRefused"));
    auto* note = new QLabel(tr("Newest %L1 refused requests. The log keeps headers and the first %L2 KiB of each "
                               "body for %L3 hours (at most %L4 requests).")
                                .arg(RefusedRequestsModel::MaxRows)
                                .arg(RefusedRequest::BodyHeadBytes / 1024)
                                .arg(RefusedLog::MaxAgeMs / 3'600'000)
                                .arg(RefusedLog::MaxRows),
                            this);
    StatusStyle::setTextTone(note, StatusStyle::Tone::Muted); // dimmed, still legible
    note->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(m_webhook);
    top->addWidget(note, 1);
    top->addWidget(refreshButton);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("refusedTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setSectionResizeMode(RefusedRequestsModel::DetailColumn, QHeaderView::Stretch);
    const auto width = [this](const QString& sample) {
        return fontMetrics().horizontalAdvance(sample) + 28;
    };
    m_table->setColumnWidth(RefusedRequestsModel::TimeColumn, width(QStringLiteral("2025-12-30 23:59:59")));
    m_table->setColumnWidth(RefusedRequestsModel::StatusColumn, width(tr("Status")));
    m_table->setColumnWidth(RefusedRequestsModel::ReasonColumn, width(QStringLiteral("unsupported_media_type")));
    m_table->setColumnWidth(RefusedRequestsModel::MethodColumn, width(QStringLiteral("DELETE")));
    m_table->setColumnWidth(RefusedRequestsModel::FromColumn, width(QStringLiteral("255.255.255.255")));
    // The detail takes the room left (a long one is whole in its tooltip and under the table).
    m_table->setColumnWidth(RefusedRequestsModel::PathColumn,
                            width(QStringLiteral("/v1/hooks/whk_00000000000000000000000000")));

    auto* empty = new QLabel(tr("No refused requests. When the ingress turns a request away (a bad signature, an "
                                "unknown or disabled webhook, a body too large, too many requests), it shows here "
                                "with the reason."),
                             this);
    empty->setObjectName(QStringLiteral("refusedEmpty"));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    empty->setMargin(24);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_table);
    m_pages->addWidget(empty);

    auto* details = new QWidget(this);
    m_summary = new QLabel(details);
    m_summary->setObjectName(QStringLiteral("refusedSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_headers = new QTreeWidget(details);
    m_headers->setObjectName(QStringLiteral("refusedHeaders"));
    m_headers->setRootIsDecorated(false);
    m_headers->setUniformRowHeights(true);
    m_headers->setHeaderLabels({tr("Header"), tr("Value")});
    m_body = new QPlainTextEdit(details);
    m_body->setObjectName(QStringLiteral("refusedBody"));
    m_body->setReadOnly(true);
    m_body->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_body->setFont(MonospaceFont::font());
    auto* parts = new QSplitter(Qt::Horizontal, details);
    parts->setObjectName(QStringLiteral("refusedDetailsSplitter"));
    parts->addWidget(m_headers);
    parts->addWidget(m_body);
    auto* detailsLayout = new QVBoxLayout(details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_summary);
    detailsLayout->addWidget(parts, 1);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("refusedSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(m_pages);
    splitter->addWidget(details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);

    m_poll = new QTimer(this);
    m_poll->setInterval(2000);
    connect(m_poll, &QTimer::timeout, m_model, &RefusedRequestsModel::poll);
    connect(refreshButton, &QPushButton::clicked, this, &RefusedRequestsView::refresh);
    connect(m_webhook, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setWebhookId(m_webhook->currentData().toString()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RefusedRequestsView::currentChanged);
    connect(m_model, &QAbstractItemModel::modelReset, this, &RefusedRequestsView::updateEmptyState);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &RefusedRequestsView::updateEmptyState);
    connect(m_model, &RefusedRequestsModel::loaded, this, &RefusedRequestsView::currentChanged);

    reloadWebhooks();
    m_model->reload();
}

QString RefusedRequestsView::explain(const QString& reason)
{
    if (reason == u"invalid_signature")
        return tr("The signature header is missing, malformed, signed too long ago, or does not verify with any "
                  "valid secret of the webhook: its own, or the provider secret imported for it. Check the secret "
                  "the sender uses (after a rotation or a new import, the old one ends with its grace period) and "
                  "the webhook's timestamp tolerance.");
    if (reason == u"not_found")
        return tr("No webhook has this id, or it was deleted. Check the URL the sender posts to.");
    if (reason == u"gone")
        return tr("The webhook is disabled. Enable it in the Webhooks tab to accept deliveries again.");
    if (reason == u"rate_limited")
        return tr("Over the per-webhook rate limit; the sender was told when to retry (Retry-After).");
    if (reason == u"unsupported_media_type")
        return tr("The content type is neither JSON nor a form. Senders must send application/json, "
                  "application/*+json or application/x-www-form-urlencoded.");
    if (reason == u"payload_too_large")
        return tr("The body is over the ingress body limit (Settings).");
    if (reason == u"empty_body")
        return tr("The request had no body.");
    if (reason == u"invalid_json")
        return tr("The content type says JSON but the body does not parse as JSON.");
    if (reason == u"method_not_allowed")
        return tr("Webhook URLs accept POST only.");
    return {};
}

void RefusedRequestsView::currentChanged()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const RefusedEntry* row = current.isValid() ? m_model->entryAt(current.row()) : nullptr;
    m_headers->clear();
    m_body->clear();
    m_shownId = -1;
    if (!row) {
        m_summary->setText(tr("Select a refused request to see its headers and body."));
        return;
    }
    const qint64 id = row->id;
    m_shownId = id;
    QPointer<RefusedRequestsView> self(this);
    m_model->entryWithBody(id, [self, id](Result<RefusedEntry> entry) {
        if (self && self->m_shownId == id)
            self->showEntry(entry);
    });
}

void RefusedRequestsView::showEntry(const Result<RefusedEntry>& entry)
{
    if (!entry) {
        m_summary->setText(entry.error().message);
        return;
    }
    const RefusedEntry& e = entry.value();
    QString summary =
        tr("<b>%1 %2</b> \u2192 %3 <code>%4</code> from %5 at %6")
            .arg(e.method.toHtmlEscaped(), e.path.toHtmlEscaped())
            .arg(e.status)
            .arg(e.reason.toHtmlEscaped(), e.remoteAddress.toHtmlEscaped(), LocalTime::seconds(e.receivedAtMs));
    if (!e.detail.isEmpty())
        summary += QStringLiteral("<br>") + tr("<b>Why:</b> %1").arg(e.detail.toHtmlEscaped());
    const QString why = explain(e.reason);
    if (!why.isEmpty())
        summary += QStringLiteral("<br>") + why.toHtmlEscaped();
    m_summary->setText(summary);
    QList<QTreeWidgetItem*> items;
    for (const auto& [name, value] : HeaderRedaction::forDisplay(e.headers))
        items << new QTreeWidgetItem(QStringList{QString::fromLatin1(name), QString::fromUtf8(value)});
    m_headers->addTopLevelItems(items);
    m_headers->resizeColumnToContents(0);
    if (e.bodySize == 0 && e.bodyHead.isEmpty()) {
        m_body->setPlainText(tr("(no body)"));
    } else if (!DeliveryPayloadText::isText(e.bodyHead)) {
        m_body->setPlainText(tr("Binary, %1 received.").arg(DeliveryPayloadText::sizeText(e.bodySize)));
    } else {
        QString text = QString::fromUtf8(e.bodyHead);
        if (e.bodySize > e.bodyHead.size())
            text +=
                tr("\n\n… %1 in all; the first %2 were kept.")
                    .arg(DeliveryPayloadText::sizeText(e.bodySize), DeliveryPayloadText::sizeText(e.bodyHead.size()));
        m_body->setPlainText(text);
    }
}

void RefusedRequestsView::updateEmptyState()
{
    m_pages->setCurrentIndex(m_model->rowCount() > 0 ? 0 : 1);
}

bool RefusedRequestsView::isShowingEmptyState() const
{
    return m_pages->currentIndex() == 1;
}

void RefusedRequestsView::setPollInterval(int ms)
{
    m_poll->setInterval(ms);
}

void RefusedRequestsView::refresh()
{
    m_model->reload(); // then currentChanged()
}

void RefusedRequestsView::reloadWebhooks()
{
    QPointer<RefusedRequestsView> self(this);
    m_backend.webhooks([self](Result<QList<Webhook>> webhooks) {
        if (!self || !webhooks)
            return;
        QComboBox* combo = self->m_webhook;
        const QString chosen = combo->currentData().toString();
        const QSignalBlocker blocker(combo);
        combo->clear();
        combo->addItem(tr("All webhooks"));
        for (const Webhook& w : std::as_const(webhooks.value()))
            combo->addItem(w.description.isEmpty() ? w.id : QStringLiteral("%1 (%2)").arg(w.description, w.id), w.id);
        combo->setCurrentIndex(std::max(0, combo->findData(chosen)));
    });
}

void RefusedRequestsView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    reloadWebhooks();
    m_model->poll();
    m_poll->start();
}

void RefusedRequestsView::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_poll->stop();
}

} // namespace Alfe
