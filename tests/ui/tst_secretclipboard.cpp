#include "crypto/Secrets.h"
#include "secrets/SecretClipboard.h"

#include <QApplication>
#include <QClipboard>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Alfe;

// The clipboard service for secrets, on the offscreen platform. Its clipboard is a real one (Qt's
// in-process QPlatformClipboard: setMimeData, mimeData, dataChanged), which the first case checks.
class TestSecretClipboard : public QObject
{
    Q_OBJECT

private slots:
    void init() { board()->clear(); }

    void platformHasAWorkingClipboard()
    {
        QCOMPARE(QGuiApplication::platformName(), QStringLiteral("offscreen"));
        QSignalSpy changed(board(), &QClipboard::dataChanged);
        board()->setText(QStringLiteral("hello"));
        QCOMPARE(board()->text(), QStringLiteral("hello"));
        QCOMPARE(changed.count(), 1);
        auto* mime = new QMimeData;
        mime->setData(QStringLiteral("x-test"), "x");
        board()->setMimeData(mime);
        QCOMPARE(board()->mimeData()->data(QStringLiteral("x-test")), QByteArray("x"));
        QCOMPARE(board()->text(), QString());
    }

    void copyCarriesTheSecretAndTheHint()
    {
        SecretClipboard clipboard(nullptr);
        QVERIFY(!clipboard.isActive());
        const QByteArray secret = Secrets::newWebhookSecret();
        clipboard.copy(secret);
        QCOMPARE(board()->text(), QString::fromLatin1(secret));
        const QMimeData* mime = board()->mimeData();
        QVERIFY(mime->hasFormat(QStringLiteral("text/plain")));
        QCOMPARE(mime->data(QStringLiteral("x-kde-passwordManagerHint")), QByteArray("secret"));
        QVERIFY(clipboard.isActive());
        QCOMPARE(clipboard.secondsLeft(), SecretClipboard::DefaultTimeoutSeconds);
        QCOMPARE(board()->text(QClipboard::Selection), QString()); // never the selection
    }

