#include "Engine.h"
#include "TestEngine.h"
#include "crypto/KeyFile.h"
#include "store/AgentStore.h"
#include "store/Settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Alfe;

namespace {
constexpr char HoldLockEnv[] = "ALFE_TEST_HOLD_DATA_DIR";

// Child mode: open an engine on the given data dir, say so, and hold it until stdin closes.
int holdLock(const QString& dataDir)
{
    Engine engine({dataDir, dataDir + QStringLiteral(".key")});
    const auto opened = engine.openBlocking();
    fprintf(stdout, "%s\n", opened ? "locked" : qPrintable(opened.error().message));
    fflush(stdout);
    char buffer[16];
    while (fread(buffer, 1, sizeof buffer, stdin) > 0) {
    }
    return 0;
}
} // namespace

class TestEngine : public QObject
{
    Q_OBJECT

private slots:
    void secondEngineInProcessIsRefused()
    {
        Test::TestEngine first;
        Engine second({first.dataDir(), first.keyFile()});
        const auto opened = second.openBlocking();
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, QStringLiteral("data_dir_locked"));
        QVERIFY2(opened.error().message.contains(QString::number(QCoreApplication::applicationPid())),
                 qPrintable(opened.error().message));
        // The first one is unharmed.
        QVERIFY(first->agents().create(QStringLiteral("bot")));
    }

    void secondEngineNamesTheOtherProcess()
    {
        QTemporaryDir dir;
        const QString dataDir = dir.filePath(QStringLiteral("data"));
        QProcess holder;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(HoldLockEnv), dataDir);
        holder.setProcessEnvironment(env);
        holder.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(holder.waitForStarted());
        QVERIFY(holder.waitForReadyRead(10000));
        QCOMPARE(holder.readLine().trimmed(), QByteArray("locked"));

        Engine second({dataDir, dataDir + QStringLiteral(".key")});
        const auto opened = second.openBlocking();
        QVERIFY(!opened);
        const QString message = opened.error().message;
        QVERIFY2(message.contains(QString::number(holder.processId())), qPrintable(message));
        QVERIFY2(message.contains(dataDir), qPrintable(message));

        // A holder that dies without cleaning up (SIGKILL) leaves a stale lock: it is taken over.
        ::kill(pid_t(holder.processId()), SIGKILL);
        QVERIFY(holder.waitForFinished(5000));
        const auto reopened = second.openBlocking();
        QVERIFY2(reopened, qPrintable(reopened.error().message));
    }

    void wrongKeyIsRefused()
    {
        QString dataDir;
        {
            Test::TestEngine engine;
            dataDir = engine.dataDir();
            QVERIFY(engine->agents().create(QStringLiteral("bot")));
            engine->close();
            QTemporaryDir other;
            const QString otherKey = other.filePath(QStringLiteral("other.key"));
            QVERIFY(KeyFile::create(otherKey));
            const QString database = engine.onPostgres() ? engine.databaseLocation() : QString();
            Engine wrong({dataDir, otherKey, true, database});
            const auto opened = wrong.openBlocking();
            QVERIFY(!opened);
            QCOMPARE(opened.error().code, QStringLiteral("master_key_unavailable"));
            QVERIFY2(opened.error().message.contains(QLatin1String("does not belong")),
                     qPrintable(opened.error().message));

            // A key file that does not exist is not created for an existing data directory.
            const QString missing = other.filePath(QStringLiteral("missing.key"));
            Engine noFile({dataDir, missing, true, database});
            QVERIFY(!noFile.openBlocking());
            QVERIFY(!QFile::exists(missing));

            engine.reopen(); // the right key still works, and the data is there
            QCOMPARE(engine->agents().list().size(), 1);
        }
    }

    // The console and `alfe serve` take their options through Engine::serveOptions: settings first, the
    // command line over them, and a bad value refused with the name of the setting and its file.
    void serveOptionsComeFromSettingsAndOverrides()
    {
        Test::TestEngine engine;
        Settings& settings = engine->settings();
        settings.set(Settings::Key::Port, 9911);
        settings.set(Settings::Key::RateLimitPerSecond, 7);
        settings.set(Settings::Key::RetrySchedule, QStringLiteral("0s,1m"));
        settings.set(Settings::Key::RetentionDays, 3);
        auto options = engine->serveOptions();
        QVERIFY2(options, qPrintable(options.error().message));
        QCOMPARE(options->delivery.perAgentConcurrency, 16); // the default: 16 attempts in flight per agent
        settings.set(Settings::Key::DeliveryConcurrency, 4);
        options = engine->serveOptions();
        QVERIFY2(options, qPrintable(options.error().message));
        QCOMPARE(options->ingress.port, quint16(9911));
        QCOMPARE(options->ingress.rateLimitPerSecond, 7);
        QCOMPARE(options->ingress.bindAddress, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(options->delivery.schedule.maxAttempts(), 2);
        QCOMPARE(options->delivery.retentionDays, 3);
        QCOMPARE(options->delivery.perAgentConcurrency, 4);

        ServeOverrides overrides;
        overrides.port = 0;
        overrides.bindAddress = QStringLiteral("::1");
        overrides.publicUrl = QStringLiteral("https://hooks.example.test");
        options = engine->serveOptions(overrides);
        QVERIFY2(options, qPrintable(options.error().message));
        QCOMPARE(options->ingress.port, quint16(0));
        QCOMPARE(options->ingress.bindAddress, QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(options->ingress.publicUrl, QStringLiteral("https://hooks.example.test"));
        QCOMPARE(options->ingress.rateLimitPerSecond, 7);
    }

    void invalidSettingsAreRefusedByName_data()
    {
        QTest::addColumn<int>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("name");
        QTest::newRow("retry schedule") << int(Settings::Key::RetrySchedule) << QStringLiteral("5s, soon")
                                        << QStringLiteral("delivery/retrySchedule");
        QTest::newRow("port") << int(Settings::Key::Port) << QStringLiteral("80000") << QStringLiteral("ingress/port");
        QTest::newRow("bind") << int(Settings::Key::BindAddress) << QStringLiteral("my laptop")
                              << QStringLiteral("ingress/bindAddress");
        QTest::newRow("public url") << int(Settings::Key::PublicUrl) << QStringLiteral("hooks.example.test")
                                    << QStringLiteral("ingress/publicUrl");
        QTest::newRow("rate") << int(Settings::Key::RateLimitPerSecond) << QStringLiteral("-1")
                              << QStringLiteral("ingress/rateLimitPerSecond");
        QTest::newRow("retention") << int(Settings::Key::RetentionDays) << QStringLiteral("forever")
                                   << QStringLiteral("delivery/retentionDays");
        QTest::newRow("concurrency") << int(Settings::Key::DeliveryConcurrency) << QStringLiteral("0")
                                     << QStringLiteral("delivery/concurrency");
    }

    void invalidSettingsAreRefusedByName()
    {
        QFETCH(int, key);
        QFETCH(QString, value);
        QFETCH(QString, name);
        Test::TestEngine engine;
        engine->settings().set(Settings::Key(key), value);
        const auto options = engine->serveOptions();
        QVERIFY(!options);
        QCOMPARE(options.error().code, QStringLiteral("invalid_setting"));
        QVERIFY2(options.error().message.contains(name), qPrintable(options.error().message));
        QVERIFY2(options.error().message.contains(QDir::toNativeSeparators(engine->settings().filePath())),
                 qPrintable(options.error().message));
        // An override of the same thing is checked as strictly, and named as the option.
        ServeOverrides overrides;
        overrides.port = 70000;
        engine->settings().reset(Settings::Key(key));
        const auto overridden = engine->serveOptions(overrides);
        QVERIFY(!overridden);
        QVERIFY2(overridden.error().message.startsWith(QLatin1String("--port")),
                 qPrintable(overridden.error().message));
    }

    void dataDirIsPrivate()
    {
        Test::TestEngine engine;
        const QFileDevice::Permissions perms = QFile::permissions(engine.dataDir());
        QVERIFY(perms & QFileDevice::ReadOwner);
        QVERIFY(!(perms & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::ExeOther)));
    }

    // A data directory made by someone else (with the umask's 0755) and database files created 0644 are
    // made the owner's only when the engine opens them.
    void existingDataDirAndDatabaseAreMadePrivate()
    {
        QTemporaryDir root;
        const QString dir = root.filePath(QStringLiteral("made-by-hand"));
        QVERIFY(QDir().mkpath(dir));
        const auto open = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                          QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
                          QFileDevice::ExeOther;
        QVERIFY(QFile::setPermissions(dir, open));
        {
            Engine first(Engine::Options{dir, root.filePath(QStringLiteral("key"))});
            QVERIFY(first.openBlocking());
        }
        const QString db = QDir(dir).filePath(QStringLiteral("alfe.sqlite"));
        QVERIFY(QFile::setPermissions(dir, open));
        QVERIFY(QFile::setPermissions(db, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                                              QFileDevice::ReadOther));
        Engine engine(Engine::Options{dir, root.filePath(QStringLiteral("key"))});
        QVERIFY(engine.openBlocking());
        const auto groupOrOther = QFileDevice::Permissions::fromInt(0x0077);
        QCOMPARE(QFile::permissions(dir) & groupOrOther, QFileDevice::Permissions());
        QCOMPARE(QFile::permissions(db) & groupOrOther, QFileDevice::Permissions());
        for (const char* suffix : {"-wal", "-shm"}) {
            if (QFile::exists(db + QLatin1String(suffix)))
                QCOMPARE(QFile::permissions(db + QLatin1String(suffix)) & groupOrOther, QFileDevice::Permissions());
        }
    }
};

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (qEnvironmentVariableIsSet(HoldLockEnv))
        return holdLock(qEnvironmentVariable(HoldLockEnv));
    TestEngine test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_engine.moc"
