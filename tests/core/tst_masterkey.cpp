#include "Engine.h"
#include "crypto/KeyFile.h"
#include "crypto/Keychain.h"
#include "crypto/MasterKey.h"
#include "crypto/Secrets.h"
#include "domain/Random.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusVirtualObject>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Alfe;

// Key files everywhere; the keychain cases talk to the real gnome-keyring that `./dev test` starts under
// a private dbus-run-session. `noSecretService` runs as its own CTest entry with a session bus address
// that answers nothing.
class TestMasterKey : public QObject
{
    Q_OBJECT

private slots:
    void keyFileIsCreatedOwnerOnly()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/master.key"));
        auto created = KeyFile::readOrCreate(path);
        QVERIFY2(created, qPrintable(created.error().message));
        QCOMPARE(created->size(), 32);
        const auto ownerGroupOther = QFileDevice::Permissions::fromInt(0x7077);
        QCOMPARE(QFile::permissions(path) & ownerGroupOther, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        auto again = KeyFile::readOrCreate(path);
        QVERIFY(again);
        QCOMPARE(again.value(), created.value());
        QVERIFY(!KeyFile::create(path)); // never overwrites a key
    }

    void keyFileReadableByOthersIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("master.key"));
        QVERIFY(KeyFile::create(path));
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                                        QFileDevice::ReadOther);
        auto read = KeyFile::read(path);
        QVERIFY(!read);
        QVERIFY2(read.error().message.contains(QLatin1String("chmod 600")), qPrintable(read.error().message));
    }

    void keyFileWithGarbageIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("master.key"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        file.write("this is not a key\n");
        file.close();
        auto read = KeyFile::read(path);
        QVERIFY(!read);
        QVERIFY2(read.error().message.contains(QLatin1String("32 bytes")), qPrintable(read.error().message));
    }

    void keychainStoreReadDelete()
    {
        requireSecretService();
        const QString entry = QStringLiteral("test-entry-") + QString::fromLatin1(Random::bytes(6).toHex());
        const QByteArray value = Random::bytes(32);
        const auto written = Keychain::writeBlocking(entry, value);
        QVERIFY2(written, qPrintable(written.error().message));
        const auto read = Keychain::readBlocking(entry);
        QVERIFY2(read, qPrintable(read.error().message));
        QCOMPARE(read.value(), value);
        QVERIFY(Keychain::removeBlocking(entry));
        const auto gone = Keychain::readBlocking(entry);
        QVERIFY(!gone);
        QCOMPARE(gone.error().code, QStringLiteral("not_found"));
    }

    void engineKeepsItsKeyInTheKeychain()
    {
        requireSecretService();
        QTemporaryDir dir;
        const QString dataDir = dir.filePath(QStringLiteral("data"));
        QString webhookId;
        QByteArray secret;
        QString entry;
        {
            Engine engine({dataDir, {}});
            const auto opened = engine.openBlocking();
            QVERIFY2(opened, qPrintable(opened.error().message));
            entry = engine.masterKeySource().keychainEntry;
            auto agent = engine.agents().create(QStringLiteral("bot"));
            auto webhook = engine.webhooks().create(agent->agent.id);
            webhookId = webhook->webhook.id;
            secret = webhook->secret;
        }
        QCOMPARE(QDir(dataDir).entryList({QStringLiteral("*.key")}), QStringList()); // no key file appeared
        const auto stored = Keychain::readBlocking(entry);
        QVERIFY2(stored, qPrintable(stored.error().message));
        QCOMPARE(stored->size(), 32);
        {
            Engine engine({dataDir, {}});
            const auto opened = engine.openBlocking();
            QVERIFY2(opened, qPrintable(opened.error().message));
            QCOMPARE(engine.webhooks().currentSecret(webhookId).value(), secret);
        }
        // Without its keychain entry the data directory cannot be unlocked, and says how to proceed.
        QVERIFY(Keychain::removeBlocking(entry));
        Engine engine({dataDir, {}});
        const auto opened = engine.openBlocking();
        QVERIFY(!opened);
        QVERIFY2(opened.error().message.contains(QLatin1String("--key-file")), qPrintable(opened.error().message));
    }

    void noSecretService()
    {
        if (!qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").contains(QLatin1String("alfe-no-such-bus")))
            QSKIP("runs as the CTest entry tst_masterkey_no_secret_service, with a bus that answers nothing");
        QTemporaryDir dir;
        const QString dataDir = dir.filePath(QStringLiteral("data"));
        Engine engine({dataDir, {}});
        const auto opened = engine.openBlocking();
        QVERIFY(!opened);
        const QString message = opened.error().message;
        QCOMPARE(opened.error().code, QStringLiteral("master_key_unavailable"));
        QVERIFY2(message.contains(QLatin1String("keychain")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("--key-file")), qPrintable(message));
        // Never a silent fallback: no key was written anywhere in the data directory.
        const QStringList files = QDir(dataDir).entryList(QDir::Files);
        for (const QString& name : files)
            QVERIFY2(!name.endsWith(QLatin1String(".key")), qPrintable(name));
        // The explicit way works.
        Engine withFile({dataDir, dir.filePath(QStringLiteral("master.key"))});
        const auto reopened = withFile.openBlocking();
        QVERIFY2(reopened, qPrintable(reopened.error().message));
    }

    // A Secret Service that takes every call and never answers (a locked keychain waiting on a prompt
    // nobody sees): the caller gets a clear error instead of waiting forever.
    void keychainThatNeverAnswers()
    {
        if (!qEnvironmentVariableIsSet("ALFE_TEST_SILENT_SECRET_SERVICE"))
            QSKIP("runs as the CTest entry tst_masterkey_silent_secret_service, on a bus of its own");
        SilentService silent;
        QDBusConnection bus = QDBusConnection::sessionBus();
        QVERIFY(bus.isConnected());
        QVERIFY2(bus.registerService(QStringLiteral("org.freedesktop.secrets")),
                 "the bus already has a Secret Service");
        QVERIFY(bus.registerVirtualObject(QStringLiteral("/"), &silent, QDBusConnection::SubPath));
        Keychain::setTimeoutMs(1500);
        const auto read = Keychain::readBlocking(QStringLiteral("never-answered"));
        QVERIFY(!read);
        QVERIFY2(silent.calls > 0, "the keychain never called the Secret Service");
        QVERIFY2(read.error().message.contains(QLatin1String("did not answer")), qPrintable(read.error().message));
        QVERIFY2(read.error().message.contains(QLatin1String("--key-file")), qPrintable(read.error().message));
        bus.unregisterObject(QStringLiteral("/"));
    }

private:
    class SilentService final : public QDBusVirtualObject
    {
    public:
        QString introspect(const QString&) const override { return {}; }
        bool handleMessage(const QDBusMessage& message, const QDBusConnection&) override
        {
            ++calls;
            message.setDelayedReply(true); // and never reply
            return true;
        }
        int calls = 0;
    };

    void requireSecretService()
    {
        if (qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").contains(QLatin1String("alfe-no-such-bus")))
            QSKIP("this run has no Secret Service on purpose");
        if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
            QFAIL("No D-Bus session: run the tests with ./dev test, which starts gnome-keyring in dbus-run-session.");
    }
};

QTEST_GUILESS_MAIN(TestMasterKey)
#include "tst_masterkey.moc"
