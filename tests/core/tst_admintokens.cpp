#include "ManualClock.h"
#include "TestEngine.h"
#include "crypto/Secrets.h"
#include "store/AdminTokenStore.h"
#include "store/AgentStore.h"
#include "store/Database.h"

#include <QSqlQuery>
#include <QTest>

using namespace Alfe;

// Admin API tokens: made like agent tokens, stored only as SHA-256, revoked for good.
class TestAdminTokens : public QObject
{
    Q_OBJECT

private slots:
    void createdTokenAuthenticates()
    {
        Test::ManualClock clock(1'800'000'000'000);
        Test::TestEngine engine(clock);
        AdminTokenStore tokens(engine->database(), clock);
        auto created = tokens.create(QStringLiteral("  remote console  "));
        QVERIFY(created);
        QVERIFY(Secrets::isAdminToken(created->token));
        QVERIFY(created->token.startsWith("alfeadm_"));
        QCOMPARE(created->token.size(), 51);
        QVERIFY(!Secrets::isAgentToken(created->token));
        QVERIFY(created->info.id.startsWith(QLatin1String("adm_")));
        QCOMPARE(created->info.name, QStringLiteral("remote console"));
        QCOMPARE(created->info.createdAtMs, clock.nowMs());

        auto found = tokens.authenticate(created->token);
        QVERIFY(found);
        QCOMPARE(found->id, created->info.id);
        QCOMPARE(found->lastUsedAtMs, std::optional<qint64>(clock.nowMs()));

        // Two tokens never collide, and nothing but the hash is stored.
        auto second = tokens.create({});
        QVERIFY(second);
        QVERIFY(second->token != created->token);
        QCOMPARE(second->info.name, QString());
        QSqlQuery q(engine->database().connection());
        QVERIFY(q.exec(QStringLiteral("SELECT token_sha256 FROM admin_tokens ORDER BY created_at, id")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toByteArray(), Secrets::sha256(created->token));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toByteArray(), Secrets::sha256(second->token));
    }

    void badTokensAreRefused()
    {
        Test::TestEngine engine;
        AdminTokenStore tokens(engine->database(), engine->clock());
        auto created = tokens.create(QStringLiteral("ops"));
        QVERIFY(created);
        QByteArray changed = created->token;
        changed[20] = changed[20] == 'A' ? 'B' : 'A';
        QVERIFY(!tokens.authenticate(changed));
        QVERIFY(!tokens.authenticate(QByteArray()));
        QVERIFY(!tokens.authenticate("Bearer " + created->token));
        QVERIFY(!tokens.authenticate(created->token + "A"));
        QVERIFY(!tokens.authenticate(created->token.left(50)));
        // An agent token is not an admin token, nor the other way round.
        auto agent = engine->agents().create(QStringLiteral("bot"));
        QVERIFY(!tokens.authenticate(agent->token));
        QVERIFY(!engine->agents().authenticate(created->token));
        QCOMPARE(tokens.authenticate(changed).error().code, QStringLiteral("not_found"));
    }

    void revokedTokensFailAndRevokingIsIdempotent()
    {
        Test::ManualClock clock(1'800'000'000'000);
        Test::TestEngine engine(clock);
        AdminTokenStore tokens(engine->database(), clock);
        auto created = tokens.create(QStringLiteral("laptop"));
        auto kept = tokens.create(QStringLiteral("server"));
        QVERIFY(tokens.authenticate(created->token));

        clock.advanceSeconds(10);
        const qint64 revokedAt = clock.nowMs();
        auto revoked = tokens.revoke(created->info.id);
        QVERIFY(revoked);
        QCOMPARE(revoked->revokedAtMs, std::optional<qint64>(revokedAt));
        QVERIFY(!tokens.authenticate(created->token));
        QVERIFY(!tokens.tokenFor(created->token));
        QVERIFY(tokens.authenticate(kept->token)); // only that one

        // Again: succeeds, keeps the first time.
        clock.advanceSeconds(10);
        auto again = tokens.revoke(created->info.id);
        QVERIFY(again);
        QCOMPARE(again->revokedAtMs, std::optional<qint64>(revokedAt));

        auto unknown = tokens.revoke(QStringLiteral("adm_01J00000000000000000000000"));
        QVERIFY(!unknown);
        QCOMPARE(unknown.error().code, QStringLiteral("not_found"));
        QVERIFY(unknown.error().message.contains(QLatin1String("adm_01J00000000000000000000000")));

        auto all = tokens.list();
        QVERIFY(all);
        QCOMPARE(all->size(), 2);
        QCOMPARE(all->at(0).id, created->info.id);
        QVERIFY(all->at(0).revoked());
        QVERIFY(!all->at(1).revoked());
    }

    // The last use is written at most once a minute per token; the read-only look-up writes nothing.
    void lastUseIsRecordedAtMostOnceAMinute()
    {
        Test::ManualClock clock(1'800'000'000'000);
        Test::TestEngine engine(clock);
        AdminTokenStore tokens(engine->database(), clock);
        auto created = tokens.create(QStringLiteral("ops"));
        const auto lastUsed = [&] {
            return tokens.get(created->info.id)->lastUsedAtMs;
        };
        QCOMPARE(lastUsed(), std::nullopt);
        QVERIFY(tokens.tokenFor(created->token));
        QCOMPARE(lastUsed(), std::nullopt);

        const qint64 first = clock.nowMs();
        QVERIFY(tokens.authenticate(created->token));
        QCOMPARE(lastUsed(), std::optional<qint64>(first));
        clock.advanceSeconds(30);
        QVERIFY(tokens.authenticate(created->token));
        QCOMPARE(lastUsed(), std::optional<qint64>(first));
        clock.advanceSeconds(31);
        QVERIFY(tokens.authenticate(created->token));
        QCOMPARE(lastUsed(), std::optional<qint64>(clock.nowMs()));
    }

    // Another connection (the ingress thread's) sees a token the moment it is created, and stops seeing it the
    // moment it is revoked.
    void readOnlyLookUpOnAnotherConnection()
    {
        Test::TestEngine engine;
        AdminTokenStore tokens(engine->database(), engine->clock());
        Database other;
        QVERIFY(other.open(engine->databasePath()));
        const AdminTokenStore reader(other, engine->clock());
        auto created = tokens.create(QStringLiteral("ops"));
        auto seen = reader.tokenFor(created->token);
        QVERIFY(seen);
        QCOMPARE(seen->id, created->info.id);
        QVERIFY(tokens.revoke(created->info.id));
        QVERIFY(!reader.tokenFor(created->token));
    }

    void namesAreChecked()
    {
        QCOMPARE(AdminTokenStore::validateName(QStringLiteral(" a ")).value(), QStringLiteral("a"));
        QVERIFY(AdminTokenStore::validateName(QString()));
        QVERIFY(!AdminTokenStore::validateName(QString(201, QLatin1Char('x'))));
        QVERIFY(!AdminTokenStore::validateName(QStringLiteral("two\nlines")));
        Test::TestEngine engine;
        AdminTokenStore tokens(engine->database(), engine->clock());
        auto refused = tokens.create(QStringLiteral("bell\a"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, QStringLiteral("invalid_argument"));
        QCOMPARE(tokens.list()->size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAdminTokens)
#include "tst_admintokens.moc"
