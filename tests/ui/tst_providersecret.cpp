#include "Engine.h"
#include "ManualClock.h"
#include "ModalDialogs.h"
#include "TestEngine.h"
#include "backend/LocalBackend.h"
#include "common/Translations.h"
#include "crypto/Secrets.h"
#include "main/MainWindow.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"
#include "webhooks/ProviderSecretDialog.h"
#include "webhooks/WebhookDetailsPane.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

using namespace Alfe;
using Alfe::Test::anyWidgetShows;
using Alfe::Test::child;
using Alfe::Test::clickButton;
using Alfe::Test::onNextModal;
using Alfe::Test::takeSecretAndClose;

namespace {
// What a Stripe endpoint's "Signing secret" looks like, and a Stripe API key pasted by mistake.
const QByteArray StripeSecret = "whsec_2kq9Xa7Lm3Pz8Rt6Vb1Nc4Dw5Fy0Gh";
const QByteArray StripeApiKey = "sk_test_51Hx9aQk2eZvKYlo2C0aBcDeFgHiJ";

QAction* action(MainWindow& window, const char* name)
{
    return child<QAction>(&window, name);
}

void type(QWidget* dialog, const QByteArray& text)
{
    auto* edit = child<QLineEdit>(dialog, "providerSecretEdit");
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, QString::fromLatin1(text));
}

QList<QByteArray> providerSecrets(Engine& engine, const QString& webhookId)
{
    auto secrets = engine.webhooks().validProviderSecrets(webhookId);
    return secrets ? secrets.value() : QList<QByteArray>();
}

QString detailsText(MainWindow& window)
{
    return child<QLabel>(&window, "providerSecretField")->text();
}
} // namespace

