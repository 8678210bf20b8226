#include "deliveries/DeliveryDetailsPane.h"

#include "api/ApiJson.h"
#include "backend/Backend.h"
#include "common/MonospaceFont.h"
#include "common/SchemeLabel.h"
#include "common/StatusStyle.h"
#include "deliveries/DeliveryCurl.h"
#include "deliveries/DeliveryPayloadText.h"
#include "deliveries/JsonHighlighter.h"
#include "domain/HeaderRedaction.h"

#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Alfe {

namespace {
enum Field
{
    IdField,
    WebhookField,
    EventField,
    ReceivedField,
    StatusField,
    AttemptsField,
    ContentField,
    VerifiedByField,
    DedupField,
    DuplicateField,
    FieldCount,
};

// The columns of the attempts timeline.
enum AttemptColumn
{
    AttemptNumber,
    AttemptStarted,
    AttemptVia, // "HTTP" (the forward URL) or "stream" (the agent's live stream)
    AttemptResult,
    AttemptDuration,
};

const QString Dash = QStringLiteral("\u2014");

QString localTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QPlainTextEdit* codeView(QWidget* parent, const QString& name)
{
    auto* view = new QPlainTextEdit(parent);
    view->setObjectName(name);
    view->setReadOnly(true);
    view->setFont(MonospaceFont::font());
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    return view;
}

QTreeWidget* listView(QWidget* parent, const QString& name, const QStringList& columns)
{
    auto* list = new QTreeWidget(parent);
    list->setObjectName(name);
    list->setRootIsDecorated(false);
    list->setUniformRowHeights(true);
    list->setHeaderLabels(columns);
    list->setAlternatingRowColors(true);
    list->header()->setStretchLastSection(true);
    return list;
}

QString shown(const QByteArray& bytes, const QString& text)
{
    if (bytes.size() <= DeliveryPayloadText::DisplayLimit)
        return text;
    return text + DeliveryDetailsPane::tr("\n\n… %1 in all; the first %2 are shown. Export JSON keeps every byte.")
                      .arg(DeliveryPayloadText::sizeText(bytes.size()),
                           DeliveryPayloadText::sizeText(DeliveryPayloadText::DisplayLimit));
}
} // namespace

DeliveryDetailsPane::DeliveryDetailsPane(Backend& backend, QWidget* parent)
    : QWidget(parent)
    , m_backend(backend)
    , m_chooser([](QWidget* parent, const QString& suggested) {
        return QFileDialog::getSaveFileName(parent, tr("Export delivery as JSON"), suggested,
                                            tr("JSON files (*.json)"));
    })
{
    m_pages = new QStackedWidget(this);
    auto* placeholder = new QLabel(tr("Select a delivery to see its request, payload and attempts."), m_pages);
    placeholder->setObjectName(QStringLiteral("detailsPlaceholder"));
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setWordWrap(true);
    StatusStyle::setTextTone(placeholder, StatusStyle::Tone::Muted); // dimmed, still legible
    m_pages->addWidget(placeholder);

    auto* page = new QWidget(m_pages);
    m_title = new QLabel(page);
    m_title->setObjectName(QStringLiteral("detailsTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_retry = new QPushButton(tr("Retry"), page);
    m_retry->setObjectName(QStringLiteral("retryDelivery"));
    m_curl = new QPushButton(tr("Copy as cURL"), page);
    m_curl->setObjectName(QStringLiteral("copyCurl"));
    m_curl->setToolTip(tr("Copy a curl command that sends this request again, signature header included"));
    m_export = new QPushButton(tr("Export JSON…"), page);
    m_export->setObjectName(QStringLiteral("exportJson"));
    connect(m_retry, &QPushButton::clicked, this, &DeliveryDetailsPane::retryRequested);
    connect(m_curl, &QPushButton::clicked, this, &DeliveryDetailsPane::copyAsCurl);
    connect(m_export, &QPushButton::clicked, this, &DeliveryDetailsPane::exportJson);

    auto* header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_retry);
    header->addWidget(m_curl);
    header->addWidget(m_export);

    m_tabs = new QTabWidget(page);
    m_tabs->setObjectName(QStringLiteral("detailsTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(buildOverview(), tr("Overview"));
    m_headers = listView(m_tabs, QStringLiteral("requestHeaders"), {tr("Header"), tr("Value")});
    m_tabs->addTab(m_headers, tr("Headers"));
    m_payload = codeView(m_tabs, QStringLiteral("payload"));
    m_highlighter = new JsonHighlighter(m_payload->document());
    m_tabs->addTab(m_payload, tr("Payload"));
    m_raw = codeView(m_tabs, QStringLiteral("rawPayload"));
    m_tabs->addTab(m_raw, tr("Raw"));
    m_attempts =
        listView(m_tabs, QStringLiteral("attempts"), {tr("#"), tr("Started"), tr("Via"), tr("Result"), tr("Duration")});
    m_attempts->headerItem()->setToolTip(
        AttemptVia, tr("How the attempt went out: HTTP to the agent's forward URL, or over its live stream"));
    m_tabs->addTab(m_attempts, tr("Attempts"));

    auto* pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 4, 0, 0);
    pageLayout->addLayout(header);
    pageLayout->addWidget(m_tabs, 1);
    m_pages->addWidget(page);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);
}

QWidget* DeliveryDetailsPane::buildOverview()
{
    m_overview = new QWidget(this);
    m_overview->setObjectName(QStringLiteral("overview"));
    auto* form = new QFormLayout(m_overview);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight);
    const QStringList names{tr("Delivery"), tr("Webhook"),      tr("Event"),       tr("Received"),  tr("Status"),
                            tr("Attempts"), tr("Content type"), tr("Verified by"), tr("Dedup key"), tr("Duplicate of")};
    for (int i = 0; i < FieldCount; ++i) {
        auto* value = new QLabel(m_overview);
        if (i == VerifiedByField)
            value->setObjectName(QStringLiteral("verifiedByField"));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
        value->setWordWrap(true);
        form->addRow(names.at(i) + QLatin1Char(':'), value);
        m_fields << value;
    }
    m_fields.at(IdField)->setFont(MonospaceFont::font());
    connect(m_fields.at(DuplicateField), &QLabel::linkActivated, this, &DeliveryDetailsPane::deliveryLinkActivated);
    return m_overview;
}

