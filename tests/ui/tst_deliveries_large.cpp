#include "ManualClock.h"
#include "TestEngine.h"
#include "backend/LocalBackend.h"
#include "backend/LocalDeliveryLog.h"
#include "common/Translations.h"
#include "deliveries/DeliveriesView.h"
#include "deliveries/DeliveryFilterBar.h"
#include "deliveries/DeliveryListModel.h"
#include "deliveries/DeliverySearchEdit.h"
#include "deliveries_view_log.h"
#include "store/Database.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QToolButton>

using namespace Alfe;

// The deliveries view over a 1,000,000-row log: lazy (a page, not the table), newest first, more pages
// as the user scrolls, and filters (Failed, webhook, provider, time, text) that read only matching rows.
// Row contents are asserted, never timings (those are ./dev bench's).
class TestDeliveriesLarge : public QObject
{
    Q_OBJECT

private:
    static constexpr int Rows = 1'000'000;

    DeliveryListModel* model() { return m_view->model(); }
    const LocalDeliveryLog& localLog() { return dynamic_cast<const LocalDeliveryLog&>(model()->log()); }
    QString cell(int row, int column, int role = Qt::DisplayRole)
    {
        return model()->index(row, column).data(role).toString();
    }
    QString scalar(const QString& sql, const QVariantList& binds = {})
    {
        QSqlQuery q((*m_engine)->database().connection());
        q.prepare(sql);
        for (const QVariant& v : binds)
            q.addBindValue(v);
        return q.exec() && q.next() ? q.value(0).toString() : QString();
    }
    // Loaded rows are in keyset order (newest first) and each appears once.
    void verifyOrderedAndUnique()
    {
        QSet<QString> seen;
        for (int r = 0; r < model()->rowCount(); ++r) {
            const QString id = cell(r, 0, DeliveryListModel::IdRole);
            QVERIFY2(!seen.contains(id), qPrintable(id));
            seen.insert(id);
            if (r > 0) {
                const DeliveryRow* above = model()->rowAt(r - 1);
                QVERIFY2(above->isNewerThan(*model()->rowAt(r)), qPrintable(QString::number(r)));
            }
        }
    }
    void resetFilters() { m_view->filterBar()->clearFilters(); }

    Test::ManualClock m_clock;
    std::unique_ptr<Test::TestEngine> m_engine;
    Bench::DeliveryLog m_log;
    std::unique_ptr<LocalBackend> m_backend;
    std::unique_ptr<DeliveriesView> m_view;

private slots:
    void initTestCase()
    {
        Translations::install();
        QStandardPaths::setTestModeEnabled(true);
        m_engine = std::make_unique<Test::TestEngine>(m_clock);
        QElapsedTimer timer;
        timer.start();
        auto log = Bench::generateDeliveryLog(**m_engine, Rows, m_clock.nowMs());
        QVERIFY2(log, qPrintable(log.error().message));
        m_log = log.value();
        qInfo("generated %d deliveries in %lld ms", Rows, qint64(timer.elapsed()));
        QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM deliveries")).toInt(), Rows);

        m_backend = std::make_unique<LocalBackend>(**m_engine);
        m_view = std::make_unique<DeliveriesView>(*m_backend);
        m_view->resize(1200, 800);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    }

    void cleanupTestCase()
    {
        m_view.reset();
        m_backend.reset();
        m_engine.reset();
    }

    void showsAPageNewestFirst()
    {
        QVERIFY(!m_view->isShowingEmptyState());
        QVERIFY(model()->rowCount() > 0);
        QVERIFY2(model()->rowCount() < 2000, "the model loaded far more than a page");
        QVERIFY(model()->canFetchMore({}));
        const QString newest =
            scalar(QStringLiteral("SELECT id FROM deliveries ORDER BY received_at DESC, id DESC LIMIT 1"));
        QCOMPARE(cell(0, 0, DeliveryListModel::IdRole), newest);
        QCOMPARE(model()->rowAt(0)->receivedAtMs, m_log.newestMs);
        // Webhooks show by their description, providers and statuses as words.
        QCOMPARE(cell(0, DeliveryListModel::WebhookColumn), QStringLiteral("support bot"));
        QCOMPARE(cell(0, DeliveryListModel::ProviderColumn), QStringLiteral("Slack"));
        QCOMPARE(cell(0, DeliveryListModel::EventColumn), QStringLiteral("app_mention"));
        verifyOrderedAndUnique();
    }

