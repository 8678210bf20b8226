#include "AgentStore.h"
#include "ConsoleStartup.h"
#include "Engine.h"
#include "MainWindow.h"
#include "ManualClock.h"
#include "Settings.h"
#include "SettingsDialog.h"
#include "Signature.h"
#include "TestEngine.h"
#include "WebhookStore.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Alfe;

namespace {
// Runs `work` on the next modal dialog as soon as it is shown (the caller then triggers what opens it).
void onNextModal(std::function<void(QDialog*)> work)
{
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, work] {
        auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        timer->stop();
        timer->deleteLater();
        work(dialog);
    });
    timer->start();
}

bool anyWidgetShows(const QByteArray& secret)
{
    const QString text = QString::fromLatin1(secret);
    for (QWidget* w : QApplication::allWidgets()) {
        if (auto* edit = qobject_cast<QLineEdit*>(w); edit && edit->text().contains(text))
            return true;
        if (auto* label = qobject_cast<QLabel*>(w); label && label->text().contains(text))
            return true;
        if (auto* plain = qobject_cast<QPlainTextEdit*>(w); plain && plain->toPlainText().contains(text))
            return true;
    }
    return false;
}

bool verifies(Engine& engine, const QString& webhookId, const QByteArray& secret)
{
    const QByteArray body = "{\"hello\":\"console\"}";
    auto secrets = engine.webhooks().validSecrets(webhookId);
    return secrets && Signature::verify(Signature::sign(secret, body), body, secrets.value());
}

QAction* action(MainWindow& window, const char* name) { return window.findChild<QAction*>(QString::fromLatin1(name)); }

// Copies the secret (so closing asks nothing) and closes the secret dialog; returns the secret shown.
QByteArray takeSecretAndClose(QDialog* dialog)
{
    auto* edit = dialog->findChild<QLineEdit*>(QStringLiteral("secretEdit"));
    const QByteArray secret = edit ? edit->text().toLatin1() : QByteArray();
    if (auto* copy = dialog->findChild<QPushButton*>(QStringLiteral("copySecretButton")))
        QTest::mouseClick(copy, Qt::LeftButton);
    if (auto* close = dialog->findChild<QPushButton*>(QStringLiteral("closeButton")))
        QTest::mouseClick(close, Qt::LeftButton);
    return secret;
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
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
            QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("agentNameEdit")), QStringLiteral("triage bot"));
            auto* provider = dialog->findChild<QComboBox*>(QStringLiteral("providerCombo"));
            provider->setCurrentIndex(provider->findData(QStringLiteral("github")));
            QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("descriptionEdit")), QStringLiteral("repo events"));
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
        onNextModal([](QDialog* box) {
            for (auto* button : box->findChildren<QPushButton*>()) {
                if (button->text().remove(QLatin1Char('&')) == QLatin1String("Yes"))
                    QTest::mouseClick(button, Qt::LeftButton);
            }
        });
        action(window, "deleteAction")->trigger();
        QVERIFY(!engine->webhooks().get(id));
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