void DeliveryDetailsPane::showDelivery(const QString& deliveryId)
{
    load(deliveryId, {});
}

void DeliveryDetailsPane::load(const QString& deliveryId, const std::function<void()>& after)
{
    // Only the answer to the latest request is shown: an older one may come later from a server.
    const quint64 serial = ++m_loadSerial;
    if (deliveryId.isEmpty()) {
        m_delivery.reset();
        fill();
        return;
    }
    QPointer<DeliveryDetailsPane> self(this);
    m_backend.delivery(deliveryId, [self, serial, after](Result<Delivery> found) {
        if (!self || serial != self->m_loadSerial)
            return;
        if (!found) {
            self->m_delivery.reset();
            emit self->statusMessage(found.error().message);
            self->fill();
            return;
        }
        const QString webhookId = found->webhookId;
        self->m_delivery = std::move(found.value());
        self->m_backend.webhook(webhookId, [self, serial, after](Result<Webhook> webhook) {
            if (!self || serial != self->m_loadSerial)
                return;
            self->m_webhook = webhook ? std::optional<Webhook>(webhook.value()) : std::nullopt;
            self->fill();
            if (after)
                after();
        });
    });
}

void DeliveryDetailsPane::reload()
{
    if (!m_delivery)
        return;
    const int tab = m_tabs->currentIndex();
    const int payloadScroll = m_payload->verticalScrollBar()->value();
    QPointer<DeliveryDetailsPane> self(this);
    load(m_delivery->id, [self, tab, payloadScroll] {
        self->m_tabs->setCurrentIndex(tab);
        self->m_payload->verticalScrollBar()->setValue(payloadScroll);
    });
}

void DeliveryDetailsPane::setSelectionCount(int count)
{
    m_selectionCount = std::max(1, count);
    m_retry->setText(m_selectionCount > 1 ? tr("Retry %L1 selected").arg(m_selectionCount) : tr("Retry"));
    if (m_delivery)
        fill();
}

QString DeliveryDetailsPane::webhookName(const QString& webhookId) const
{
    if (!m_webhook || m_webhook->id != webhookId)
        return tr("%1 (deleted)").arg(webhookId);
    if (m_webhook->description.isEmpty())
        return webhookId;
    return QStringLiteral("%1 \u00b7 %2").arg(m_webhook->description.toHtmlEscaped(), webhookId);
}

