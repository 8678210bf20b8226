#include "deliveries/DeliveriesView.h"

#include "backend/Backend.h"
#include "common/StatusStyle.h"
#include "deliveries/DeliveryFilterBar.h"
#include "deliveries/DeliveryListModel.h"
#include "store/DeliveryQuery.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMetaMethod>
#include <QPointer>
#include <QProgressDialog>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace Alfe {

DeliveriesView::DeliveriesView(Backend& backend, QWidget* parent)
    : QWidget(parent)
    , m_backend(backend)
{
    m_filterBar = new DeliveryFilterBar(backend.clock(), this);
    m_model = new DeliveryListModel(backend, this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("deliveriesTable"));
    m_details = new DeliveryDetailsPane(backend, this);
    m_details->setObjectName(QStringLiteral("deliveryDetails"));

    m_listPages = new QStackedWidget(this);
    m_listPages->addWidget(m_table);
    m_listPages->addWidget(buildEmptyState());

    m_info = new QLabel(this);
    m_info->setObjectName(QStringLiteral("deliveriesInfo"));
    StatusStyle::setTextTone(m_info, StatusStyle::Tone::Muted); // dimmed, still legible
    m_newer = new QPushButton(tr("\u2191 New deliveries"), this);
    m_newer->setObjectName(QStringLiteral("showNewer"));
    m_newer->setToolTip(tr("Newer deliveries arrived: jump to the top"));
    m_newer->setVisible(false);
    m_retryAll = new QPushButton(tr("Retry all failed…"), this);
    m_retryAll->setObjectName(QStringLiteral("retryAllFailed"));
    m_retryAll->setToolTip(tr("Queue every failed delivery again (of the chosen webhook when one is chosen). "
                              "The text, provider and time filters do not narrow it."));

    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_info, 1);
    bottom->addWidget(m_newer);
    bottom->addWidget(m_retryAll);

    auto* listArea = new QWidget(this);
    auto* listLayout = new QVBoxLayout(listArea);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addWidget(m_listPages, 1);
    listLayout->addLayout(bottom);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("deliveriesSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(listArea);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_filterBar);
    layout->addWidget(splitter, 1);

    setupTable();

    connect(m_filterBar, &DeliveryFilterBar::filterChanged, this, &DeliveriesView::applyFilter);
    connect(m_model, &DeliveryListModel::loaded, this, &DeliveriesView::updateEmptyState);
    connect(m_model, &DeliveryListModel::loaded, this, &DeliveriesView::updateSearchNote);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &DeliveriesView::updateEmptyState);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &DeliveriesView::updateEmptyState);
    connect(m_model, &DeliveryListModel::rowsRefreshed, this, &DeliveriesView::rowsRefreshed);
    connect(m_model, &DeliveryListModel::errorOccurred, this, &DeliveriesView::statusMessage);
    connect(m_model, &DeliveryListModel::newerRowsAvailable, m_newer, &QWidget::setVisible);
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this,
            [this] { m_selectedBeforeReset = m_details->deliveryId(); });
    connect(m_newer, &QPushButton::clicked, this, [this] {
        m_table->scrollToTop();
        m_model->setFollowing(true);
    });
    connect(m_retryAll, &QPushButton::clicked, this, &DeliveriesView::retryAllFailed);
    connect(m_details, &DeliveryDetailsPane::retryRequested, this, &DeliveriesView::retrySelected);
    connect(m_details, &DeliveryDetailsPane::statusMessage, this, &DeliveriesView::statusMessage);
    connect(m_details, &DeliveryDetailsPane::deliveryLinkActivated, this, &DeliveriesView::showDelivery);

    auto* focusSearch = new QAction(this);
    focusSearch->setShortcut(QKeySequence::Find);
    focusSearch->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(focusSearch, &QAction::triggered, this, [this] { m_filterBar->setFocus(Qt::ShortcutFocusReason); });
    auto* reload = new QAction(this);
    reload->setShortcut(QKeySequence::Refresh);
    reload->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(reload, &QAction::triggered, this, &DeliveriesView::refresh);
    addActions({focusSearch, reload});

    reloadWebhooks();
    applyFilter();
}

DeliveriesView::~DeliveriesView() = default;

QWidget* DeliveriesView::buildEmptyState()
{
    auto* page = new QWidget(this);
    page->setObjectName(QStringLiteral("deliveriesEmpty"));
    m_emptyLabel = new QLabel(page);
    m_emptyLabel->setObjectName(QStringLiteral("emptyMessage"));
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_emptyClear = new QPushButton(tr("Clear filters"), page);
    m_emptyClear->setObjectName(QStringLiteral("emptyClearFilters"));
    m_emptySendTest = new QPushButton(tr("Send a test event…"), page);
    m_emptySendTest->setObjectName(QStringLiteral("emptySendTest"));
    connect(m_emptyClear, &QPushButton::clicked, m_filterBar, &DeliveryFilterBar::clearFilters);
    connect(m_emptySendTest, &QPushButton::clicked, this, &DeliveriesView::sendTestEventRequested);

    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_emptyClear);
    buttons->addWidget(m_emptySendTest);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(page);
    layout->addStretch(1);
    layout->addWidget(m_emptyLabel);
    layout->addLayout(buttons);
    layout->addStretch(2);
    return page;
}

