#include "IngressFixture.h"
#include "ManualClock.h"
#include "TestEngine.h"
#include "backend/LocalBackend.h"
#include "common/ColorScheme.h"
#include "common/Translations.h"
#include "deliveries/DeliveriesView.h"
#include "deliveries/DeliveryDetailsPane.h"
#include "deliveries/DeliveryFilterBar.h"
#include "deliveries/DeliveryListModel.h"
#include "deliveries_view_log.h"
#include "delivery/BulkRetry.h"
#include "refused/RefusedRequestsModel.h"
#include "refused/RefusedRequestsView.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QToolButton>
#include <QTreeWidget>

using namespace Alfe;

namespace {
int countStatus(Engine& engine, const QString& status)
{
    QSqlQuery q(engine.database().connection());
    q.prepare(QStringLiteral("SELECT count(*) FROM deliveries WHERE status = ?"));
    q.addBindValue(status);
    return q.exec() && q.next() ? q.value(0).toInt() : -1;
}

QString insert(Engine& engine, Test::ManualClock& clock, const QString& webhookId, const QByteArray& body,
               const QString& contentType = QStringLiteral("application/json"), const HeaderList& headers = {})
{
    IncomingDelivery in;
    in.webhookId = webhookId;
    in.eventType = QStringLiteral("test.event");
    in.contentType = contentType;
    in.headers = headers;
    in.body = body;
    clock.advanceMs(1);
    auto stored = engine.deliveries().insert(in);
    return stored ? stored->deliveryId : QString();
}

QString screenshotDir()
{
    return qEnvironmentVariable("ALFE_SCREENSHOT_DIR");
}
} // namespace