    void scrollingToTheBottomFetchesMorePages()
    {
        const int before = model()->rowCount();
        const QString lastBefore = cell(before - 1, 0, DeliveryListModel::IdRole);
        m_view->table()->scrollToBottom();
        QTRY_VERIFY(model()->rowCount() > before);
        const int after = model()->rowCount();
        m_view->table()->scrollToBottom();
        QTRY_VERIFY(model()->rowCount() > after);
        QVERIFY(model()->rowCount() < 2000);
        // The pages join up: the row after the old last one is the next older delivery in the log.
        const QString next = scalar(QStringLiteral("SELECT id FROM deliveries WHERE (received_at, id) < ((SELECT"
                                                   " received_at FROM deliveries WHERE id = ?), ?)"
                                                   " ORDER BY received_at DESC, id DESC LIMIT 1"),
                                    {lastBefore, lastBefore});
        QCOMPARE(cell(before, 0, DeliveryListModel::IdRole), next);
        verifyOrderedAndUnique();
    }

    void failedButtonShowsOnlyFailed()
    {
        QSignalSpy resets(model(), &QAbstractItemModel::modelReset);
        QTest::mouseClick(m_view->filterBar()->failedButton(), Qt::LeftButton);
        QVERIFY(m_view->filterBar()->failedButton()->isChecked());
        QCOMPARE(m_view->filterBar()->statusCombo()->currentData().toString(), QStringLiteral("failed"));
        QCOMPARE(resets.count(), 1);
        QVERIFY(model()->rowCount() > 0);
        QVERIFY(model()->rowCount() < 2000);
        for (int r = 0; r < model()->rowCount(); ++r)
            QCOMPARE(cell(r, DeliveryListModel::StatusColumn).toLower(), QStringLiteral("failed"));
        QCOMPARE(cell(0, 0, DeliveryListModel::IdRole),
                 scalar(QStringLiteral("SELECT id FROM deliveries WHERE status = 'failed'"
                                       " ORDER BY received_at DESC, id DESC LIMIT 1")));
        // Failed rows read in the palette's error colour, through the model, not a fixed black-on-white.
        const QVariant colour = model()->index(0, DeliveryListModel::StatusColumn).data(Qt::ForegroundRole);
        QVERIFY(colour.isValid());
        QVERIFY(colour.value<QColor>() !=
                model()->index(0, DeliveryListModel::TimeColumn).data(Qt::ForegroundRole).value<QColor>());
        m_view->table()->scrollToBottom();
        QTRY_VERIFY(model()->rowCount() > DeliveryListModel::PageSize);
        for (int r = 0; r < model()->rowCount(); ++r)
            QCOMPARE(cell(r, DeliveryListModel::StatusColumn, DeliveryListModel::StatusRole), QStringLiteral("failed"));
        verifyOrderedAndUnique();
    }

    void failedCombinedWithAWebhook()
    {
        QVERIFY(m_view->filterBar()->failedButton()->isChecked());
        QComboBox* webhooks = m_view->filterBar()->webhookCombo();
        const QString orders = m_log.webhookIds.at(2);
        webhooks->setCurrentIndex(webhooks->findData(orders));
        QVERIFY(model()->rowCount() > 0);
        for (int r = 0; r < model()->rowCount(); ++r) {
            QCOMPARE(cell(r, 0, DeliveryListModel::WebhookIdRole), orders);
            QCOMPARE(cell(r, DeliveryListModel::WebhookColumn), QStringLiteral("orders"));
            QCOMPARE(cell(r, DeliveryListModel::StatusColumn).toLower(), QStringLiteral("failed"));
        }
        QCOMPARE(cell(0, 0, DeliveryListModel::IdRole),
                 scalar(QStringLiteral("SELECT id FROM deliveries WHERE status = 'failed' AND webhook_id = ?"
                                       " ORDER BY received_at DESC, id DESC LIMIT 1"),
                        {orders}));
        m_view->table()->scrollToBottom();
        QTRY_VERIFY(model()->rowCount() > DeliveryListModel::PageSize);
        verifyOrderedAndUnique();
        // Un-toggling Failed keeps the webhook.
        QTest::mouseClick(m_view->filterBar()->failedButton(), Qt::LeftButton);
        QVERIFY(!m_view->filterBar()->failedButton()->isChecked());
        QCOMPARE(cell(0, 0, DeliveryListModel::WebhookIdRole), orders);
        QVERIFY(model()->rowCount() < 2000);
        resetFilters();
    }

