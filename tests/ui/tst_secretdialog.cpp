#include "ModalDialogs.h"
#include "common/MonospaceFont.h"
#include "common/Translations.h"
#include "crypto/Keychain.h"
#include "crypto/Secrets.h"
#include "domain/Random.h"
#include "secrets/SecretClipboard.h"
#include "secrets/SecretDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFontMetricsF>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTextEdit>
#include <QTimer>

#include <memory>

using namespace Alfe;
using Alfe::Test::child;

namespace {
const QString WebhookId = QStringLiteral("whk_01J9ZK3V8Q2W4E6R8T0Y2U4I6O");
const QString Url = QStringLiteral("http://127.0.0.1:8080/hooks/whk_01J9ZK3V8Q2W4E6R8T0Y2U4I6O");

// Every text any widget of the application shows or holds.
QStringList allWidgetTexts()
{
    QStringList texts;
    const QWidgetList widgets = QApplication::allWidgets();
    for (QWidget* widget : widgets) {
        texts << widget->windowTitle() << widget->toolTip() << widget->accessibleName();
        if (auto* edit = qobject_cast<QLineEdit*>(widget))
            texts << edit->text() << edit->placeholderText() << edit->selectedText();
        else if (auto* label = qobject_cast<QLabel*>(widget))
            texts << label->text();
        else if (auto* text = qobject_cast<QTextEdit*>(widget))
            texts << text->toPlainText();
        else if (auto* plain = qobject_cast<QPlainTextEdit*>(widget))
            texts << plain->toPlainText();
        else if (auto* button = qobject_cast<QAbstractButton*>(widget))
            texts << button->text();
    }
    return texts;
}

bool anyWidgetShows(const QByteArray& secret)
{
    const QString text = QString::fromLatin1(secret);
    const QStringList texts = allWidgetTexts();
    for (const QString& shown : texts) {
        if (shown.contains(text))
            return true;
    }
    return false;
}

// Answers the next modal QMessageBox by clicking the button with `buttonName`; records its text.
void answerMessageBox(const char* buttonName, QString* text, int triesLeft = 200)
{
    QTimer::singleShot(10, qApp, [buttonName, text, triesLeft] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) {
            if (triesLeft > 0)
                answerMessageBox(buttonName, text, triesLeft - 1);
            return;
        }
        *text = box->text();
        auto* button = box->findChild<QAbstractButton*>(QString::fromLatin1(buttonName));
        if (button)
            button->click();
        else
            box->reject();
    });
}

void requireSecretService()
{
    if (qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").contains(QLatin1String("alfe-no-such-bus")))
        QSKIP("this run has no Secret Service on purpose");
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        QFAIL("No D-Bus session: run the tests with ./dev test, which starts gnome-keyring in dbus-run-session.");
}
} // namespace

class TestSecretDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        Translations::install();
    }

    void init()
    {
        QGuiApplication::clipboard()->clear();
        m_clipboard = std::make_unique<SecretClipboard>(nullptr);
        m_secret = Secrets::newWebhookSecret();
        m_entry =
            SecretDialog::keychainEntryFor(QStringLiteral("whk_test") + QString::fromLatin1(Random::bytes(6).toHex()));
    }

    void cleanup()
    {
        m_clipboard.reset();
        Secrets::cleanse(m_secret);
    }

    void monospaceFontSkipsAProportionalFamily()
    {
        // The first family asked for draws "i" narrower than "W" on every machine; the helper must not stop there.
        const QFont proportional = MonospaceFont::firstMonospaced({QStringLiteral("sans-serif")});
        if (MonospaceFont::isMonospaced(proportional))
            QSKIP("this machine's sans-serif font is monospaced");
        const QFont picked =
            MonospaceFont::firstMonospaced({QStringLiteral("sans-serif"), MonospaceFont::font().family()});
        QVERIFY(MonospaceFont::isMonospaced(picked));
        QVERIFY(MonospaceFont::isMonospaced(MonospaceFont::font()));
    }

    void showsTheSecretAndTheUrl()
    {
        auto dialog = makeDialog(QStringLiteral("The previous secret stays valid until 14:05."));
        dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        QCOMPARE(dialog->windowTitle(), QStringLiteral("Webhook created"));
        auto* secretEdit = child<QLineEdit>(dialog.get(), "secretEdit");
        auto* urlEdit = child<QLineEdit>(dialog.get(), "urlEdit");
        QCOMPARE(secretEdit->text(), QString::fromLatin1(m_secret));
        QCOMPARE(urlEdit->text(), Url);
        QVERIFY(secretEdit->isReadOnly());
        QVERIFY(urlEdit->isReadOnly());
        // Monospaced as a person sees it, whatever fonts the machine has: a narrow glyph is as wide as a wide one.
        const QFontMetricsF metrics(secretEdit->font());
        QCOMPARE(metrics.horizontalAdvance(QLatin1Char('i')), metrics.horizontalAdvance(QLatin1Char('W')));
        QCOMPARE(metrics.horizontalAdvance(QLatin1Char('l')), metrics.horizontalAdvance(QLatin1Char('0')));
        QCOMPARE(child<QLabel>(dialog.get(), "webhookIdLabel")->text(), WebhookId);
        QCOMPARE(child<QLabel>(dialog.get(), "noteLabel")->text(),
                 QStringLiteral("The previous secret stays valid until 14:05."));
        const QStringList texts = allWidgetTexts();
        QVERIFY(texts.contains(QStringLiteral("This secret will not be shown again. Copy it or save it now.")));
        // The whole secret fits: with the cursor at its end, its first character is still in view.
        for (QLineEdit* edit : {secretEdit, urlEdit}) {
            edit->end(false);
            const QRect inside = edit->contentsRect();
            QCOMPARE(edit->cursorPositionAt(QPoint(inside.left() + 4, inside.center().y())), 0);
        }
        QVERIFY(anyWidgetShows(m_secret));
        dialog->setConfirmClose([] { return true; });
    }

    void copyPutsTheSecretOnTheClipboardWithACountdown()
    {
        m_clipboard->setTimeoutSeconds(2);
        auto dialog = makeDialog();
        dialog->show();
        auto* countdown = child<QLabel>(dialog.get(), "countdownLabel");
        QCOMPARE(countdown->text(), QString());
        QTest::mouseClick(child<QPushButton>(dialog.get(), "copySecretButton"), Qt::LeftButton);
        QClipboard* board = QGuiApplication::clipboard();
        QCOMPARE(board->text(), QString::fromLatin1(m_secret));
        QCOMPARE(board->mimeData()->data(QStringLiteral("x-kde-passwordManagerHint")), QByteArray("secret"));
        QVERIFY(dialog->secretCopied());
        QCOMPARE(countdown->text(), QStringLiteral("Clipboard clears in 2 seconds"));
        QTRY_COMPARE_WITH_TIMEOUT(countdown->text(), QStringLiteral("Clipboard clears in 1 second"), 3000);
        QTRY_COMPARE_WITH_TIMEOUT(countdown->text(), QStringLiteral("Clipboard cleared"), 3000);
        QCOMPARE(board->text(), QString());
    }

    void ctrlCInTheSecretFieldGoesThroughTheService()
    {
        auto dialog = makeDialog();
        dialog->show();
        auto* secretEdit = child<QLineEdit>(dialog.get(), "secretEdit");
        secretEdit->setFocus();
        secretEdit->selectAll();
        QTest::keySequence(secretEdit, QKeySequence::Copy);
        QCOMPARE(QGuiApplication::clipboard()->text(), QString::fromLatin1(m_secret));
        QCOMPARE(QGuiApplication::clipboard()->mimeData()->data(QStringLiteral("x-kde-passwordManagerHint")),
                 QByteArray("secret"));
        QVERIFY(m_clipboard->isActive());
    }

    void copyUrlIsAPlainCopy()
    {
        auto dialog = makeDialog();
        dialog->show();
        QTest::mouseClick(child<QPushButton>(dialog.get(), "copySecretButton"), Qt::LeftButton);
        auto* copyUrl = child<QPushButton>(dialog.get(), "copyUrlButton");
        QTest::mouseClick(copyUrl, Qt::LeftButton);
        QClipboard* board = QGuiApplication::clipboard();
        QCOMPARE(board->text(), Url);
        QVERIFY(!board->mimeData()->hasFormat(QStringLiteral("x-kde-passwordManagerHint")));
        QCOMPARE(copyUrl->text(), QStringLiteral("Copied"));
        // The secret is off the clipboard, and the countdown says so instead of counting on.
        QVERIFY(!m_clipboard->isActive());
        QCOMPARE(child<QLabel>(dialog.get(), "countdownLabel")->text(),
                 QStringLiteral("Clipboard no longer holds the secret"));
        QTRY_COMPARE_WITH_TIMEOUT(copyUrl->text(), QStringLiteral("Copy"), 3000);
    }

    void saveToKeychainStoresTheSecret()
    {
        requireSecretService();
        auto dialog = makeDialog();
        dialog->show();
        auto* save = child<QPushButton>(dialog.get(), "saveKeychainButton");
        auto* status = child<QLabel>(dialog.get(), "keychainStatusLabel");
        QTest::mouseClick(save, Qt::LeftButton);
        QVERIFY(!save->isEnabled()); // while the job runs
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QLatin1String("Saved")), 10000);
        QCOMPARE(status->text(),
                 QStringLiteral("Saved to the system keychain as \"%1\" (service \"Alfe Console\").").arg(m_entry));
        QVERIFY(dialog->secretSaved());
        QVERIFY(!save->isEnabled());
        const auto stored = Keychain::readBlocking(m_entry);
        QVERIFY2(stored, qPrintable(stored.error().message));
        QCOMPARE(stored.value(), m_secret);
        QVERIFY(Keychain::removeBlocking(m_entry));

        // Saved counts as kept: closing does not ask.
        bool asked = false;
        dialog->setConfirmClose([&] { return asked = true; });
        dialog->reject();
        QVERIFY(!asked);
        QVERIFY(!dialog->isVisible());
    }

    void saveWithoutKeychainSaysWhy()
    {
        if (!qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").contains(QLatin1String("alfe-no-such-bus")))
            QSKIP("runs as the CTest entry tst_secretdialog_no_secret_service, with a bus that answers nothing");
        auto dialog = makeDialog();
        dialog->show();
        auto* save = child<QPushButton>(dialog.get(), "saveKeychainButton");
        auto* status = child<QLabel>(dialog.get(), "keychainStatusLabel");
        QTest::mouseClick(save, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QLatin1String("Not saved")), 10000);
        QVERIFY2(status->text().contains(QLatin1String("keychain")), qPrintable(status->text()));
        QVERIFY(save->isEnabled()); // try again after unlocking it
        QVERIFY(!dialog->secretSaved());
        // The long message wraps over lines; the window grows instead of squeezing the fields.
        QTRY_VERIFY(status->height() >= status->heightForWidth(status->width()));
        auto* secretEdit = child<QLineEdit>(dialog.get(), "secretEdit");
        QVERIFY(secretEdit->height() >= secretEdit->sizeHint().height());
        // Not saved, not copied: closing still asks.
        int asked = 0;
        dialog->setConfirmClose([&] { return ++asked > 0; });
        dialog->reject();
        QCOMPARE(asked, 1);
    }

    void closingUnkeptAsks()
    {
        auto dialog = makeDialog();
        dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        int asked = 0;
        bool answer = false;
        dialog->setConfirmClose([&] {
            ++asked;
            return answer;
        });
        // The Close button, Esc and the window's close button all ask; "no" keeps it open.
        QTest::mouseClick(child<QPushButton>(dialog.get(), "closeButton"), Qt::LeftButton);
        QCOMPARE(asked, 1);
        QVERIFY(dialog->isVisible());
        QTest::keyClick(dialog.get(), Qt::Key_Escape);
        QCOMPARE(asked, 2);
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->close());
        QCOMPARE(asked, 3);
        QVERIFY(dialog->isVisible());
        QCOMPARE(child<QLineEdit>(dialog.get(), "secretEdit")->text(), QString::fromLatin1(m_secret));

        answer = true;
        QSignalSpy finished(dialog.get(), &QDialog::finished);
        QTest::mouseClick(child<QPushButton>(dialog.get(), "closeButton"), Qt::LeftButton);
        QCOMPARE(asked, 4);
        QVERIFY(!dialog->isVisible());
        QCOMPARE(finished.count(), 1);
        QCOMPARE(child<QLineEdit>(dialog.get(), "secretEdit")->text(), QString());
    }

    void closingAfterACopyDoesNotAsk()
    {
        auto dialog = makeDialog();
        dialog->show();
        int asked = 0;
        dialog->setConfirmClose([&] { return ++asked > 0; });
        QTest::mouseClick(child<QPushButton>(dialog.get(), "copySecretButton"), Qt::LeftButton);
        QTest::keyClick(dialog.get(), Qt::Key_Escape);
        QCOMPARE(asked, 0);
        QVERIFY(!dialog->isVisible());
        // The clipboard service still clears the copy on its own schedule.
        QVERIFY(m_clipboard->isActive());
        QCOMPARE(QGuiApplication::clipboard()->text(), QString::fromLatin1(m_secret));
    }

    void theRealQuestionIsAMessageBox()
    {
        auto dialog = makeDialog();
        dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        QString question;
        answerMessageBox("keepOpenButton", &question);
        QTest::mouseClick(child<QPushButton>(dialog.get(), "closeButton"), Qt::LeftButton);
        QCOMPARE(question,
                 QStringLiteral("You have not copied or saved the secret. It cannot be shown again. Close anyway?"));
        QVERIFY(dialog->isVisible());
        QCOMPARE(child<QLineEdit>(dialog.get(), "secretEdit")->text(), QString::fromLatin1(m_secret));

        question.clear();
        answerMessageBox("closeAnywayButton", &question);
        QTest::keyClick(dialog.get(), Qt::Key_Escape);
        QVERIFY(!question.isEmpty());
        QVERIFY(!dialog->isVisible());
        QCOMPARE(dialog->result(), int(QDialog::Rejected));
    }

    void nothingShowsTheSecretAfterClose()
    {
        auto dialog = makeDialog(QStringLiteral("The previous secret stays valid until 14:05."));
        dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        QVERIFY(anyWidgetShows(m_secret));
        QTest::mouseClick(child<QPushButton>(dialog.get(), "copySecretButton"), Qt::LeftButton);
        QTest::mouseClick(child<QPushButton>(dialog.get(), "closeButton"), Qt::LeftButton);
        QVERIFY(!dialog->isVisible());
        auto* secretEdit = child<QLineEdit>(dialog.get(), "secretEdit");
        QCOMPARE(secretEdit->text(), QString());
        QVERIFY(!secretEdit->isEnabled());
        QVERIFY(!child<QPushButton>(dialog.get(), "copySecretButton")->isEnabled());
        QVERIFY(!child<QPushButton>(dialog.get(), "saveKeychainButton")->isEnabled());
        QVERIFY(!anyWidgetShows(m_secret));
        // Shown again (by mistake), it still has nothing to show or copy.
        dialog->show();
        QVERIFY(!anyWidgetShows(m_secret));
        m_clipboard->clearNow();
        QTest::mouseClick(child<QPushButton>(dialog.get(), "copySecretButton"), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(), QString());
        dialog->reject();
    }

    // X11 puts text selected with the mouse on the selection clipboard (middle-click paste), without the
    // hint or a countdown; the dialog takes the secret off it. Runs as tst_secretdialog_x11 under Xvfb.
    void selectionClipboardDoesNotKeepTheSecret()
    {
        QClipboard* board = QGuiApplication::clipboard();
        if (!board->supportsSelection())
            QSKIP("runs as the CTest entry tst_secretdialog_x11, on a platform with a selection clipboard");
        auto dialog = makeDialog();
        dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        auto* secretEdit = child<QLineEdit>(dialog.get(), "secretEdit");
        secretEdit->selectAll();
        QTest::mouseRelease(secretEdit, Qt::LeftButton, {}, secretEdit->rect().center());
        QCOMPARE(board->text(QClipboard::Selection), QString::fromLatin1(m_secret)); // what QLineEdit does
        QTRY_COMPARE(board->text(QClipboard::Selection), QString());
        QCOMPARE(secretEdit->selectedText(), QString::fromLatin1(m_secret)); // still selected for the eye

        // Other text selected in the application stays on it.
        auto* urlEdit = child<QLineEdit>(dialog.get(), "urlEdit");
        urlEdit->selectAll();
        QTest::mouseRelease(urlEdit, Qt::LeftButton, {}, urlEdit->rect().center());
        QTest::qWait(50);
        QCOMPARE(board->text(QClipboard::Selection), Url);
        dialog->setConfirmClose([] { return true; });
    }

    void screenshot()
    {
        const QString dir = qEnvironmentVariable("ALFE_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set ALFE_SCREENSHOT_DIR to render the dialog to a PNG");
        QVERIFY(QDir().mkpath(dir));
        auto dialog = makeDialog(QStringLiteral("The previous secret stays valid until 2024-06-01 14:05 (24 h)."),
                                 QStringLiteral("Secret rotated"));
        dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
        QVERIFY(dialog->grab().save(QDir(dir).filePath(QStringLiteral("secret-dialog-fresh.png"))));
        QTest::mouseClick(child<QPushButton>(dialog.get(), "copySecretButton"), Qt::LeftButton);
        if (!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
            auto* status = child<QLabel>(dialog.get(), "keychainStatusLabel");
            QTest::mouseClick(child<QPushButton>(dialog.get(), "saveKeychainButton"), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(!status->text().startsWith(QLatin1String("Saving")), 10000);
            Keychain::removeBlocking(m_entry);
        }
        QVERIFY(dialog->grab().save(QDir(dir).filePath(QStringLiteral("secret-dialog.png"))));
        dialog->reject();
    }

private:
    std::unique_ptr<SecretDialog> makeDialog(const QString& note = {},
                                             const QString& title = QStringLiteral("Webhook created"))
    {
        return std::make_unique<SecretDialog>(title, WebhookId, Url, m_secret, note, *m_clipboard, m_entry);
    }

    std::unique_ptr<SecretClipboard> m_clipboard;
    QByteArray m_secret;
    QString m_entry;
};

QTEST_MAIN(TestSecretDialog)
#include "tst_secretdialog.moc"