void DeliveryDetailsPane::fill()
{
    if (!m_delivery) {
        m_pages->setCurrentIndex(0);
        return;
    }
    const Delivery& d = *m_delivery;
    m_pages->setCurrentIndex(1);
    const QColor tone = StatusStyle::color(StatusStyle::tone(d.status), palette(), m_title->backgroundRole());
    m_title->setText(QStringLiteral("<b>%1</b> &nbsp; <span style=\"color:%2\">\u25cf %3</span>")
                         .arg(d.eventType.isEmpty() ? d.id : d.eventType.toHtmlEscaped(), tone.name(),
                              StatusStyle::label(d.status)));
    const bool duplicate = d.status == DeliveryStatus::Duplicate;
    m_retry->setEnabled(!duplicate || m_selectionCount > 1);
    m_retry->setToolTip(duplicate ? tr("A duplicate is never forwarded; retry its original instead")
                        : d.status == DeliveryStatus::Delivered
                            ? tr("Send this delivery to the agent again (a replay)")
                            : tr("Queue this delivery again now, with a fresh retry budget"));
    fillOverview(d);
    fillPayload(d);
    fillAttempts(d);
    m_tabs->setTabText(1, tr("Headers (%1)").arg(d.headers.size()));
    m_tabs->setTabText(4, tr("Attempts (%1)").arg(d.attempts.size()));
}

void DeliveryDetailsPane::fillOverview(const Delivery& d)
{
    m_fields.at(IdField)->setText(d.id);
    m_fields.at(WebhookField)->setText(webhookName(d.webhookId));
    m_fields.at(EventField)
        ->setText(QStringLiteral("%1 \u00b7 %2")
                      .arg(StatusStyle::providerLabel(d.provider),
                           d.eventType.isEmpty() ? Dash : d.eventType.toHtmlEscaped()));
    m_fields.at(ReceivedField)->setText(localTime(d.receivedAtMs));
    m_fields.at(ReceivedField)->setToolTip(ApiJson::timestamp(d.receivedAtMs));
    QString status = StatusStyle::label(d.status);
    if (d.nextAttemptAtMs && (d.status == DeliveryStatus::Retrying || d.status == DeliveryStatus::Queued))
        status += tr(" \u00b7 next attempt %1").arg(localTime(*d.nextAttemptAtMs));
    m_fields.at(StatusField)->setText(status);
    QString attempts = QString::number(d.attemptCount);
    if (d.attemptCount > 0) {
        const QString answer = d.lastStatusCode ? tr("HTTP %1").arg(*d.lastStatusCode) : tr("no HTTP answer");
        attempts += d.lastLatencyMs ? tr(" \u00b7 last: %1 after %2 ms").arg(answer).arg(*d.lastLatencyMs)
                                    : tr(" \u00b7 last: %1").arg(answer);
    }
    m_fields.at(AttemptsField)->setText(attempts);
    m_fields.at(ContentField)
        ->setText(QStringLiteral("%1 \u00b7 %2")
                      .arg(d.contentType.isEmpty() ? Dash : d.contentType.toHtmlEscaped(),
                           DeliveryPayloadText::sizeText(d.body.size())));
    m_fields.at(VerifiedByField)->setText(SchemeLabel::text(d.verifiedBy).toHtmlEscaped());
    m_fields.at(VerifiedByField)
        ->setToolTip(d.verifiedBy.isEmpty() ? tr("Stored before Alfe recorded which signature verified a delivery")
                                            : QString());
    m_fields.at(DedupField)->setText(d.dedupKey.isEmpty() ? tr("none (body hash)") : d.dedupKey.toHtmlEscaped());
    m_fields.at(DuplicateField)
        ->setText(d.duplicateOf.isEmpty() ? Dash : QStringLiteral("<a href=\"%1\">%1</a>").arg(d.duplicateOf));

    m_headers->clear();
    QList<QTreeWidgetItem*> items;
    for (const auto& [name, value] : HeaderRedaction::forDisplay(d.headers))
        items << new QTreeWidgetItem(QStringList{QString::fromLatin1(name), QString::fromUtf8(value)});
    m_headers->addTopLevelItems(items);
    m_headers->resizeColumnToContents(0);
}

