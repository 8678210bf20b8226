#include "DeliveryFixture.h"
#include "backend/LocalBackend.h"
#include "common/Translations.h"
#include "deliveries/DeliveriesView.h"
#include "deliveries/DeliveryDetailsPane.h"
#include "deliveries/DeliveryListModel.h"
#include "store/Database.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QProcess>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>

using namespace Alfe;

// The deliveries view on a real engine with its ingress, delivery scheduler and a scripted receiver
// standing in for the agent: live arrivals, Retry from the details pane, and a cURL command that the
// real ingress accepts.
class TestDeliveriesActions : public QObject
{
    Q_OBJECT

private:
    static DeliveryOptions failFast()
    {
        DeliveryOptions options = Test::DeliveryFixture::defaultOptions();
        options.schedule = RetrySchedule({0}, 0.0); // one try, then failed
        return options;
    }
    static QString statusOf(DeliveryListModel* model, const QString& id)
    {
        const int row = model->rowOf(id);
        return row < 0 ? QString() : model->index(row, 0).data(DeliveryListModel::StatusRole).toString();
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        Translations::install();
    }

    void liveArrivalsAppearAtTheTopWithoutAReset()
    {
        Test::DeliveryFixture fx;
        LocalBackend viewBackend(fx.ingress.engine());
        DeliveriesView view(viewBackend);
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.isShowingEmptyState());
        QVERIFY(view.emptyMessage().contains(QStringLiteral("No deliveries yet")));

        DeliveryListModel* model = view.model();
        QSignalSpy resets(model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
        const QString first = fx.send(R"({"type":"order.created","n":1})");
        QTRY_COMPARE(model->rowCount(), 1);
        QVERIFY(!view.isShowingEmptyState());
        fx.ingress.clock().advanceMs(5);
        const QString second = fx.send(R"({"type":"order.paid","n":2})");
        QTRY_COMPARE(model->rowCount(), 2);
        QCOMPARE(model->index(0, 0).data(DeliveryListModel::IdRole).toString(), second);
        QCOMPARE(model->index(0, DeliveryListModel::EventColumn).data().toString(), QStringLiteral("order.paid"));
        QCOMPARE(model->index(1, 0).data(DeliveryListModel::IdRole).toString(), first);
        // The attempts finish (the receiver answers 200): the rows turn delivered in place.
        QTRY_COMPARE(statusOf(model, second), QStringLiteral("delivered"));
        QTRY_COMPARE(statusOf(model, first), QStringLiteral("delivered"));
        QCOMPARE(model->index(0, DeliveryListModel::CodeColumn).data().toString(), QStringLiteral("200"));
        QCOMPARE(resets.count(), 0);
        QVERIFY(inserted.count() >= 2);
    }

    void arrivalsWaitWhileScrolledDown()
    {
        Test::DeliveryFixture fx;
        // Enough rows to scroll: stored directly, before the view opens.
        Engine& engine = fx.ingress.engine();
        const auto seeded = engine.database().transaction([&]() -> Result<void> {
            for (int i = 0; i < 300; ++i) {
                IncomingDelivery in;
                in.webhookId = fx.webhookId;
                in.eventType = QStringLiteral("seed");
                in.contentType = QStringLiteral("application/json");
                in.body = "{\"seed\":" + QByteArray::number(i) + "}";
                if (auto stored = engine.deliveries().insert(in); !stored)
                    return stored.error();
                fx.ingress.clock().advanceMs(1);
            }
            return {};
        });
        QVERIFY(seeded);
        LocalBackend viewBackend(fx.ingress.engine());
        DeliveriesView view(viewBackend);
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        DeliveryListModel* model = view.model();
        const QString top = model->index(0, 0).data(DeliveryListModel::IdRole).toString();
        view.table()->verticalScrollBar()->setValue(view.table()->verticalScrollBar()->maximum() / 2);
        QVERIFY(!model->isFollowing());

        QSignalSpy resets(model, &QAbstractItemModel::modelReset);
        const QString fresh = fx.send(R"({"type":"fresh"})");
        QTRY_VERIFY(view.newerButton()->isVisible());
        QCOMPARE(model->index(0, 0).data(DeliveryListModel::IdRole).toString(), top); // nothing moved
        QTest::mouseClick(view.newerButton(), Qt::LeftButton);
        QTRY_COMPARE(model->index(0, 0).data(DeliveryListModel::IdRole).toString(), fresh);
        QVERIFY(!view.newerButton()->isVisible());
        QCOMPARE(resets.count(), 0);
    }

