#include "AgentStore.h"
#include "Engine.h"
#include "KeyFile.h"
#include "TestEngine.h"

#include <QCoreApplication>
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
            Engine wrong({dataDir, otherKey});
            const auto opened = wrong.openBlocking();
            QVERIFY(!opened);
            QCOMPARE(opened.error().code, QStringLiteral("master_key_unavailable"));
            QVERIFY2(opened.error().message.contains(QLatin1String("does not belong")),
                     qPrintable(opened.error().message));

            // A key file that does not exist is not created for an existing data directory.
            const QString missing = other.filePath(QStringLiteral("missing.key"));
            Engine noFile({dataDir, missing});
            QVERIFY(!noFile.openBlocking());
            QVERIFY(!QFile::exists(missing));

            engine.reopen(); // the right key still works, and the data is there
            QCOMPARE(engine->agents().list().size(), 1);
        }
    }

    void dataDirIsPrivate()
    {
        Test::TestEngine engine;
        const QFileDevice::Permissions perms = QFile::permissions(engine.dataDir());
        QVERIFY(perms & QFileDevice::ReadOwner);
        QVERIFY(!(perms & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::ExeOther)));
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