void DeliveriesView::setupTable()
{
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setCornerButtonEnabled(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    // Uniform row heights: the view never measures a row, whatever the model holds.
    QHeaderView* rows = m_table->verticalHeader();
    rows->setVisible(false);
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView* columns = m_table->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setSectionResizeMode(QHeaderView::Interactive);
    columns->setSectionResizeMode(DeliveryListModel::EventColumn, QHeaderView::Stretch);
    columns->setMinimumSectionSize(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 3);
    const auto width = [this](const QString& sample) {
        return fontMetrics().horizontalAdvance(sample) + 28;
    };
    m_table->setColumnWidth(DeliveryListModel::TimeColumn, width(QStringLiteral("2025-12-30 23:59:59")));
    m_table->setColumnWidth(DeliveryListModel::WebhookColumn, width(QStringLiteral("whk_01JZ8K3V5QW4X9")));
    m_table->setColumnWidth(DeliveryListModel::ProviderColumn, width(QStringLiteral("Generic")));
    m_table->setColumnWidth(DeliveryListModel::StatusColumn, width(QStringLiteral("Delivering")) + 16);
    m_table->setColumnWidth(DeliveryListModel::AttemptsColumn, width(tr("Attempts")));
    m_table->setColumnWidth(DeliveryListModel::CodeColumn, width(tr("Last code")));
    m_table->setColumnWidth(DeliveryListModel::LatencyColumn, width(QStringLiteral("10.00 s")));

    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { m_model->setFollowing(value == m_table->verticalScrollBar()->minimum()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &DeliveriesView::currentChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_details->setSelectionCount(int(m_table->selectionModel()->selectedRows().size())); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        const int row = m_selectedBeforeReset.isEmpty() ? -1 : m_model->rowOf(m_selectedBeforeReset);
        if (row >= 0)
            m_table->selectRow(row);
        else
            m_details->showDelivery({});
    });

    auto* retry = new QAction(tr("Retry"), m_table);
    connect(retry, &QAction::triggered, this, &DeliveriesView::retrySelected);
    auto* copyId = new QAction(tr("Copy delivery id"), m_table);
    connect(copyId, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(selectedIds().join(QLatin1Char('\n'))); });
    auto* curl = new QAction(tr("Copy as cURL"), m_table);
    connect(curl, &QAction::triggered, m_details, &DeliveryDetailsPane::copyAsCurl);
    auto* exportJson = new QAction(tr("Export JSON…"), m_table);
    connect(exportJson, &QAction::triggered, m_details, &DeliveryDetailsPane::exportJson);
    m_table->addActions({retry, copyId, curl, exportJson});
}

void DeliveriesView::applyFilter()
{
    m_model->setFilter(m_filterBar->filter());
    m_table->scrollToTop();
    m_model->setFollowing(true);
}

void DeliveriesView::updateSearchNote()
{
    m_filterBar->setSearchNote(m_model->searchWindowed()
                                   ? tr("Event types are being searched among the newest %Ln deliveries only.", nullptr,
                                        DeliveryQuery::SearchWindow)
                                   : QString());
}

void DeliveriesView::currentChanged()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const DeliveryRow* row = current.isValid() ? m_model->rowAt(current.row()) : nullptr;
    const QString id = row ? row->id : QString();
    if (id != m_details->deliveryId() || id.isEmpty())
        m_details->showDelivery(id);
}

void DeliveriesView::rowsRefreshed(const QStringList& ids)
{
    if (!m_details->deliveryId().isEmpty() && ids.contains(m_details->deliveryId()))
        m_details->reload();
    updateInfo();
}

QStringList DeliveriesView::selectedIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex& index : rows)
        ids << index.data(DeliveryListModel::IdRole).toString();
    if (ids.isEmpty() && !m_details->deliveryId().isEmpty())
        ids << m_details->deliveryId();
    return ids;
}

QString DeliveriesView::emptyMessage() const
{
    return isShowingEmptyState() ? m_emptyLabel->text() : QString();
}

bool DeliveriesView::isShowingEmptyState() const
{
    return m_listPages->currentIndex() == 1;
}

void DeliveriesView::updateEmptyState()
{
    updateInfo();
    if (m_model->rowCount() > 0) {
        m_listPages->setCurrentIndex(0);
        return;
    }
    const DeliveryViewFilter filter = m_model->filter();
    const auto text = DeliveryQuery::parseText(filter.text);
    QString message;
    if (m_model->logIsEmpty()) {
        message = tr("No deliveries yet. Send a test event from the Webhooks tab, or POST to a webhook URL.");
    } else if (text.kind == DeliveryQuery::TextKind::Invalid) {
        message = tr("\u201c%1\u201d is not a valid id. %2").arg(filter.text, text.problem);
    } else {
        message = tr("No deliveries match these filters.");
        if (m_model->searchWindowed())
            message += QLatin1Char('\n') + tr("Event types were searched among the newest %Ln deliveries only.",
                                              nullptr, DeliveryQuery::SearchWindow);
    }
    m_emptyLabel->setText(message);
    m_emptyClear->setVisible(!filter.isEmpty());
    m_emptySendTest->setVisible(m_model->logIsEmpty() &&
                                isSignalConnected(QMetaMethod::fromSignal(&DeliveriesView::sendTestEventRequested)));
    m_listPages->setCurrentIndex(1);
}

