#include "Engine.h"
#include "ManualClock.h"
#include "ModalDialogs.h"
#include "TestEngine.h"
#include "agents/AgentListModel.h"
#include "common/Translations.h"
#include "crypto/Signature.h"
#include "main/ConsoleStartup.h"
#include "main/MainWindow.h"
#include "main/SettingsDialog.h"
#include "store/AgentStore.h"
#include "store/DeliveryStore.h"
#include "store/Settings.h"
#include "store/WebhookStore.h"
#include "webhooks/SendTestDialog.h"
#include "webhooks/WebhookListModel.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Alfe;
using Alfe::Test::anyWidgetShows;
using Alfe::Test::clickButton;
using Alfe::Test::onNextModal;
using Alfe::Test::takeSecretAndClose;

namespace {
bool verifies(Engine& engine, const QString& webhookId, const QByteArray& secret)
{
    const QByteArray body = "{\"hello\":\"console\"}";
    auto secrets = engine.webhooks().validSecrets(webhookId);
    return secrets && Signature::verify(Signature::sign(secret, body), body, secrets.value());
}

QAction* action(MainWindow& window, const char* name)
{
    return window.findChild<QAction*>(QString::fromLatin1(name));
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { Translations::install(); }

    // Counts read as English does: the console loads the English plural forms of every "%n …" string.
    void countsUsePluralForms()
    {
        const char* context = "Alfe::AgentListModel";
        QCOMPARE(QCoreApplication::translate(context, "%n deliveries waiting.", nullptr, 1),
                 QStringLiteral("1 delivery waiting."));
        QCOMPARE(QCoreApplication::translate(context, "%n deliveries waiting.", nullptr, 2),
                 QStringLiteral("2 deliveries waiting."));
        QCOMPARE(QCoreApplication::translate(context, "%n agents", nullptr, 1), QStringLiteral("1 agent"));
        QCOMPARE(QCoreApplication::translate("Alfe::DeliveriesView", "%Ln deliveries", nullptr, 1),
                 QStringLiteral("1 delivery"));
    }

    void createWebhookByClickingAndTyping()
    {
        Test::TestEngine engine;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        QVERIFY(window.findChild<QPushButton*>(QStringLiteral("emptyStateButton"))->isVisible());

        QByteArray shown;
        onNextModal([&](QDialog* dialog) {
            // The new-webhook dialog: "New agent…" is preselected when there are no agents.
            QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("agentNameEdit")),
                             QStringLiteral("triage bot"));
            auto* provider = dialog->findChild<QComboBox*>(QStringLiteral("providerCombo"));
            provider->setCurrentIndex(provider->findData(QStringLiteral("github")));
            QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("descriptionEdit")),
                             QStringLiteral("repo events"));
            onNextModal([&](QDialog* secretDialog) { shown = takeSecretAndClose(secretDialog); });
            QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("createButton")), Qt::LeftButton);
        });
        action(window, "newAction")->trigger();

        QTRY_VERIFY(!shown.isEmpty());
        const QList<Webhook> hooks = engine->webhooks().list();
        QCOMPARE(hooks.size(), 1);
        QCOMPARE(hooks.first().provider, Provider::GitHub);
        QCOMPARE(hooks.first().description, QStringLiteral("repo events"));
        QCOMPARE(engine->agents().list().first().name, QStringLiteral("triage bot"));
        QVERIFY(shown.startsWith("whsec_"));
        QVERIFY(verifies(*engine, hooks.first().id, shown));
        QTRY_VERIFY(!QApplication::activeModalWidget());
        QVERIFY(!anyWidgetShows(shown)); // nothing shows it again
        QCOMPARE(window.selectedWebhookId(), hooks.first().id);
    }

    void rotateThroughTheUi()
    {
        Test::ManualClock clock;
        Test::TestEngine engine(clock);
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        auto created = engine->webhooks().create(agent);
        const QByteArray oldSecret = created->secret;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        window.selectWebhook(created->webhook.id);
        QCOMPARE(window.selectedWebhookId(), created->webhook.id);

        QByteArray newSecret;
        onNextModal([&](QDialog* dialog) {
            auto* grace = dialog->findChild<QComboBox*>(QStringLiteral("graceCombo"));
            grace->setCurrentIndex(grace->findData(3600));
            onNextModal([&](QDialog* secretDialog) { newSecret = takeSecretAndClose(secretDialog); });
            QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("rotateButton")), Qt::LeftButton);
        });
        action(window, "rotateAction")->trigger();
        QTRY_VERIFY(!newSecret.isEmpty());
        QVERIFY(newSecret != oldSecret);
        QVERIFY(verifies(*engine, created->webhook.id, newSecret));
        QVERIFY(verifies(*engine, created->webhook.id, oldSecret));
        clock.advanceSeconds(3601);
        QVERIFY(!verifies(*engine, created->webhook.id, oldSecret));
        QVERIFY(verifies(*engine, created->webhook.id, newSecret));
        QTRY_VERIFY(!QApplication::activeModalWidget());
        QVERIFY(!anyWidgetShows(newSecret));
    }

    void disableAndDeleteAreConfirmedActions()
    {
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        const QString id = engine->webhooks().create(agent)->webhook.id;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        window.selectWebhook(id);
        action(window, "toggleAction")->trigger();
        QVERIFY(!engine->webhooks().get(id)->enabled);
        QCOMPARE(action(window, "toggleAction")->text(), QStringLiteral("&Enable"));
        action(window, "toggleAction")->trigger();
        QVERIFY(engine->webhooks().get(id)->enabled);

        // Delete asks first: Cancel keeps it, Yes deletes it.
        onNextModal([](QDialog* box) { QTest::keyClick(box, Qt::Key_Escape); });
        action(window, "deleteAction")->trigger();
        QVERIFY(engine->webhooks().get(id));
        onNextModal([](QDialog* box) { clickButton(box, QStringLiteral("Yes")); });
        action(window, "deleteAction")->trigger();
        QVERIFY(!engine->webhooks().get(id));
    }

    // The webhook actions act on the selection of the Webhooks tab: on the other tabs it is out of sight, so
    // Del and Ctrl+E there must do nothing to it.
    void webhookActionsFollowTheTab()
    {
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        const QString id = engine->webhooks().create(agent)->webhook.id;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        window.selectWebhook(id);
        const char* names[] = {"rotateAction",   "toggleAction",  "deleteAction",
                               "sendTestAction", "copyUrlAction", "importProviderSecretAction"};
        for (const char* name : names)
            QVERIFY2(action(window, name)->isEnabled(), name);

        for (int tab : {int(MainWindow::DeliveriesTab), int(MainWindow::RefusedTab)}) {
            window.tabs()->setCurrentIndex(tab);
            for (const char* name : names)
                QVERIFY2(!action(window, name)->isEnabled(), name);
            QVERIFY(action(window, "newAction")->isEnabled());
            // Were Delete still live, its question would come up: answer Yes, so the test sees the damage.
            QTimer answerYes;
            answerYes.setInterval(20);
            connect(&answerYes, &QTimer::timeout, &answerYes, [] {
                if (auto* box = qobject_cast<QDialog*>(QApplication::activeModalWidget()))
                    clickButton(box, QStringLiteral("Yes"));
            });
            answerYes.start();
            QTest::keyClick(&window, Qt::Key_Delete);
            QTest::keyClick(&window, Qt::Key_E, Qt::ControlModifier);
            answerYes.stop();
            QVERIFY(engine->webhooks().get(id));
            QVERIFY(engine->webhooks().get(id)->enabled);
        }

        window.tabs()->setCurrentIndex(MainWindow::WebhooksTab);
        for (const char* name : names)
            QVERIFY2(action(window, name)->isEnabled(), name);
        QCOMPARE(window.selectedWebhookId(), id);
        QTest::keyClick(&window, Qt::Key_E, Qt::ControlModifier); // the shortcut works where it should
        QVERIFY(!engine->webhooks().get(id)->enabled);
    }

    // What the Deliveries tab reports (copied, retried, exported...) reaches the window's status bar.
    void deliveriesMessagesReachTheStatusBar()
    {
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        const QString webhook = engine->webhooks().create(agent)->webhook.id;
        IncomingDelivery in;
        in.webhookId = webhook;
        in.contentType = QStringLiteral("application/json");
        in.body = "{\"hello\":1}";
        const QString delivery = engine->deliveries().insert(in)->deliveryId;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        window.tabs()->setCurrentIndex(MainWindow::DeliveriesTab);
        auto* table = window.findChild<QTableView*>(QStringLiteral("deliveriesTable"));
        QTRY_COMPARE(table->model()->rowCount(), 1);
        table->selectRow(0);
        auto* copyCurl = window.findChild<QPushButton*>(QStringLiteral("copyCurl"));
        QTRY_VERIFY(copyCurl->isEnabled());
        QTest::mouseClick(copyCurl, Qt::LeftButton);
        QVERIFY2(window.statusBar()->currentMessage().contains(delivery),
                 qPrintable(window.statusBar()->currentMessage()));
    }

    // The empty Deliveries tab leads a newcomer to a first delivery: "Send a test event…" opens the dialog
    // for a webhook, on the Webhooks tab.
    void emptyDeliveriesOfferATestEvent()
    {
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        const QString webhook = engine->webhooks().create(agent)->webhook.id;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        window.tabs()->setCurrentIndex(MainWindow::DeliveriesTab);
        auto* sendTest = window.findChild<QPushButton*>(QStringLiteral("emptySendTest"));
        QTRY_VERIFY(sendTest->isVisible());
        QTest::mouseClick(sendTest, Qt::LeftButton);
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::WebhooksTab));
        QCOMPARE(window.selectedWebhookId(), webhook);
        SendTestDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = window.findChild<SendTestDialog*>()) && dialog->isVisible());
        dialog->reject();
    }

    // The agents list reads each agent's state: a status, its backlog and where it forwards, also as one
    // sentence for screen readers.
    void agentsListShowsStatusBacklogAndForwardUrl()
    {
        Test::TestEngine engine;
        const QString agent =
            engine->agents().create(QStringLiteral("triage bot"), QStringLiteral("http://127.0.0.1:9/hooks"))->agent.id;
        engine->agents().create(QStringLiteral("billing"));
        const QString webhook = engine->webhooks().create(agent)->webhook.id;
        for (int i = 0; i < 3; ++i) {
            IncomingDelivery in;
            in.webhookId = webhook;
            in.contentType = QStringLiteral("application/json");
            in.body = "{\"n\":" + QByteArray::number(i) + "}";
            QVERIFY(engine->deliveries().insert(in));
        }
        MainWindow window(*engine);
        window.show();
        window.showReady();
        auto* list = window.findChild<QListView*>(QStringLiteral("agentList"));
        QAbstractItemModel* model = list->model();
        QCOMPARE(model->rowCount(), 3);
        QCOMPARE(model->index(0, 0).data().toString(), QStringLiteral("All agents"));
        int row = -1;
        for (int r = 1; r < model->rowCount(); ++r) {
            if (model->index(r, 0).data(AgentListModel::AgentIdRole).toString() == agent)
                row = r;
        }
        QVERIFY(row > 0);
        const QModelIndex index = model->index(row, 0);
        QCOMPARE(index.data().toString(), QStringLiteral("triage bot"));
        QCOMPARE(index.data(AgentListModel::BacklogRole).toInt(), 3);
        QCOMPARE(index.data(AgentListModel::ForwardUrlRole).toString(), QStringLiteral("http://127.0.0.1:9/hooks"));
        QCOMPARE(index.data(AgentListModel::DetailRole).toString(),
                 QStringLiteral("Online \u00b7 3 waiting \u00b7 to 127.0.0.1:9/hooks"));
        QVERIFY(!index.data(Qt::DecorationRole).value<QIcon>().isNull());
        const QString spoken = index.data(Qt::AccessibleTextRole).toString();
        QVERIFY2(spoken.contains(QLatin1String("triage bot")) && spoken.contains(QLatin1String("Online")) &&
                     spoken.contains(QLatin1String("3 deliveries waiting")) &&
                     spoken.contains(QLatin1String("http://127.0.0.1:9/hooks")),
                 qPrintable(spoken));
        QCOMPARE(model->index(0, 0).data(AgentListModel::DetailRole).toString(),
                 QStringLiteral("2 agents \u00b7 3 waiting"));
        // The status bar sums up the same rows.
        QCOMPARE(window.findChild<QLabel*>(QStringLiteral("agentsLabel"))->text(),
                 QStringLiteral("Agents: 1 online, 1 offline or paused"));
        QCOMPARE(window.findChild<QLabel*>(QStringLiteral("queueLabel"))->text(), QStringLiteral("Queued: 3"));
        // The agent without a forward URL says its deliveries are only stored.
        const QModelIndex other = model->index(row == 1 ? 2 : 1, 0);
        QCOMPARE(other.data(AgentListModel::DetailRole).toString(), QStringLiteral("Offline \u00b7 stores only"));
        QVERIFY(other.data(Qt::AccessibleTextRole).toString().contains(QLatin1String("only stored")));
        // Picking an agent narrows the webhook table to its webhooks; the other agent has none.
        list->setCurrentIndex(index);
        QAbstractItemModel* webhooks = window.findChild<QTableView*>(QStringLiteral("webhookTable"))->model();
        QCOMPARE(webhooks->rowCount(), 1);
        // ...with what a user scans for: deliveries in the last 24 h, and when the last one came.
        QCOMPARE(webhooks->index(0, WebhookListModel::Last24hColumn).data().toInt(), 3);
        QCOMPARE(webhooks->index(0, WebhookListModel::FailuresColumn).data().toInt(), 0);
        QVERIFY(webhooks->index(0, WebhookListModel::LastDeliveryColumn).data().toString() != QLatin1String("never"));
        list->setCurrentIndex(model->index(0, 0)); // all agents: the same numbers
        QCOMPARE(webhooks->index(0, WebhookListModel::Last24hColumn).data().toInt(), 3);
        list->setCurrentIndex(model->index(row == 1 ? 2 : 1, 0));
        QCOMPARE(window.findChild<QTableView*>(QStringLiteral("webhookTable"))->model()->rowCount(), 0);
    }

    // A delivery that failed after its last retry is announced: a desktop notification where the desktop
    // has a tray, and always in the status bar.
    void failedDeliveryIsAnnounced()
    {
        Test::TestEngine engine;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        emit engine->deliveryFailed(QStringLiteral("dlv_01J9Z8Q0000000000000000000"));
        QVERIFY2(window.statusBar()->currentMessage().contains(QLatin1String("dlv_01J9Z8Q0000000000000000000")),
                 qPrintable(window.statusBar()->currentMessage()));
        QVERIFY(window.statusBar()->currentMessage().contains(QLatin1String("failed")));
    }

    void settingsAreValidatedAndSaved()
    {
        Test::TestEngine engine;
        Settings& settings = engine->settings();
        SettingsDialog dialog(settings);
        auto* schedule = dialog.findChild<QLineEdit*>(QStringLiteral("scheduleEdit"));
        auto* port = dialog.findChild<QSpinBox*>(QStringLiteral("portSpin"));
        auto* error = dialog.findChild<QLabel*>(QStringLiteral("errorLabel"));
        QCOMPARE(schedule->text(), QStringLiteral("0s,5s,5m,30m,2h,5h,10h,10h"));
        schedule->setText(QStringLiteral("0s,5 minutes"));
        port->setValue(9090);
        dialog.accept();
        QVERIFY(dialog.isVisible() || dialog.result() != QDialog::Accepted);
        QVERIFY2(error->text().contains(QLatin1String("s, m, h or d")), qPrintable(error->text()));
        QCOMPARE(settings.get(Settings::Key::Port).toInt(), 8787); // nothing saved from a bad form
        schedule->setText(QStringLiteral("0s, 10s, 1h"));
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(settings.get(Settings::Key::Port).toInt(), 9090);
        QCOMPARE(settings.get(Settings::Key::RetrySchedule).toString(), QStringLiteral("0s,10s,1h"));
        QVERIFY(Test::readFile(settings.filePath()).contains("9090"));
    }

    // Run as its own CTest entry with a session bus that answers nothing.
    // A setting that is not valid stops the console's ingress and delivery just as it stops `alfe serve`,
    // and the status bar says which setting and why, instead of running on a default nobody chose.
    void invalidSettingStopsTheIngressAndSaysWhy()
    {
        QTemporaryDir dir;
        const QString dataDir = dir.filePath(QStringLiteral("data"));
        QVERIFY(QDir().mkpath(dataDir));
        {
            Settings settings(dataDir);
            settings.set(Settings::Key::RetrySchedule, QStringLiteral("5s, soon"));
            settings.sync();
        }
        Engine engine({dataDir, dir.filePath(QStringLiteral("master.key"))});
        MainWindow window(engine);
        ConsoleStartup startup(engine, window);
        QSignalSpy ready(&startup, &ConsoleStartup::ready);
        startup.setIngressOverrides(QStringLiteral("127.0.0.1"), 0);
        startup.start();
        QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, 15000);
        QVERIFY(engine.isUnlocked());
        QVERIFY(engine.ingressUrl().isEmpty());
        QVERIFY(!engine.deliveryScheduler());
        window.show();
        const QString status = window.findChild<QLabel*>(QStringLiteral("ingressLabel"))->text();
        QVERIFY2(status.contains(QLatin1String("Ingress not running")) &&
                     status.contains(QLatin1String("delivery/retrySchedule")),
                 qPrintable(status));
        engine.close();
    }

    void noKeychainOffersAKeyFile()
    {
        if (!qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").contains(QLatin1String("alfe-no-such-bus")))
            QSKIP("runs as tst_mainwindow_no_keychain");
        QTemporaryDir dir;
        const QString dataDir = dir.filePath(QStringLiteral("data"));
        Engine engine({dataDir, {}});
        MainWindow window(engine);
        ConsoleStartup startup(engine, window);
        QString offeredProblem;
        QString offeredPath;
        startup.setOfferKeyFile([&](const QString& problem, const QString& path) {
            offeredProblem = problem;
            offeredPath = path;
            return true;
        });
        QSignalSpy ready(&startup, &ConsoleStartup::ready);
        startup.setIngressOverrides(QStringLiteral("127.0.0.1"), 0);
        startup.start();
        QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, 15000);
        QVERIFY2(offeredProblem.contains(QLatin1String("keychain")), qPrintable(offeredProblem));
        QCOMPARE(offeredPath, QDir(dir.path()).filePath(QStringLiteral("alfe-master.key")));
        QVERIFY(QFile::exists(offeredPath));
        QCOMPARE(QFile::permissions(offeredPath) & QFileDevice::Permissions::fromInt(0x7077),
                 QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QVERIFY(engine.isUnlocked());
        QVERIFY(!engine.ingressUrl().isEmpty());
        engine.close();
    }

    void noKeychainAndNoKeyFileExplains()
    {
        if (!qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").contains(QLatin1String("alfe-no-such-bus")))
            QSKIP("runs as tst_mainwindow_no_keychain");
        QTemporaryDir dir;
        Engine engine({dir.filePath(QStringLiteral("data")), {}});
        MainWindow window(engine);
        ConsoleStartup startup(engine, window);
        startup.setOfferKeyFile([](const QString&, const QString&) { return false; });
        QSignalSpy failed(&startup, &ConsoleStartup::failed);
        startup.start();
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 15000);
        const QString shown = window.findChild<QLabel*>(QStringLiteral("stateMessage"))->text();
        QVERIFY2(shown.contains(QLatin1String("--key-file")), qPrintable(shown));
        QVERIFY(!QFile::exists(ConsoleStartup::suggestedKeyFile(engine.dataDir())));
        QVERIFY(!engine.isUnlocked());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