void DeliveryDetailsPane::fillPayload(const Delivery& d)
{
    const bool text = DeliveryPayloadText::isText(d.body);
    const QByteArray head = d.body.left(DeliveryPayloadText::DisplayLimit);
    // Raw: the exact bytes as text, or what they are.
    if (d.body.isEmpty())
        m_raw->setPlainText(tr("(empty body)"));
    else if (!text)
        m_raw->setPlainText(
            tr("Binary, %1. Export JSON keeps them (bodyBase64).").arg(DeliveryPayloadText::sizeText(d.body.size())));
    else
        m_raw->setPlainText(shown(d.body, QString::fromUtf8(head)));

    // Payload: pretty JSON with highlighting, decoded form fields, else the raw text.
    QString pretty;
    const bool small = d.body.size() <= DeliveryPayloadText::DisplayLimit;
    if (small && text)
        pretty = DeliveryPayloadText::prettyJson(d.body);
    // Highlighted once, synchronously, after the text is in (not block by block as it goes in).
    m_highlighter->setActive(false);
    if (!pretty.isEmpty()) {
        m_payload->setPlainText(pretty);
        m_highlighter->setActive(true);
        m_highlighter->rehighlight();
    } else if (text && d.contentType.startsWith(QLatin1String("application/x-www-form-urlencoded"))) {
        m_payload->setPlainText(shown(d.body, DeliveryPayloadText::formFields(head)));
    } else {
        m_payload->setPlainText(m_raw->toPlainText());
    }
}

void DeliveryDetailsPane::fillAttempts(const Delivery& d)
{
    m_attempts->clear();
    QList<QTreeWidgetItem*> items;
    for (const Attempt& a : d.attempts) {
        QString result;
        StatusStyle::Tone tone = StatusStyle::Tone::Pending;
        if (a.statusCode) {
            result = tr("HTTP %1").arg(*a.statusCode);
            tone = *a.statusCode >= 200 && *a.statusCode < 300 ? StatusStyle::Tone::Good : StatusStyle::Tone::Bad;
            if (!a.error.isEmpty())
                result += QStringLiteral(" \u00b7 ") + a.error;
        } else if (!a.error.isEmpty()) {
            result = a.error;
            tone = StatusStyle::Tone::Bad;
        } else if (a.durationMs && a.via == QLatin1String("stream")) {
            result = tr("acknowledged"); // an ack that names no status code of the agent's own
            tone = StatusStyle::Tone::Good;
        } else {
            result = tr("in progress");
        }
        auto* item = new QTreeWidgetItem(QStringList{QStringLiteral("#%1").arg(a.n), localTime(a.startedAtMs),
                                                     StatusStyle::viaLabel(a.via), result,
                                                     a.durationMs ? tr("%1 ms").arg(*a.durationMs) : Dash});
        item->setForeground(AttemptResult, StatusStyle::color(tone, palette()));
        item->setIcon(AttemptResult, StatusStyle::dot(tone, palette()));
        item->setTextAlignment(AttemptDuration, Qt::AlignRight | Qt::AlignVCenter);
        items << item;
    }
    m_attempts->addTopLevelItems(items);
    for (int c = 0; c < AttemptDuration; ++c)
        m_attempts->resizeColumnToContents(c);
}

QString DeliveryDetailsPane::curlCommand() const
{
    if (!m_delivery)
        return {};
    return DeliveryCurl::command(*m_delivery, m_backend.webhookUrl(m_delivery->webhookId));
}

void DeliveryDetailsPane::copyAsCurl()
{
    if (!m_delivery)
        return;
    QGuiApplication::clipboard()->setText(curlCommand());
    emit statusMessage(tr("Copied a curl command for %1").arg(m_delivery->id));
}

QString DeliveryDetailsPane::exportJson()
{
    if (!m_delivery)
        return {};
    const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                  .filePath(m_delivery->id + QStringLiteral(".json"));
    const QString path = m_chooser ? m_chooser(this, suggested) : QString();
    if (path.isEmpty())
        return {};
    QSaveFile file(path);
    const QByteArray json = QJsonDocument(ApiJson::deliveryDetail(*m_delivery)).toJson(QJsonDocument::Indented);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        emit statusMessage(tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return {};
    }
    emit statusMessage(tr("Exported %1 to %2").arg(m_delivery->id, QDir::toNativeSeparators(path)));
    return path;
}

void DeliveryDetailsPane::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_highlighter->setPalette(palette());
        if (m_delivery)
            fill();
    }
}

} // namespace Alfe