// The details pane, Retry all failed through its progress dialog, Export JSON, the empty states and the
// refused-request view, on a real engine; and, when ALFE_SCREENSHOT_DIR is set, screenshots of them.
class TestDeliveriesWidgets : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Test::TestEngine> m_engine;
    Test::ManualClock m_clock;
    QString m_webhook;
    QString m_other;

    Engine& engine() { return **m_engine; }
    void select(DeliveriesView& view, const QString& id)
    {
        const int row = view.model()->rowOf(id);
        QVERIFY2(row >= 0, qPrintable(id));
        view.table()->selectRow(row);
        QCOMPARE(view.detailsPane()->deliveryId(), id);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        Translations::install();
    }

    void init()
    {
        m_engine = std::make_unique<Test::TestEngine>(m_clock);
        const QString agent = engine().agents().create(QStringLiteral("bot"))->agent.id;
        m_webhook = engine().webhooks().create(agent, Provider::Stripe, QStringLiteral("billing"))->webhook.id;
        m_other = engine().webhooks().create(agent, Provider::GitHub, QStringLiteral("repo"))->webhook.id;
    }
    void cleanup() { m_engine.reset(); }

    void firstRunEmptyStateLeadsToATestEvent()
    {
        LocalBackend viewBackend(engine());
        DeliveriesView view(viewBackend);
        QSignalSpy wanted(&view, &DeliveriesView::sendTestEventRequested);
        view.refresh(); // the button shows only once someone listens
        view.show();
        QVERIFY(view.isShowingEmptyState());
        QCOMPARE(
            view.emptyMessage(),
            QStringLiteral("No deliveries yet. Send a test event from the Webhooks tab, or POST to a webhook URL."));
        auto* send = view.findChild<QPushButton*>(QStringLiteral("emptySendTest"));
        QVERIFY(send && send->isVisible());
        QVERIFY(!view.findChild<QPushButton*>(QStringLiteral("emptyClearFilters"))->isVisible());
        QTest::mouseClick(send, Qt::LeftButton);
        QCOMPARE(wanted.count(), 1);
    }

    void retryAllFailedShowsProgressAndCancels()
    {
        const auto seeded = engine().database().transaction([&]() -> Result<void> {
            // The other webhook's are older: the first 50 queued (newest first) are all m_webhook's.
            for (int i = 0; i < 10; ++i)
                insert(engine(), m_clock, m_other, "{\"other\":" + QByteArray::number(i) + "}");
            for (int i = 0; i < 250; ++i)
                insert(engine(), m_clock, m_webhook, "{\"n\":" + QByteArray::number(i) + "}");
            return engine().database().exec(QStringLiteral("UPDATE deliveries SET status = 'failed', failures = 8"));
        });
        QVERIFY(seeded);
        const QString delivered = insert(engine(), m_clock, m_webhook, "{\"fine\":true}");
        QVERIFY(engine().database().exec(
            QStringLiteral("UPDATE deliveries SET status = 'delivered' WHERE id = '%1'").arg(delivered)));

        LocalBackend viewBackend(engine());
        DeliveriesView view(viewBackend);
        view.setBulkRetryChunkSize(50);
        view.resize(1000, 700);
        view.show();
        QTest::mouseClick(view.filterBar()->failedButton(), Qt::LeftButton);
        QCOMPARE(view.model()->rowCount(), DeliveryListModel::PageSize);

        // Cancel through the dialog once 50 are queued.
        QTest::mouseClick(view.retryAllButton(), Qt::LeftButton);
        auto* dialog = view.findChild<QProgressDialog*>(QStringLiteral("bulkRetryProgress"));
        auto* bulk = view.findChild<BulkRetry*>(QStringLiteral("bulkRetry"));
        QVERIFY(dialog && bulk);
        QVERIFY(dialog->isVisible());
        QCOMPARE(dialog->maximum(), 260);
        QVERIFY(!view.retryAllButton()->isEnabled());
        QList<int> seen;
        connect(bulk, &BulkRetry::progress, dialog, [&seen, dialog](int done, int) {
            seen << done;
            if (done == 50) {
                QCOMPARE(dialog->value(), 50);
                QTest::mouseClick(dialog->findChild<QPushButton*>(), Qt::LeftButton); // its Cancel button
            }
        });
        QTRY_VERIFY(!view.findChild<QProgressDialog*>(QStringLiteral("bulkRetryProgress")));
        QCOMPARE(seen, QList<int>{50});
        QCOMPARE(countStatus(engine(), QStringLiteral("queued")), 50);
        QCOMPARE(countStatus(engine(), QStringLiteral("failed")), 210);
        QVERIFY(view.retryAllButton()->isEnabled());
        for (int r = 0; r < view.model()->rowCount(); ++r)
            QCOMPARE(view.model()->index(r, 0).data(DeliveryListModel::StatusRole).toString(),
                     QStringLiteral("failed"));

        // With a webhook chosen, only its failed deliveries are queued.
        QComboBox* hooks = view.filterBar()->webhookCombo();
        hooks->setCurrentIndex(hooks->findData(m_other));
        QCOMPARE(view.model()->rowCount(), 10);
        QTest::mouseClick(view.retryAllButton(), Qt::LeftButton);
        QTRY_VERIFY(!view.findChild<QProgressDialog*>(QStringLiteral("bulkRetryProgress")));
        QCOMPARE(countStatus(engine(), QStringLiteral("failed")), 200);
        QCOMPARE(view.model()->rowCount(), 0);
        QVERIFY(view.emptyMessage().contains(QStringLiteral("No deliveries match")));

        // Not cancelled: every failed one is queued, and the dialog counted up to the total.
        hooks->setCurrentIndex(0);
        QTest::mouseClick(view.retryAllButton(), Qt::LeftButton);
        dialog = view.findChild<QProgressDialog*>(QStringLiteral("bulkRetryProgress"));
        QVERIFY(dialog);
        QList<int> values;
        connect(view.findChild<BulkRetry*>(QStringLiteral("bulkRetry")), &BulkRetry::progress, dialog,
                [&values, dialog](int, int) { values << dialog->value(); });
        QTRY_VERIFY(!view.findChild<QProgressDialog*>(QStringLiteral("bulkRetryProgress")));
        QCOMPARE(values, (QList<int>{50, 100, 150, 200}));
        QCOMPARE(countStatus(engine(), QStringLiteral("failed")), 0);
        QCOMPARE(countStatus(engine(), QStringLiteral("queued")), 260);
        QCOMPARE(countStatus(engine(), QStringLiteral("delivered")), 1);
        QVERIFY(view.isShowingEmptyState());
    }

    void exportJsonWritesTheDelivery()
    {
        const QByteArray body = R"({"id":"evt_1","type":"invoice.paid","amount":1200})";
        const QString id = insert(engine(), m_clock, m_webhook, body, QStringLiteral("application/json"),
                                  {{"Content-Type", "application/json"}, {"Stripe-Signature", "t=1,v1=abc"}});
        LocalBackend viewBackend(engine());
        DeliveriesView view(viewBackend);
        view.show();
        select(view, id);
        QTemporaryDir dir;
        QString suggested;
        const QString path = QDir(dir.path()).filePath(QStringLiteral("export.json"));
        view.setFileChooser([&](QWidget*, const QString& s) {
            suggested = s;
            return path;
        });
        QTest::mouseClick(view.detailsPane()->exportButton(), Qt::LeftButton);
        QVERIFY(suggested.endsWith(id + QStringLiteral(".json")));
        QJsonParseError error;
        const QJsonObject json = QJsonDocument::fromJson(Test::readFile(path), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(json.value(QLatin1String("id")).toString(), id);
        QCOMPARE(json.value(QLatin1String("webhookId")).toString(), m_webhook);
        QCOMPARE(json.value(QLatin1String("body")).toString().toUtf8(), body);
        QCOMPARE(QByteArray::fromBase64(json.value(QLatin1String("bodyBase64")).toString().toLatin1()), body);
        QCOMPARE(json.value(QLatin1String("headers")).toArray().size(), 2);

        // A chooser that cancels writes nothing.
        view.setFileChooser([](QWidget*, const QString&) { return QString(); });
        QVERIFY(QFile::remove(path));
        QVERIFY(view.detailsPane()->exportJson().isEmpty());
        QVERIFY(!QFile::exists(path));
    }

    void payloadIsPrettyHighlightedAndRawIsExact()
    {
        const QByteArray json = R"({"zeta":1,"alpha":{"list":[1,2,{}],"big":12345678901234567890},"s":"x y"})";
        const QString jsonId = insert(engine(), m_clock, m_webhook, json);
        const QString formId = insert(engine(), m_clock, m_webhook, "team=T1&text=hello+world%21",
                                      QStringLiteral("application/x-www-form-urlencoded"));
        const QByteArray binary("\x00\x01\xfe\xff", 4);
        const QString binaryId =
            insert(engine(), m_clock, m_webhook, binary, QStringLiteral("application/octet-stream"));
        LocalBackend viewBackend(engine());
        DeliveriesView view(viewBackend);
        view.show();
        DeliveryDetailsPane* pane = view.detailsPane();

        select(view, jsonId);
        const QString pretty = pane->payloadView()->toPlainText();
        QCOMPARE(pretty,
                 QStringLiteral("{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"list\": [\n      1,\n      2,\n"
                                "      {}\n    ],\n    \"big\": 12345678901234567890\n  },\n  \"s\": \"x y\"\n}"));
        QCOMPARE(pane->rawView()->toPlainText().toUtf8(), json);
        // Keys, strings and numbers have their own colours.
        const QTextBlock line = pane->payloadView()->document()->findBlockByNumber(1); // `  "zeta": 1,`
        QColor key, number;
        for (const QTextLayout::FormatRange& range : line.layout()->formats()) {
            if (range.start == 2)
                key = range.format.foreground().color();
            if (range.start == 10)
                number = range.format.foreground().color();
        }
        QVERIFY(key.isValid() && number.isValid());
        QVERIFY(key != number);

        select(view, formId);
        QCOMPARE(pane->payloadView()->toPlainText(), QStringLiteral("team = T1\ntext = hello world!"));
        select(view, binaryId);
        QCOMPARE(pane->rawView()->toPlainText(),
                 QStringLiteral("Binary, 4 bytes. Export JSON keeps them (bodyBase64)."));
        QVERIFY(pane->curlCommand().contains(QString::fromLatin1(binary.toBase64())));
        QVERIFY(pane->curlCommand().contains(QStringLiteral("base64 -d | curl")));
    }

    void refusedRequestsAreListedWithTheirReason()
    {
        Test::IngressFixture fx;
        QByteArray secret;
        const QString webhook = fx.createWebhook(Provider::Generic, &secret);
        LocalBackend viewBackend(fx.engine());
        RefusedRequestsView view(viewBackend);
        view.setPollInterval(50);
        view.resize(1000, 600);
        view.show();
        QVERIFY(view.isShowingEmptyState());

        const QByteArray body = R"({"type":"forged"})";
        auto r = fx.http().post(Test::IngressFixture::hookPath(webhook), body,
                                {{"Content-Type", "application/json"}, {"X-Alfe-Signature-256", "sha256=00"}});
        QCOMPARE(r.status, 401);
        QTRY_COMPARE(view.model()->rowCount(), 1);
        QVERIFY(!view.isShowingEmptyState());
        QCOMPARE(view.model()->index(0, RefusedRequestsModel::StatusColumn).data().toInt(), 401);
        QCOMPARE(view.model()->index(0, RefusedRequestsModel::ReasonColumn).data().toString(),
                 QStringLiteral("invalid_signature"));
        QCOMPARE(view.model()->index(0, RefusedRequestsModel::MethodColumn).data().toString(), QStringLiteral("POST"));
        QCOMPARE(view.model()->index(0, RefusedRequestsModel::PathColumn).data().toString(),
                 Test::IngressFixture::hookPath(webhook));
        view.table()->selectRow(0);
        QVERIFY(view.summaryLabel()->text().contains(QStringLiteral("signature")));
        QCOMPARE(view.bodyView()->toPlainText().toUtf8(), body);
        // The signature header is listed by name with the length of its value, never the value itself.
        bool sawSignature = false;
        for (int i = 0; i < view.headersList()->topLevelItemCount(); ++i) {
            const QTreeWidgetItem* item = view.headersList()->topLevelItem(i);
            QVERIFY(item->text(1) != u"sha256=00");
            sawSignature |= item->text(0).compare(u"X-Alfe-Signature-256", Qt::CaseInsensitive) == 0 &&
                            item->text(1) == u"[redacted, 9 bytes]";
        }
        QVERIFY(sawSignature);

        // Another webhook's filter shows none of it.
        const QString other = fx.createWebhook(Provider::Generic, nullptr);
        view.reloadWebhooks();
        view.webhookCombo()->setCurrentIndex(view.webhookCombo()->findData(other));
        QCOMPARE(view.model()->rowCount(), 0);
        view.webhookCombo()->setCurrentIndex(view.webhookCombo()->findData(webhook));
        QCOMPARE(view.model()->rowCount(), 1);
    }

    void screenshots()
    {
        const QString dir = screenshotDir();
        if (dir.isEmpty())
            QSKIP("set ALFE_SCREENSHOT_DIR to write deliveries.png and refused.png");
        QDir().mkpath(dir);
        Test::IngressFixture fx;
        auto log = Bench::generateDeliveryLog(fx.engine(), 3000, fx.clock().nowMs());
        QVERIFY(log);
        QByteArray secret;
        const QString webhook = fx.createWebhook(Provider::GitHub, &secret);
        fx.http().post(Test::IngressFixture::hookPath(webhook), R"({"type":"forged"})",
                       {{"Content-Type", "application/json"}, {"X-Alfe-Signature-256", "sha256=00"}});
        fx.http().post(Test::IngressFixture::hookPath(QStringLiteral("whk_01JZNOSUCHWEBHOOK0000000000")), "{}",
                       {{"Content-Type", "application/json"}});

        LocalBackend viewBackend(fx.engine());
        DeliveriesView view(viewBackend);
        view.resize(1280, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        for (int r = 0; r < view.model()->rowCount(); ++r) {
            if (view.model()->index(r, 0).data(DeliveryListModel::StatusRole).toString() == u"failed") {
                view.table()->selectRow(r);
                break;
            }
        }
        QTest::qWait(200);
        QVERIFY(view.grab().save(QDir(dir).filePath(QStringLiteral("deliveries.png"))));
        view.detailsPane()->tabs()->setCurrentIndex(2); // Payload
        QTest::qWait(100);
        QVERIFY(view.grab().save(QDir(dir).filePath(QStringLiteral("deliveries-payload.png"))));
        view.detailsPane()->tabs()->setCurrentIndex(0);
        view.filterBar()->setText(QStringLiteral("no.such.event"));
        QTest::qWait(100);
        QVERIFY(view.grab().save(QDir(dir).filePath(QStringLiteral("deliveries-empty.png"))));
        view.filterBar()->clearFilters();

        LocalBackend refusedBackend(fx.engine());
        RefusedRequestsView refused(refusedBackend);
        refused.resize(1280, 700);
        refused.show();
        QVERIFY(QTest::qWaitForWindowExposed(&refused));
        QTRY_VERIFY(refused.model()->rowCount() >= 2);
        refused.table()->selectRow(0);
        QTest::qWait(200);
        QVERIFY(refused.grab().save(QDir(dir).filePath(QStringLiteral("refused.png"))));

        // The same view on a dark palette: status colours and tints follow it.
        const QPalette dark = ColorScheme::palette(ColorScheme::Scheme::Dark); // as `alfe-console --palette dark`
        const QPalette light = QApplication::palette();
        QApplication::setPalette(dark);
        view.filterBar()->setText(QStringLiteral("invoice"));
        QTest::qWait(200);
        QVERIFY(view.grab().save(QDir(dir).filePath(QStringLiteral("deliveries-dark.png"))));
        QApplication::setPalette(light);
    }
};

QTEST_MAIN(TestDeliveriesWidgets)
#include "tst_deliveries_widgets.moc"