    void retryFromTheDetailsPaneMakesANewAttempt()
    {
        Test::DeliveryFixture fx(failFast());
        fx.receiver.setFallback(Test::TestReceiver::status(500));
        LocalBackend viewBackend(fx.ingress.engine());
        DeliveriesView view(viewBackend);
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));

        const QString id = fx.send(R"({"type":"invoice.paid","amount":42})");
        QTRY_COMPARE(fx.receiver.count(), 1);
        DeliveryListModel* model = view.model();
        QTRY_COMPARE(statusOf(model, id), QStringLiteral("failed")); // the row updated when the attempt ended
        view.table()->selectRow(model->rowOf(id));
        DeliveryDetailsPane* pane = view.detailsPane();
        QCOMPARE(pane->deliveryId(), id);
        QCOMPARE(pane->attemptsList()->topLevelItemCount(), 1);
        // Columns #, Started, Via, Result, Duration: it went to the forward URL and was answered 500.
        QCOMPARE(pane->attemptsList()->topLevelItem(0)->text(2), QStringLiteral("HTTP"));
        QVERIFY(pane->attemptsList()->topLevelItem(0)->text(3).contains(QStringLiteral("500")));
        QVERIFY(pane->retryButton()->isEnabled());

        QTest::mouseClick(pane->retryButton(), Qt::LeftButton);
        QTRY_COMPARE(fx.receiver.count(), 2);
        QCOMPARE(fx.receiver.received().at(1).header("X-Alfe-Delivery-Id"), id.toLatin1());
        QTRY_COMPARE(pane->attemptsList()->topLevelItemCount(), 2);
        QCOMPARE(pane->attemptsList()->topLevelItem(1)->text(0), QStringLiteral("#2"));
        QTRY_COMPARE(statusOf(model, id), QStringLiteral("failed"));
        QCOMPARE(model->index(model->rowOf(id), DeliveryListModel::AttemptsColumn).data().toString(),
                 QStringLiteral("2"));
    }

    void copyAsCurlSendsTheSameSignedRequest()
    {
        Test::DeliveryFixture fx;
        LocalBackend viewBackend(fx.ingress.engine());
        DeliveriesView view(viewBackend);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QByteArray body = "{\"type\":\"note\",\"text\":\"it's \\\"quoted\\\"\",\"n\":7}";
        const QString id = fx.send(body, {{"X-Alfe-Event", "note"}});
        QTRY_VERIFY(view.model()->rowOf(id) >= 0);
        view.table()->selectRow(view.model()->rowOf(id));

        QTest::mouseClick(view.detailsPane()->curlButton(), Qt::LeftButton);
        const QString curl = QGuiApplication::clipboard()->text();
        QVERIFY(curl.startsWith(QStringLiteral("curl -X POST '") + fx.ingress.engine().webhookUrl(fx.webhookId)));
        QVERIFY(curl.contains(QStringLiteral("-H 'X-Alfe-Signature-256: sha256=")));
        QVERIFY(curl.contains(QStringLiteral("-H 'Content-Type: application/json'")));
        QVERIFY(curl.contains(QStringLiteral("-H 'X-Alfe-Event: note'")));
        QVERIFY(!curl.contains(QStringLiteral("Content-Length"), Qt::CaseInsensitive));
        QVERIFY(curl.contains(QStringLiteral("--data-binary '{\"type\":\"note\",\"text\":\"it'\\''s")));

        // Run it: the ingress verifies the signature over the exact bytes (a replay is a duplicate: 200).
        QProcess shell;
        shell.start(QStringLiteral("bash"), {QStringLiteral("-c"), curl + QStringLiteral(" -s")});
        QTRY_VERIFY_WITH_TIMEOUT(shell.state() == QProcess::NotRunning, 15000);
        const QByteArray answer = shell.readAllStandardOutput();
        QVERIFY2(answer.contains("\"duplicate\":true"), answer.constData());
        QVERIFY2(answer.contains(id.toLatin1()), answer.constData());
    }
};

QTEST_MAIN(TestDeliveriesActions)
#include "tst_deliveries_actions.moc"