void DeliveriesView::updateInfo()
{
    const int n = m_model->rowCount();
    QString info = m_model->hasMore() ? tr("%Ln deliveries shown \u00b7 more load as you scroll", nullptr, n)
                                      : tr("%Ln deliveries", nullptr, n);
    if (m_model->searchWindowed()) {
        //: %1 is the count of deliveries shown ("120 deliveries").
        info = tr("%1 \u00b7 event types searched in the newest %L2").arg(info).arg(DeliveryQuery::SearchWindow);
    }
    m_info->setText(info);
}

void DeliveriesView::setFileChooser(DeliveryDetailsPane::FileChooser chooser)
{
    m_details->setFileChooser(std::move(chooser));
}

void DeliveriesView::showDelivery(const QString& deliveryId)
{
    m_filterBar->clearFilters();
    m_filterBar->setText(deliveryId);
    const int row = m_model->rowOf(deliveryId);
    if (row >= 0)
        m_table->selectRow(row);
}

void DeliveriesView::reloadWebhooks()
{
    QPointer<DeliveriesView> self(this);
    m_backend.webhooks([self](Result<QList<Webhook>> webhooks) {
        if (!self)
            return;
        if (!webhooks) {
            emit self->statusMessage(webhooks.error().message);
            return;
        }
        QHash<QString, QString> names;
        for (const Webhook& w : std::as_const(webhooks.value())) {
            if (!w.description.isEmpty())
                names.insert(w.id, w.description);
        }
        self->m_model->setWebhookNames(names);
        self->m_filterBar->setWebhooks(webhooks.value());
    });
}

void DeliveriesView::refresh()
{
    m_model->reload();
}

void DeliveriesView::retrySelected()
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty())
        return;
    // One answer per id; the summary comes with the last.
    struct Tally
    {
        int pending = 0;
        int queued = 0;
        QString problem;
    };
    auto tally = std::make_shared<Tally>();
    tally->pending = int(ids.size());
    QPointer<DeliveriesView> self(this);
    for (const QString& id : ids) {
        m_backend.retry(id, [self, tally, id](Result<void> requeued) {
            if (requeued)
                ++tally->queued;
            else
                tally->problem = requeued.error().message;
            if (!self)
                return;
            self->m_model->noteChanged(id);
            if (--tally->pending > 0)
                return;
            self->m_model->flushLive();
            self->m_details->reload();
            if (!tally->problem.isEmpty() && tally->queued == 0)
                emit self->statusMessage(tally->problem);
            else
                emit self->statusMessage(tr("Queued %Ln deliveries again", nullptr, tally->queued));
        });
    }
}

void DeliveriesView::retryAllFailed()
{
    DeliveryFilter filter;
    filter.status = DeliveryStatus::Failed;
    filter.webhookId = m_filterBar->filter().webhookId;
    BackendJob* job = m_backend.retryMatching(filter, m_bulkChunk, this);
    auto* dialog = new QProgressDialog(tr("Looking for failed deliveries…"), tr("Cancel"), 0, 0, this);
    dialog->setObjectName(QStringLiteral("bulkRetryProgress"));
    dialog->setWindowTitle(tr("Retry all failed"));
    dialog->setWindowModality(Qt::WindowModal);
    dialog->setMinimumDuration(0);
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    connect(dialog, &QProgressDialog::canceled, job, &BackendJob::cancel);
    connect(job, &BackendJob::progress, dialog, [dialog](int done, int total) {
        dialog->setMaximum(std::max(total, 1));
        dialog->setValue(done);
        dialog->setLabelText(tr("Queued %L1 of %Ln failed deliveries again…", nullptr, total).arg(done));
    });
    connect(job, &BackendJob::finished, this, [this, job, dialog](int queued, bool cancelled, const QString& error) {
        dialog->hide();
        dialog->deleteLater();
        job->deleteLater();
        m_retryAll->setEnabled(true);
        m_model->reload();
        if (!error.isEmpty())
            emit statusMessage(tr("Retry all failed stopped: %1").arg(error));
        else if (cancelled)
            emit statusMessage(tr("Cancelled after queuing %Ln failed deliveries again", nullptr, queued));
        else
            emit statusMessage(tr("Queued %Ln failed deliveries again", nullptr, queued));
    });
    m_retryAll->setEnabled(false);
    dialog->show();
    job->start();
}

void DeliveriesView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    reloadWebhooks();
}

} // namespace Alfe
