#include "store/Database.h"
#include "store/Migrations.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Alfe;

namespace {
// The schema as SQLite reports it, for comparing an upgraded database with a fresh one.
QStringList schemaOf(Database& db)
{
    QSqlQuery q(db.connection());
    q.exec(QStringLiteral("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"));
    QStringList rows;
    while (q.next())
        rows << q.value(0).toString() + QLatin1Char(' ') + q.value(1).toString() + QLatin1Char(' ') +
                    q.value(2).toString();
    return rows;
}

// Rows that a user of that version could have had.
void seed(Database& db, int version)
{
    QSqlQuery q(db.connection());
    if (version >= 1) {
        QVERIFY(q.exec(QStringLiteral("INSERT INTO agents (id, name, created_at) VALUES ('agt_A', 'bot', 1)")));
        QVERIFY(q.exec(QStringLiteral(
            "INSERT INTO webhooks (id, agent_id, provider, created_at) VALUES ('whk_A', 'agt_A', 'github', 1)")));
        QVERIFY(q.exec(QStringLiteral(
            "INSERT INTO secret_versions (webhook_id, version, sealed, created_at) VALUES ('whk_A', 1, x'00', 1)")));
    }
    if (version >= 2) {
        QVERIFY(q.exec(
            QStringLiteral("INSERT INTO deliveries (id, webhook_id, received_at, provider, body_sha256, body, status)"
                           " VALUES ('dlv_A', 'whk_A', 2, 'github', x'00', x'7b7d', 'failed')")));
    }
    if (version >= 7) // from version 7 on, the writer names the agent
        QVERIFY(q.exec(QStringLiteral("UPDATE deliveries SET agent_id = 'agt_A' WHERE id = 'dlv_A'")));
}
} // namespace

class TestMigrations : public QObject
{
    Q_OBJECT

private slots:
    void upgradesFromEveryEarlierVersion_data()
    {
        QTest::addColumn<int>("from");
        for (int v = 0; v < Migrations::latestVersion(); ++v)
            QTest::newRow(qPrintable(QStringLiteral("user_version %1").arg(v))) << v;
    }

    void upgradesFromEveryEarlierVersion()
    {
        QFETCH(int, from);
        QTemporaryDir dir;
        const QString oldPath = dir.filePath(QStringLiteral("old.sqlite"));
        {
            Database old;
            QVERIFY(old.open(oldPath, from));
            QCOMPARE(old.userVersion(), from);
            seed(old, from);
        }
        Database upgraded;
        const auto opened = upgraded.open(oldPath);
        QVERIFY2(opened, qPrintable(opened.error().message));
        QCOMPARE(upgraded.userVersion(), Migrations::latestVersion());

        Database fresh;
        QVERIFY(fresh.open(dir.filePath(QStringLiteral("fresh.sqlite"))));
        QCOMPARE(schemaOf(upgraded), schemaOf(fresh));

        QSqlQuery q(upgraded.connection());
        if (from >= 1) {
            QVERIFY(q.exec(QStringLiteral("SELECT provider FROM webhooks WHERE id = 'whk_A'")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("github"));
        }
        if (from >= 2) {
            QVERIFY(q.exec(QStringLiteral("SELECT status FROM deliveries WHERE id = 'dlv_A'")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("failed"));
            // Version 7 names each delivery's agent, filled in for the deliveries already there.
            QVERIFY(q.exec(QStringLiteral("SELECT agent_id FROM deliveries WHERE id = 'dlv_A'")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("agt_A"));
        }
        if (from >= 1) {
            // Version 6 counts changes to webhooks and their secrets for the ingress's cache.
            const auto generation = [&q] {
                return q.exec(QStringLiteral("SELECT generation FROM webhook_changes")) && q.next()
                           ? q.value(0).toLongLong()
                           : -1;
            };
            const qint64 before = generation();
            QVERIFY(before >= 0);
            QVERIFY(q.exec(QStringLiteral("UPDATE webhooks SET enabled = 0 WHERE id = 'whk_A'")));
            QCOMPARE(generation(), before + 1);
            QVERIFY(q.exec(QStringLiteral("DELETE FROM secret_versions WHERE webhook_id = 'whk_A'")));
            QCOMPARE(generation(), before + 2);

            // Version 8 counts changes to agents that decide where deliveries go, for the scheduler's memory.
            const auto agents = [&q] {
                return q.exec(QStringLiteral("SELECT generation FROM agent_changes")) && q.next()
                           ? q.value(0).toLongLong()
                           : -1;
            };
            const qint64 agentsBefore = agents();
            QVERIFY(agentsBefore >= 0);
            QVERIFY(q.exec(QStringLiteral("UPDATE agents SET forward_url = 'http://127.0.0.1:9/' WHERE id = 'agt_A'")));
            QCOMPARE(agents(), agentsBefore + 1);
            QVERIFY(q.exec(QStringLiteral("UPDATE agents SET name = 'renamed' WHERE id = 'agt_A'")));
            QCOMPARE(agents(), agentsBefore + 1); // a new name sends nothing elsewhere
            QVERIFY(q.exec(QStringLiteral("UPDATE agents SET status = 'paused' WHERE id = 'agt_A'")));
            QCOMPARE(agents(), agentsBefore + 2);
        }
        // Version 12 keeps admin API tokens by their hash, one row per hash.
        QVERIFY(q.exec(QStringLiteral("INSERT INTO admin_tokens (id, name, token_sha256, created_at)"
                                      " VALUES ('adm_A', 'ops', x'01', 1)")));
        QVERIFY(!q.exec(QStringLiteral("INSERT INTO admin_tokens (id, name, token_sha256, created_at)"
                                       " VALUES ('adm_B', 'ops', x'01', 1)")));
    }

    void pragmas()
    {
        QTemporaryDir dir;
        Database db;
        QVERIFY(db.open(dir.filePath(QStringLiteral("db.sqlite"))));
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
        QVERIFY(q.exec(QStringLiteral("PRAGMA synchronous")) && q.next());
        QCOMPARE(q.value(0).toInt(), 2); // FULL
        QVERIFY(q.exec(QStringLiteral("PRAGMA foreign_keys")) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        // Foreign keys are enforced, not just declared.
        QVERIFY(!q.exec(QStringLiteral("INSERT INTO webhooks (id, agent_id, provider, created_at) VALUES ('whk_X', "
                                       "'agt_missing', 'generic', 1)")));
    }

    void refusesANewerDatabase()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("db.sqlite"));
        {
            Database db;
            QVERIFY(db.open(path));
            QVERIFY(db.exec(QStringLiteral("PRAGMA user_version=%1").arg(Migrations::latestVersion() + 1)));
        }
        Database db;
        const auto opened = db.open(path);
        QVERIFY(!opened);
        QVERIFY2(opened.error().message.contains(QLatin1String("newer")), qPrintable(opened.error().message));
    }

    void refusesAFileThatIsNotADatabase()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("db.sqlite"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(4096, 'x'));
        file.close();
        Database db;
        QVERIFY(!db.open(path));
        QCOMPARE(QFile(path).size(), qint64(4096)); // left as it was
    }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
