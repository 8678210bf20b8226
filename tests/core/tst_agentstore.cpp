#include "ManualClock.h"
#include "TestEngine.h"
#include "crypto/Secrets.h"
#include "store/AgentStore.h"
#include "store/Database.h"

#include <QSqlQuery>
#include <QTest>

using namespace Alfe;

class TestAgentStore : public QObject
{
    Q_OBJECT

private slots:
    void createAndAuthenticate()
    {
        Test::TestEngine engine;
        AgentStore& agents = engine->agents();
        auto created = agents.create(QStringLiteral(" deploy bot "), QStringLiteral("http://127.0.0.1:9000/hook"));
        QVERIFY(created);
        QCOMPARE(created->agent.name, QStringLiteral("deploy bot"));
        QCOMPARE(created->agent.forwardUrl, QStringLiteral("http://127.0.0.1:9000/hook"));
        QVERIFY(Secrets::isAgentToken(created->token));

        auto found = agents.authenticate(created->token);
        QVERIFY(found);
        QCOMPARE(found->id, created->agent.id);

        QByteArray wrong = created->token;
        wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
        QVERIFY(!agents.authenticate(wrong));
        QVERIFY(!agents.authenticate(QByteArray()));
        QVERIFY(!agents.authenticate("Bearer " + created->token));
    }

    // An authenticated call records the token's last use, but at most once a minute: a busy agent's API calls
    // are not one fsync'd write each.
    void tokenUseIsRecordedAtMostOnceAMinute()
    {
        Test::ManualClock clock(1'800'000'000'000);
        Test::TestEngine engine(clock);
        auto created = engine->agents().create(QStringLiteral("bot"));
        const auto lastUsed = [&] {
            QSqlQuery q(engine->database().connection());
            q.exec(QStringLiteral("SELECT last_used_at FROM agent_tokens"));
            return q.next() ? q.value(0).toLongLong() : -1;
        };
        QCOMPARE(lastUsed(), qint64(0));
        QVERIFY(engine->agents().authenticate(created->token));
        QCOMPARE(lastUsed(), qint64(1'800'000'000'000));
        clock.advanceMs(30'000);
        QVERIFY(engine->agents().authenticate(created->token));
        QCOMPARE(lastUsed(), qint64(1'800'000'000'000));
        clock.advanceMs(30'000);
        QVERIFY(engine->agents().authenticate(created->token));
        QCOMPARE(lastUsed(), qint64(1'800'000'060'000));
    }

    void tokensAreStoredOnlyAsHashes()
    {
        Test::TestEngine engine;
        auto created = engine->agents().create(QStringLiteral("bot"));
        auto second = engine->agents().addToken(created->agent.id);
        QVERIFY(second);
        QVERIFY(engine->agents().authenticate(second.value()));

        QSqlQuery q(engine->database().connection());
        QVERIFY(q.exec(QStringLiteral("SELECT token_sha256 FROM agent_tokens")));
        QList<QByteArray> stored;
        while (q.next())
            stored << q.value(0).toByteArray();
        QCOMPARE(stored.size(), 2);
        QVERIFY(stored.contains(Secrets::sha256(created->token)));
        QVERIFY(stored.contains(Secrets::sha256(second.value())));
        engine->close();
        const QByteArray file = engine.storedBytes();
        QVERIFY(file.contains("agent_tokens") || !engine.onPostgres()); // the dump worked
        QVERIFY(!file.contains(created->token));
        QVERIFY(!file.contains(created->token.mid(5)));
        QVERIFY(!file.contains(created->token.toHex()));
    }

    void validation()
    {
        Test::TestEngine engine;
        AgentStore& agents = engine->agents();
        QCOMPARE(agents.create(QStringLiteral("   ")).error().code, QStringLiteral("invalid_argument"));
        QCOMPARE(agents.create(QString(201, QLatin1Char('a'))).error().code, QStringLiteral("invalid_argument"));
        for (const char* url : {"ftp://example.test/x", "not a url", "/relative/path", "http://"}) {
            auto bad = agents.create(QStringLiteral("bot"), QString::fromLatin1(url));
            QVERIFY2(!bad, url);
            QVERIFY2(bad.error().message.contains(QLatin1String("http")), qPrintable(bad.error().message));
        }
        QVERIFY(agents.list().isEmpty());
    }

    void updateAndRemove()
    {
        Test::TestEngine engine;
        AgentStore& agents = engine->agents();
        auto created = agents.create(QStringLiteral("bot"));
        QVERIFY(agents.setForwardUrl(created->agent.id, QStringLiteral("https://agent.example.test/in")));
        QCOMPARE(agents.get(created->agent.id)->forwardUrl, QStringLiteral("https://agent.example.test/in"));
        QVERIFY(agents.setStatus(created->agent.id, AgentStatus::Paused));
        QCOMPARE(agents.get(created->agent.id)->status, AgentStatus::Paused);
        QVERIFY(!agents.setForwardUrl(created->agent.id, QStringLiteral("gopher://x")));
        QVERIFY(agents.remove(created->agent.id));
        QCOMPARE(agents.get(created->agent.id).error().code, QStringLiteral("not_found"));
        QVERIFY(!agents.authenticate(created->token)); // its tokens went with it
        QVERIFY(!agents.remove(created->agent.id));
    }
};

QTEST_GUILESS_MAIN(TestAgentStore)
#include "tst_agentstore.moc"