    void providerFilterMergesItsWebhooks()
    {
        QComboBox* providers = m_view->filterBar()->providerCombo();
        providers->setCurrentIndex(providers->findData(QStringLiteral("github")));
        QCOMPARE(localLog().query().driver(), DeliveryQuery::Driver::Webhooks);
        QSet<QString> hooks;
        for (int r = 0; r < model()->rowCount(); ++r) {
            QCOMPARE(cell(r, DeliveryListModel::ProviderColumn), QStringLiteral("GitHub"));
            hooks.insert(cell(r, 0, DeliveryListModel::WebhookIdRole));
        }
        QCOMPARE(hooks, (QSet<QString>{m_log.webhookIds.at(0), m_log.webhookIds.at(3)}));
        verifyOrderedAndUnique();
        resetFilters();
    }

    void timeRangeAndTextFilters()
    {
        QComboBox* time = m_view->filterBar()->timeCombo();
        time->setCurrentIndex(1); // last hour
        QVERIFY(model()->rowCount() > 0);
        m_view->table()->scrollToBottom();
        QTRY_VERIFY(model()->rowCount() > DeliveryListModel::PageSize);
        for (int r = 0; r < model()->rowCount(); ++r)
            QVERIFY(model()->rowAt(r)->receivedAtMs >= m_clock.nowMs() - 3'600'000);
        resetFilters();

        // Part of an event type, searched within a bounded window (no index covers it), as the tooltip says.
        m_view->filterBar()->setText(QStringLiteral("ISSUES"));
        QCOMPARE(m_view->filterBar()->searchEdit()->filterState(), QStringLiteral("valid"));
        QVERIFY(model()->searchWindowed());
        QVERIFY(m_view->filterBar()->searchEdit()->toolTip().contains(QStringLiteral("newest")));
        QVERIFY(model()->rowCount() > 0);
        for (int r = 0; r < model()->rowCount(); ++r)
            QCOMPARE(cell(r, DeliveryListModel::EventColumn), QStringLiteral("issues.opened"));

        // A delivery id prefix, typed in lower case, finds that delivery through the id index.
        const QString id = scalar(QStringLiteral("SELECT id FROM deliveries ORDER BY received_at LIMIT 1 OFFSET 1234"));
        m_view->filterBar()->setText(id.left(20).toLower());
        QCOMPARE(localLog().query().driver(), DeliveryQuery::Driver::Id);
        QVERIFY(model()->rowOf(id) >= 0);
        m_view->filterBar()->setText(id);
        QCOMPARE(model()->rowCount(), 1);
        QCOMPARE(cell(0, 0, DeliveryListModel::IdRole), id);

        // Text that cannot be an id says so through the field's state, and the list explains.
        m_view->filterBar()->setText(QStringLiteral("dlv_01!"));
        QCOMPARE(m_view->filterBar()->searchEdit()->filterState(), QStringLiteral("invalid"));
        QCOMPARE(model()->rowCount(), 0);
        QVERIFY(m_view->isShowingEmptyState());
        QVERIFY(m_view->emptyMessage().contains(QStringLiteral("not a valid id")));
        resetFilters();
        QCOMPARE(m_view->filterBar()->searchEdit()->filterState(), QStringLiteral("empty"));
    }

    void filterMatchingNothingOffersClearFilters()
    {
        m_view->filterBar()->setText(QStringLiteral("no.such.event"));
        QCOMPARE(model()->rowCount(), 0);
        QVERIFY(m_view->isShowingEmptyState());
        QVERIFY(m_view->emptyMessage().contains(QStringLiteral("No deliveries match")));
        auto* clear = m_view->findChild<QPushButton*>(QStringLiteral("emptyClearFilters"));
        QVERIFY(clear && clear->isVisible());
        QTest::mouseClick(clear, Qt::LeftButton);
        QVERIFY(!m_view->isShowingEmptyState());
        QVERIFY(model()->rowCount() > 0);
        QVERIFY(m_view->filterBar()->searchEdit()->text().isEmpty());
    }
};

QTEST_MAIN(TestDeliveriesLarge)
#include "tst_deliveries_large.moc"
