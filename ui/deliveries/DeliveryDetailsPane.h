#pragma once

#include "domain/Delivery.h"

#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTreeWidget;

namespace Alfe {

class Backend;
class JsonHighlighter;

// Everything about one delivery: overview, request headers, payload (pretty JSON with highlighting) and
// the raw bytes, and the attempts timeline; with the actions Retry, Copy as cURL and Export JSON.
class DeliveryDetailsPane final : public QWidget
{
    Q_OBJECT

public:
    // Asks where to save; returns an empty path to cancel. Tests give one without a dialog.
    using FileChooser = std::function<QString(QWidget* parent, const QString& suggestedPath)>;

    explicit DeliveryDetailsPane(Backend& backend, QWidget* parent = nullptr);

    // Shows that delivery (read from the store now); an empty id shows the placeholder.
    void showDelivery(const QString& deliveryId);
    // Reads the shown delivery again (after an attempt finished).
    void reload();
    QString deliveryId() const { return m_delivery ? m_delivery->id : QString(); }
    const std::optional<Delivery>& delivery() const { return m_delivery; }

    void setFileChooser(FileChooser chooser) { m_chooser = std::move(chooser); }
    // The Retry button's text and tooltip when several rows are selected.
    void setSelectionCount(int count);

    QString curlCommand() const;
    // Copies the cURL command line to the clipboard.
    void copyAsCurl();
    // Asks for a file and writes ApiJson::deliveryDetail to it. Returns the path written, or empty.
    QString exportJson();

    QTreeWidget* attemptsList() const { return m_attempts; }
    QTreeWidget* headersList() const { return m_headers; }
    QPlainTextEdit* payloadView() const { return m_payload; }
    QPlainTextEdit* rawView() const { return m_raw; }
    QPushButton* retryButton() const { return m_retry; }
    QPushButton* curlButton() const { return m_curl; }
    QPushButton* exportButton() const { return m_export; }
    QTabWidget* tabs() const { return m_tabs; }

signals:
    void retryRequested();
    // The user followed a link to another delivery (the original of a duplicate).
    void deliveryLinkActivated(const QString& deliveryId);
    void statusMessage(const QString& message);

protected:
    void changeEvent(QEvent* event) override;

private:
    QWidget* buildOverview();
    void fill();
    void fillOverview(const Delivery& d);
    void fillPayload(const Delivery& d);
    void fillAttempts(const Delivery& d);
    QString webhookName(const QString& webhookId) const;

    void load(const QString& deliveryId, const std::function<void()>& after);

    Backend& m_backend;
    quint64 m_loadSerial = 0;
    std::optional<Webhook> m_webhook; // the shown delivery's, when it still exists
    std::optional<Delivery> m_delivery;
    FileChooser m_chooser;
    int m_selectionCount = 1;

    QStackedWidget* m_pages = nullptr;
    QLabel* m_title = nullptr;
    QTabWidget* m_tabs = nullptr;
    QWidget* m_overview = nullptr;
    QList<QLabel*> m_fields;
    QTreeWidget* m_headers = nullptr;
    QPlainTextEdit* m_payload = nullptr;
    JsonHighlighter* m_highlighter = nullptr;
    QPlainTextEdit* m_raw = nullptr;
    QTreeWidget* m_attempts = nullptr;
    QPushButton* m_retry = nullptr;
    QPushButton* m_curl = nullptr;
    QPushButton* m_export = nullptr;
};

} // namespace Alfe