// Importing a provider's signing secret: the dialog (validation as typed, the Show toggle, grace and tolerance),
// the Webhook menu's actions and the selected webhook's details, and the optional field of the new-webhook
// dialog. A real engine on a temporary data directory; no keychain (a key file).
class TestProviderSecret : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        Translations::install();
    }

    // A Stripe API key pasted instead of the signing secret is named as such, as it is typed, and Import stays
    // disabled; a whsec_ secret enables it.
    void dialogRefusesAStripeApiKey()
    {
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        const Webhook webhook = engine->webhooks().create(agent, Provider::Stripe)->webhook;
        LocalBackend dialogBackend(*engine);
        ProviderSecretDialog dialog(dialogBackend, webhook);
        dialog.show();
        auto* import = child<QPushButton>(&dialog, "importButton");
        auto* problem = child<QLabel>(&dialog, "providerSecretProblem");
        QVERIFY(!import->isEnabled()); // nothing typed yet
        QVERIFY(problem->isHidden());
        QVERIFY(child<QLabel>(&dialog, "providerSecretHint")->text().contains(QLatin1String("Signing secret")));
        QVERIFY(!dialog.findChild<QComboBox*>(QStringLiteral("graceCombo"))); // nothing to replace

        type(&dialog, StripeApiKey);
        QVERIFY(!import->isEnabled());
        QVERIFY(problem->isVisible());
        QVERIFY2(problem->text().contains(QLatin1String("That is a Stripe API key")), qPrintable(problem->text()));
        dialog.accept(); // Enter does nothing either
        QVERIFY(dialog.isVisible());
        QCOMPARE(engine->webhooks().get(webhook.id)->providerSecretVersion, 0);

        type(&dialog, StripeSecret);
        QVERIFY(import->isEnabled());
        QVERIFY(problem->isHidden());
        // Masked until Show is ticked.
        auto* edit = child<QLineEdit>(&dialog, "providerSecretEdit");
        QCOMPARE(edit->echoMode(), QLineEdit::Password);
        QTest::mouseClick(child<QCheckBox>(&dialog, "showProviderSecret"), Qt::LeftButton, {}, QPoint(4, 4));
        QCOMPARE(edit->echoMode(), QLineEdit::Normal);
        dialog.reject();
    }

    // Each provider's own mistakes: a Slack bot token, a generic secret that is not Standard Webhooks base64.
    void dialogValidatesPerProvider_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QString>("problem"); // empty: acceptable
        QTest::newRow("slack token") << QStringLiteral("slack") << QByteArray("xoxb-1234567890-abcdefghij")
                                     << QStringLiteral("Slack token");
        QTest::newRow("slack secret") << QStringLiteral("slack") << QByteArray("8f742231b10e8888abcd99yyyzzz85a5")
                                      << QString();
        QTest::newRow("generic not base64")
            << QStringLiteral("generic") << QByteArray("whsec_not*base64!") << QStringLiteral("Standard Webhooks");
        QTest::newRow("generic whsec") << QStringLiteral("generic")
                                       << QByteArray("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") << QString();
        QTest::newRow("too short") << QStringLiteral("github") << QByteArray("abc") << QStringLiteral("8 to 512");
        QTest::newRow("github secret") << QStringLiteral("github") << QByteArray("my-own-github-secret") << QString();
    }
    void dialogValidatesPerProvider()
    {
        QFETCH(QString, provider);
        QFETCH(QByteArray, secret);
        QFETCH(QString, problem);
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        LocalBackend dialogBackend(*engine);
        ProviderSecretDialog dialog(dialogBackend,
                                    engine->webhooks().create(agent, *providerFromName(provider))->webhook);
        dialog.show();
        type(&dialog, secret);
        auto* shown = child<QLabel>(&dialog, "providerSecretProblem");
        QCOMPARE(child<QPushButton>(&dialog, "importButton")->isEnabled(), problem.isEmpty());
        QCOMPARE(shown->isVisible(), !problem.isEmpty());
        QVERIFY2(shown->text().contains(problem), qPrintable(shown->text()));
    }

    // Webhook → Import provider secret… on the selected webhook: the secret is sealed as version 1, the tolerance
    // saved, the details say "Imported", and nothing on screen shows the secret afterwards. A second import keeps
    // the first for the grace period chosen, and the details say until when. The tolerance changes alone when the
    // field is left empty. Clear asks first.
    void importReplaceAndClearThroughTheWindow()
    {
        Test::ManualClock clock;
        Test::TestEngine engine(clock);
        const QString agent = engine->agents().create(QStringLiteral("bot"))->agent.id;
        const QString id = engine->webhooks().create(agent, Provider::Stripe)->webhook.id;
        MainWindow window(*engine);
        window.show();
        window.showReady();
        window.selectWebhook(id);
        QCOMPARE(detailsText(window), QStringLiteral("Not imported"));
        QCOMPARE(child<QLabel>(&window, "toleranceField")->text(), QStringLiteral("300 s"));
        QVERIFY(action(window, "importProviderSecretAction")->isEnabled());
        QVERIFY(!action(window, "clearProviderSecretAction")->isEnabled()); // nothing to clear

        bool answered = false;
        onNextModal([&](QDialog* dialog) {
            type(dialog, StripeSecret);
            child<QSpinBox>(dialog, "toleranceSpin")->setValue(600);
            QTest::mouseClick(child<QPushButton>(dialog, "importButton"), Qt::LeftButton);
            answered = true;
        });
        action(window, "importProviderSecretAction")->trigger();
        QVERIFY(answered);
        auto webhook = engine->webhooks().get(id);
        QCOMPARE(webhook->providerSecretVersion, 1);
        QCOMPARE(webhook->toleranceSeconds, 600);
        QCOMPARE(providerSecrets(*engine, id), QList<QByteArray>{StripeSecret});
        QCOMPARE(detailsText(window), QStringLiteral("Imported"));
        QCOMPARE(child<QLabel>(&window, "toleranceField")->text(), QStringLiteral("600 s"));
        QVERIFY(action(window, "clearProviderSecretAction")->isEnabled());
        QVERIFY(!anyWidgetShows(StripeSecret));

        // Replacing: the first one keeps working for the hour chosen.
        const QByteArray second = "whsec_7Yh3Jk9Lp2Qw5Er8Ty1Ui4Op6As0Df";
        onNextModal([&](QDialog* dialog) {
            QCOMPARE(child<QPushButton>(dialog, "importButton")->text(), QStringLiteral("Save"));
            auto* grace = child<QComboBox>(dialog, "graceCombo");
            grace->setCurrentIndex(grace->findData(3600));
            QCOMPARE(child<QSpinBox>(dialog, "toleranceSpin")->value(), 600);
            type(dialog, second);
            QCOMPARE(child<QPushButton>(dialog, "importButton")->text(), QStringLiteral("Replace"));
            QTest::mouseClick(child<QPushButton>(dialog, "importButton"), Qt::LeftButton);
        });
        action(window, "importProviderSecretAction")->trigger();
        webhook = engine->webhooks().get(id);
        QCOMPARE(webhook->providerSecretVersion, 2);
        QCOMPARE(providerSecrets(*engine, id), (QList<QByteArray>{second, StripeSecret}));
        QCOMPARE(webhook->previousProviderSecretExpiresAtMs.value_or(0), clock.nowMs() + 3600 * 1000);
        QCOMPARE(detailsText(window), QStringLiteral("Imported \u00b7 previous one valid until %1")
                                          .arg(WebhookDetailsPane::localTime(clock.nowMs() + 3600 * 1000)));
        QVERIFY(!anyWidgetShows(second));

        // The tolerance alone: the field left empty keeps the imported secrets.
        onNextModal([&](QDialog* dialog) {
            auto* save = child<QPushButton>(dialog, "importButton");
            QCOMPARE(save->text(), QStringLiteral("Save"));
            QVERIFY(!save->isEnabled()); // nothing changed yet
            child<QSpinBox>(dialog, "toleranceSpin")->setValue(120);
            QVERIFY(save->isEnabled());
            QTest::mouseClick(save, Qt::LeftButton);
        });
        action(window, "importProviderSecretAction")->trigger();
        webhook = engine->webhooks().get(id);
        QCOMPARE(webhook->toleranceSeconds, 120);
        QCOMPARE(webhook->providerSecretVersion, 2);
        QCOMPARE(providerSecrets(*engine, id), (QList<QByteArray>{second, StripeSecret}));
        QCOMPARE(child<QLabel>(&window, "toleranceField")->text(), QStringLiteral("120 s"));

        // Clear: Cancel keeps them, Yes removes every version at once.
        onNextModal([](QDialog* box) { QVERIFY(clickButton(box, QStringLiteral("Cancel"))); });
        action(window, "clearProviderSecretAction")->trigger();
        QCOMPARE(engine->webhooks().get(id)->providerSecretVersion, 2);
        onNextModal([](QDialog* box) {
            QVERIFY(box->findChild<QLabel*>(QStringLiteral("qt_msgbox_label"))
                        ->text()
                        .contains(QLatin1String("Clear the provider secret")));
            QVERIFY(clickButton(box, QStringLiteral("Yes")));
        });
        action(window, "clearProviderSecretAction")->trigger();
        QCOMPARE(engine->webhooks().get(id)->providerSecretVersion, 0);
        QVERIFY(providerSecrets(*engine, id).isEmpty());
        QCOMPARE(detailsText(window), QStringLiteral("Not imported"));
        QVERIFY(!action(window, "clearProviderSecretAction")->isEnabled());
    }

    // The new-webhook dialog takes the provider's secret too, checked for the provider chosen; the webhook is
    // created with it imported, and its own secret is still shown once.
    void newWebhookImportsTheProviderSecret()
    {
        Test::TestEngine engine;
        engine->agents().create(QStringLiteral("billing"));
        MainWindow window(*engine);
        window.show();
        window.showReady();
        QByteArray shown;
        QString note;
        onNextModal([&](QDialog* dialog) {
            child<QComboBox>(dialog, "agentCombo")->setCurrentIndex(0); // billing
            auto* provider = child<QComboBox>(dialog, "providerCombo");
            auto* create = child<QPushButton>(dialog, "createButton");
            QVERIFY(create->isEnabled()); // the secret is optional
            provider->setCurrentIndex(provider->findData(QStringLiteral("stripe")));
            type(dialog, StripeApiKey);
            QVERIFY(!create->isEnabled());
            QVERIFY(child<QLabel>(dialog, "providerSecretProblem")->text().contains(QLatin1String("API key")));
            type(dialog, StripeSecret);
            QVERIFY(create->isEnabled());
            // Checked again for another provider: a Stripe secret is one word, fine for Slack as well.
            provider->setCurrentIndex(provider->findData(QStringLiteral("slack")));
            QVERIFY(create->isEnabled());
            provider->setCurrentIndex(provider->findData(QStringLiteral("stripe")));
            onNextModal([&](QDialog* secretDialog) {
                note = child<QLabel>(secretDialog, "noteLabel")->text();
                shown = takeSecretAndClose(secretDialog);
            });
            QTest::mouseClick(create, Qt::LeftButton);
        });
        action(window, "newAction")->trigger();
        QTRY_VERIFY(!shown.isEmpty());
        QVERIFY(shown.startsWith("whsec_"));
        QVERIFY2(note.contains(QLatin1String("was imported")), qPrintable(note));
        const QList<Webhook> hooks = engine->webhooks().list();
        QCOMPARE(hooks.size(), 1);
        QCOMPARE(hooks.first().provider, Provider::Stripe);
        QCOMPARE(hooks.first().providerSecretVersion, 1);
        QCOMPARE(providerSecrets(*engine, hooks.first().id), QList<QByteArray>{StripeSecret});
        QTRY_VERIFY(!QApplication::activeModalWidget());
        QVERIFY(!anyWidgetShows(StripeSecret));
        QCOMPARE(detailsText(window), QStringLiteral("Imported"));
    }

    // Without a provider secret the new webhook is created as before, with nothing imported.
    void newWebhookWithoutProviderSecret()
    {
        Test::TestEngine engine;
        engine->agents().create(QStringLiteral("billing"));
        MainWindow window(*engine);
        window.show();
        window.showReady();
        QString note = QStringLiteral("not shown");
        onNextModal([&](QDialog* dialog) {
            child<QComboBox>(dialog, "agentCombo")->setCurrentIndex(0); // billing
            onNextModal([&](QDialog* secretDialog) {
                auto* label = secretDialog->findChild<QLabel*>(QStringLiteral("noteLabel"));
                note = label ? label->text() : QString();
                takeSecretAndClose(secretDialog);
            });
            QTest::mouseClick(child<QPushButton>(dialog, "createButton"), Qt::LeftButton);
        });
        action(window, "newAction")->trigger();
        QTRY_VERIFY(note != QLatin1String("not shown"));
        QVERIFY(note.isEmpty());
        QCOMPARE(engine->webhooks().list().first().providerSecretVersion, 0);
    }

    // Rendered for the README when ALFE_SCREENSHOT_DIR is set.
    void screenshot()
    {
        const QString dir = qEnvironmentVariable("ALFE_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set ALFE_SCREENSHOT_DIR to render the dialog to provider-secret.png");
        QVERIFY(QDir().mkpath(dir));
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("billing"))->agent.id;
        const QString id = engine->webhooks().create(agent, Provider::Stripe)->webhook.id;
        QVERIFY(engine->webhooks().setProviderSecret(id, StripeSecret));
        LocalBackend dialogBackend(*engine);
        ProviderSecretDialog dialog(dialogBackend, engine->webhooks().get(id).value());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        type(&dialog, StripeApiKey); // the dialog says why Replace is disabled
        QTest::qWait(100);           // the layout takes the problem's lines in
        QVERIFY(dialog.grab().save(QDir(dir).filePath(QStringLiteral("provider-secret.png"))));
        dialog.reject();
    }
};

QTEST_MAIN(TestProviderSecret)
#include "tst_providersecret.moc"
