#include "LogCapture.h"
#include "TestEngine.h"
#include "crypto/Secrets.h"
#include "store/AgentStore.h"
#include "store/Settings.h"
#include "store/WebhookStore.h"

#include <QFile>
#include <QTest>

using namespace Alfe;

// After creating and rotating webhooks, no plaintext secret (nor its base64 part alone) is in the
// database file, its WAL, the settings file or anything logged.
class TestSecretsAtRest : public QObject
{
    Q_OBJECT

private slots:
    void noPlaintextAnywhere()
    {
        Test::LogCapture logs;
        QList<QByteArray> secrets;
        QString dataDir;
        {
            Test::TestEngine engine;
            dataDir = engine.dataDir();
            engine->settings().set(Settings::Key::Port, 9999);
            engine->settings().set(Settings::Key::PublicUrl, QStringLiteral("https://hooks.example.test"));
            auto agent = engine->agents().create(QStringLiteral("bot"));
            QVERIFY(agent);
            secrets << agent->token;
            for (int i = 0; i < 5; ++i) {
                auto created = engine->webhooks().create(agent->agent.id, Provider::GitHub);
                QVERIFY(created);
                secrets << created->secret;
                auto rotated = engine->webhooks().rotate(created->webhook.id, 3600);
                QVERIFY(rotated);
                secrets << rotated->secret;
                auto current = engine->webhooks().currentSecret(created->webhook.id);
                QCOMPARE(current.value(), rotated->secret);
            }
            engine->settings().sync();

            if (engine.onPostgres()) {
                // Everything PostgreSQL holds, as pg_dump prints it (bytea in hex, so the hex forms are looked for).
                const QByteArray dump = engine.storedBytes();
                QVERIFY2(dump.contains("webhook_secrets") || dump.contains("webhooks"), "pg_dump printed the store");
                checkNone(dump, secrets, "PostgreSQL database");
                for (const QByteArray& secret : std::as_const(secrets))
                    QVERIFY2(!dump.contains(secret.toHex()), "PostgreSQL database (hex)");
            } else {
                // While open, the WAL holds the recent pages.
                const QByteArray wal = Test::readFile(dataDir + QStringLiteral("/alfe.sqlite-wal"));
                QVERIFY2(wal.size() > 0, "expected a non-empty WAL while the engine is open");
                checkNone(wal, secrets, "WAL (open)");
                checkNone(Test::readFile(dataDir + QStringLiteral("/alfe.sqlite")), secrets, "database (open)");

                engine->close(); // checkpoints the WAL into the database file
                checkNone(Test::readFile(dataDir + QStringLiteral("/alfe.sqlite")), secrets, "database");
                checkNone(Test::readFile(dataDir + QStringLiteral("/alfe.sqlite-wal")), secrets, "WAL");
            }
            const QByteArray ini = Test::readFile(dataDir + QStringLiteral("/alfe.ini"));
            QVERIFY2(ini.contains("9999"), "the settings file was written");
            checkNone(ini, secrets, "settings");
        }
        QVERIFY2(!logs.text().isEmpty(), "expected debug output to scan");
        checkNone(logs.text(), secrets, "log output");
    }

private:
    static void checkNone(const QByteArray& haystack, const QList<QByteArray>& secrets, const char* where)
    {
        for (const QByteArray& secret : secrets) {
            const QByteArray randomPart = secret.mid(secret.indexOf('_') + 1);
            QVERIFY2(!haystack.contains(secret), where);
            QVERIFY2(!haystack.contains(randomPart), where);
            QVERIFY2(!haystack.contains(QByteArray::fromBase64(randomPart, QByteArray::Base64UrlEncoding)), where);
            QVERIFY2(!haystack.contains(QByteArray::fromBase64(randomPart)), where);
        }
    }
};

QTEST_GUILESS_MAIN(TestSecretsAtRest)
#include "tst_secretsatrest.moc"