    void clearedAfterTheTimeout()
    {
        SecretClipboard clipboard(nullptr);
        clipboard.setTimeoutSeconds(1);
        QSignalSpy cleared(&clipboard, &SecretClipboard::cleared);
        clipboard.copy(Secrets::newWebhookSecret());
        QVERIFY(!board()->text().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(board()->text(), QString(), 5000);
        QCOMPARE(cleared.count(), 1);
        QVERIFY(!clipboard.isActive());
        QCOMPARE(clipboard.secondsLeft(), 0);
    }

    void countdownTicksDownWhileTheSecretStays()
    {
        SecretClipboard clipboard(nullptr);
        clipboard.setTimeoutSeconds(3);
        const QByteArray secret = Secrets::newWebhookSecret();
        QList<int> ticks;
        QStringList seen;
        connect(&clipboard, &SecretClipboard::countdown, this, [&](int seconds) {
            ticks.append(seconds);
            QCOMPARE(clipboard.secondsLeft(), seconds);
            seen.append(board()->text());
        });
        QSignalSpy cleared(&clipboard, &SecretClipboard::cleared);
        clipboard.copy(secret);
        QCOMPARE(ticks, QList<int>{3});
        QTRY_COMPARE_WITH_TIMEOUT(cleared.count(), 1, 8000);
        QCOMPARE(ticks, (QList<int>{3, 2, 1}));
        QCOMPARE(seen, QStringList(3, QString::fromLatin1(secret)));
        QCOMPARE(board()->text(), QString());
    }

    void somethingElseCopiedIsLeftAlone()
    {
        SecretClipboard clipboard(nullptr);
        clipboard.setTimeoutSeconds(1);
        QSignalSpy cleared(&clipboard, &SecretClipboard::cleared);
        QSignalSpy replaced(&clipboard, &SecretClipboard::replaced);
        clipboard.copy(Secrets::newWebhookSecret());
        board()->setText(QStringLiteral("a note the user copied"));
        // The countdown stops at once, and the user's text outlives the timeout.
        QCOMPARE(replaced.count(), 1);
        QVERIFY(!clipboard.isActive());
        QTest::qWait(1500);
        QCOMPARE(board()->text(), QStringLiteral("a note the user copied"));
        QCOMPARE(cleared.count(), 0);
        QCOMPARE(replaced.count(), 1);
    }

    void copyingAgainRestartsTheCountdown()
    {
        SecretClipboard clipboard(nullptr);
        clipboard.setTimeoutSeconds(3);
        QSignalSpy replaced(&clipboard, &SecretClipboard::replaced);
        clipboard.copy(Secrets::newWebhookSecret());
        const QByteArray second = Secrets::newWebhookSecret();
        QTest::qWait(1500);
        clipboard.copy(second);
        QCOMPARE(clipboard.secondsLeft(), 3);
        QCOMPARE(replaced.count(), 0);
        QTest::qWait(2000);
        QCOMPARE(board()->text(), QString::fromLatin1(second)); // the first countdown would have ended
        QTRY_COMPARE_WITH_TIMEOUT(board()->text(), QString(), 5000);
    }

    void clearNowClearsOnlyOurs()
    {
        SecretClipboard clipboard(nullptr);
        QSignalSpy cleared(&clipboard, &SecretClipboard::cleared);
        clipboard.copy(Secrets::newWebhookSecret());
        clipboard.clearNow();
        QCOMPARE(board()->text(), QString());
        QCOMPARE(cleared.count(), 1);
        QVERIFY(!clipboard.isActive());

        // Another program took the clipboard without this process hearing of it (as with a platform
        // that does not report changes): the content check alone keeps its text.
        clipboard.copy(Secrets::newWebhookSecret());
        {
            const QSignalBlocker quiet(board());
            board()->setText(QStringLiteral("someone else's"));
        }
        QVERIFY(clipboard.isActive());
        clipboard.clearNow();
        QCOMPARE(board()->text(), QStringLiteral("someone else's"));
        QCOMPARE(cleared.count(), 1);
        QVERIFY(!clipboard.isActive());
    }

    void timeoutChecksTheContentToo()
    {
        SecretClipboard clipboard(nullptr);
        clipboard.setTimeoutSeconds(1);
        QSignalSpy replaced(&clipboard, &SecretClipboard::replaced);
        clipboard.copy(Secrets::newWebhookSecret());
        {
            const QSignalBlocker quiet(board());
            board()->setText(QStringLiteral("copied elsewhere"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(replaced.count(), 1, 5000);
        QCOMPARE(board()->text(), QStringLiteral("copied elsewhere"));
    }

    void destructionClears()
    {
        auto clipboard = std::make_unique<SecretClipboard>(nullptr);
        clipboard->copy(Secrets::newWebhookSecret());
        QVERIFY(!board()->text().isEmpty());
        clipboard.reset();
        QCOMPARE(board()->text(), QString());

        clipboard = std::make_unique<SecretClipboard>(nullptr);
        clipboard->copy(Secrets::newWebhookSecret());
        board()->setText(QStringLiteral("keep me"));
        clipboard.reset();
        QCOMPARE(board()->text(), QStringLiteral("keep me"));
    }

    void quitClears()
    {
        SecretClipboard clipboard(nullptr);
        QSignalSpy cleared(&clipboard, &SecretClipboard::cleared);
        clipboard.copy(Secrets::newWebhookSecret());
        // What QCoreApplication::exec() emits when the application quits.
        QVERIFY(QMetaObject::invokeMethod(qApp, "aboutToQuit", Qt::DirectConnection));
        QCOMPARE(board()->text(), QString());
        QCOMPARE(cleared.count(), 1);
    }

    void timeoutIsAtLeastOneSecond()
    {
        SecretClipboard clipboard(nullptr);
        clipboard.setTimeoutSeconds(0);
        QCOMPARE(clipboard.timeoutSeconds(), 1);
        clipboard.setTimeoutSeconds(45);
        QCOMPARE(clipboard.timeoutSeconds(), 45);
    }

private:
    static QClipboard* board() { return QGuiApplication::clipboard(); }
};

QTEST_MAIN(TestSecretClipboard)
#include "tst_secretclipboard.moc"
