// Bad CLI arguments that the usage tests do not cover: ids that are not ids, names that do not fit, paths of the
// wrong kind, a key file that belongs to another data directory (docs/robustness.md). Rows marked QEXPECT_FAIL are
// answers found wrong (issue 10 item 13).
#include "CliRunner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

class TestCliBadInput final : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_cli = std::make_unique<CliRunner>(); }
    void cleanup() { m_cli.reset(); }

    void idsThatAreNotIds_data();
    void idsThatAreNotIds();
    void agentNameTooLong();
    void agentNameWithANewline();
    void dataDirIsAFile();
    void keyFileIsADirectory();
    void keyFileOfAnotherDataDir();

private:
    std::unique_ptr<CliRunner> m_cli;
};

void TestCliBadInput::idsThatAreNotIds_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("delivery id with spaces")
        << QStringList{QStringLiteral("deliveries"), QStringLiteral("show"), QStringLiteral("not a ulid")}
        << QStringLiteral("No delivery with id not a ulid.");
    QTest::newRow("webhook id with a control character")
        << QStringList{QStringLiteral("webhook"), QStringLiteral("show"), QStringLiteral("whk_\x01")}
        << QStringLiteral("No webhook with id whk_");
    QTest::newRow("agent id of a webhook") << QStringList{QStringLiteral("agent"), QStringLiteral("show"),
                                                          QStringLiteral("whk_01J00000000000000000000000")}
                                           << QStringLiteral("No agent with id whk_01J00000000000000000000000.");
    QTest::newRow("path traversal as a webhook id")
        << QStringList{QStringLiteral("webhook"), QStringLiteral("delete"), QStringLiteral("../../etc/passwd")}
        << QStringLiteral("No webhook with id ../../etc/passwd");
}

void TestCliBadInput::idsThatAreNotIds()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QVERIFY(!m_cli->addAgent().isEmpty());
    ALFE_VERIFY_ERROR(m_cli->run(arguments), 1, message);
}

void TestCliBadInput::agentNameTooLong()
{
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), QString(300, QLatin1Char('n'))}), 2,
                      QStringLiteral("An agent name is at most 200 characters."));
    QVERIFY(!QFileInfo::exists(QDir(m_cli->dataDir()).filePath(QStringLiteral("alfe.sqlite"))) ||
            m_cli->run({QStringLiteral("agent"), QStringLiteral("list")}).out == "(none)\n");
}

// A name with a line break is refused: otherwise `agent list` would print a line that reads like a row of its own.
void TestCliBadInput::agentNameWithANewline()
{
    const CliResult added =
        m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("line1\nagt_FAKE  line2")});
    QVERIFY2(!added.crashed, added.describe().constData());
    QCOMPARE(added.exitCode, 2);
    QVERIFY2(added.err.contains("one line of text"), added.describe().constData());
    const CliResult list = m_cli->run({QStringLiteral("agent"), QStringLiteral("list")});
    ALFE_VERIFY_OK(list);
    QVERIFY2(!list.out.contains("\nagt_FAKE"), list.out.constData());
}

void TestCliBadInput::dataDirIsAFile()
{
    const QString file = m_cli->path(QStringLiteral("a-file"));
    QFile touch(file);
    QVERIFY(touch.open(QIODevice::WriteOnly));
    touch.close();
    ALFE_VERIFY_ERROR(CliRunner::runRaw({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--data-dir"),
                                         file, QStringLiteral("--key-file"), m_cli->keyFile()}),
                      1, QStringLiteral("The data directory %1 cannot be created.").arg(file));
    QCOMPARE(QFileInfo(file).size(), qint64(0)); // left as it was
}

void TestCliBadInput::keyFileIsADirectory()
{
    const QString directory = m_cli->path(QStringLiteral("keys"));
    QVERIFY(QDir().mkpath(directory));
    QVERIFY(QFile::setPermissions(directory, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                                 QFileDevice::ReadGroup | QFileDevice::ExeGroup |
                                                 QFileDevice::ReadOther | QFileDevice::ExeOther));
    const CliResult result =
        CliRunner::runRaw({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--data-dir"),
                           m_cli->dataDir(), QStringLiteral("--key-file"), directory});
    ALFE_VERIFY_ERROR(result, 1, QStringLiteral("The key file %1").arg(directory));
    // Not "can be read by other users; restrict it with chmod 600": a chmod that cannot help.
    QVERIFY2(result.err.contains("is a directory") && !result.err.contains("chmod"), result.err.constData());
}

void TestCliBadInput::keyFileOfAnotherDataDir()
{
    QVERIFY(!m_cli->addAgent().isEmpty());
    CliRunner other;
    QVERIFY(!other.addAgent().isEmpty()); // creates the other directory's key file
    const CliResult wrong =
        CliRunner::runRaw({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--data-dir"),
                           m_cli->dataDir(), QStringLiteral("--key-file"), other.keyFile()});
    ALFE_VERIFY_ERROR(
        wrong, 1, QStringLiteral("This master key does not belong to the data directory %1.").arg(m_cli->dataDir()));
    ALFE_VERIFY_OK(m_cli->run({QStringLiteral("agent"), QStringLiteral("list")})); // the right key still works
}

QTEST_GUILESS_MAIN(TestCliBadInput)
#include "tst_cli_badinput.moc"
