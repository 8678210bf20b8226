// `alfe webhook set-provider-secret`: the provider's signing secret comes from standard input only, is checked
// for what the provider shows, is sealed (never in the database file or the output), keeps the previous one
// for its grace, and is removed with --clear. Bad input changes nothing.
#include "CliRunner.h"

#include "Engine.h"
#include "crypto/Secrets.h"
#include "store/WebhookStore.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonObject>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
const QByteArray StripeSecret = "whsec_q3LYf1dZ0wWx8oYHn2bkJ6vQeT4sR9mA";
} // namespace

class TestCliProviders final : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_cli = std::make_unique<CliRunner>();
        m_agent = m_cli->addAgent();
        QVERIFY(!m_agent.isEmpty());
    }
    void cleanup() { m_cli.reset(); }

    void importReadsStandardInput();
    void badInputChangesNothing_data();
    void badInputChangesNothing();
    void replacingKeepsThePreviousForTheGrace();
    void clearRemovesEveryVersion();
    void toleranceAlone();

private:
    QString webhook(const QString& provider)
    {
        const auto created = m_cli->createWebhook(m_agent, provider);
        return created.first;
    }
    CliResult setSecret(const QString& id, const QByteArray& input, const QStringList& extra = {})
    {
        return m_cli->run(QStringList{QStringLiteral("webhook"), QStringLiteral("set-provider-secret"), id} + extra,
                          input);
    }
    QJsonObject shown(const QString& id)
    {
        return m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), id, QStringLiteral("--json")})
            .json()
            .object();
    }
    // Every file of the data directory (database, WAL), read raw.
    QByteArray dataDirBytes() const
    {
        QByteArray all;
        QDirIterator it(m_cli->dataDir(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (file.open(QIODevice::ReadOnly))
                all += file.readAll();
        }
        return all;
    }

    std::unique_ptr<CliRunner> m_cli;
    QString m_agent;
};

void TestCliProviders::importReadsStandardInput()
{
    const QString id = webhook(QStringLiteral("stripe"));
    QVERIFY(!id.isEmpty());
    QCOMPARE(shown(id).value(QLatin1String("providerSecretImported")).toBool(), false);

    // As `printf '%s\n' "$SECRET" |` gives it: the line break and surrounding blanks are not part of the secret.
    const CliResult imported =
        setSecret(id, "  " + StripeSecret + "\r\n", {QStringLiteral("--tolerance"), QStringLiteral("120")});
    ALFE_VERIFY_OK(imported);
    QVERIFY2(imported.out.startsWith("Imported the stripe signing secret of webhook " + id.toUtf8() + " (version 1)."),
             imported.describe().constData());
    QCOMPARE(imported.field(QStringLiteral("provider secret")), QStringLiteral("imported (version 1)"));
    QCOMPARE(imported.field(QStringLiteral("tolerance")), QStringLiteral("120 s"));
    QVERIFY(!imported.out.contains(StripeSecret) && !imported.err.contains(StripeSecret));

    const QJsonObject json = shown(id);
    QCOMPARE(json.value(QLatin1String("providerSecretImported")).toBool(), true);
    QCOMPARE(json.value(QLatin1String("providerSecretVersion")).toInt(), 1);
    QCOMPARE(json.value(QLatin1String("toleranceSeconds")).toInt(), 120);
    QVERIFY(!QJsonDocument(json).toJson().contains(StripeSecret));

    // Sealed at rest: the bytes are nowhere in the database or its WAL, and they open to exactly what was typed.
    QVERIFY(!dataDirBytes().contains(StripeSecret));
    auto engine = m_cli->openEngine();
    auto secrets = engine->webhooks().validProviderSecrets(id);
    QVERIFY(secrets);
    QCOMPARE(secrets->size(), 1);
    QCOMPARE(secrets->first(), StripeSecret);
}

void TestCliProviders::badInputChangesNothing_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("secret as an argument")
        << QStringLiteral("stripe") << StripeSecret << QStringList{QString::fromLatin1(StripeSecret)} << 2
        << QStringLiteral("never from the command line");
    QTest::newRow("nothing on stdin") << QStringLiteral("stripe") << QByteArray("\n") << QStringList() << 2
                                      << QStringLiteral("No secret on standard input");
    QTest::newRow("a Stripe API key") << QStringLiteral("stripe") << QByteArray("sk_live_51Habcdefghijkl")
                                      << QStringList() << 2
                                      << QStringLiteral("That is a Stripe API key, not a webhook signing secret");
    QTest::newRow("not whsec_ on stripe") << QStringLiteral("stripe") << QByteArray("0123456789abcdef") << QStringList()
                                          << 2 << QStringLiteral("A Stripe signing secret starts with whsec_");
    QTest::newRow("a Slack bot token") << QStringLiteral("slack") << QByteArray("xoxb-1234-5678-abcdef")
                                       << QStringList() << 2
                                       << QStringLiteral("That is a Slack token, not the app's Signing Secret");
    QTest::newRow("not base64 on generic") << QStringLiteral("generic") << QByteArray("whsec_not*base64!")
                                           << QStringList() << 2 << QStringLiteral("Standard Webhooks secret");
    QTest::newRow("two lines") << QStringLiteral("slack") << QByteArray("8f742231b10e8888\nabcd99yyyzzz85a5")
                               << QStringList() << 2 << QStringLiteral("one word of printable ASCII");
    QTest::newRow("too short") << QStringLiteral("github") << QByteArray("short") << QStringList() << 2
                               << QStringLiteral("8 to 512 characters");
    QTest::newRow("a file, not a secret") << QStringLiteral("github") << QByteArray(5000, 'a') << QStringList() << 2
                                          << QStringLiteral("More than 4096 bytes");
    QTest::newRow("tolerance 0") << QStringLiteral("stripe") << StripeSecret
                                 << QStringList{QStringLiteral("--tolerance"), QStringLiteral("0")} << 2
                                 << QStringLiteral("--tolerance must be a whole number from 1 to 86400");
    QTest::newRow("grace too long") << QStringLiteral("stripe") << StripeSecret
                                    << QStringList{QStringLiteral("--grace"), QStringLiteral("8d")} << 2
                                    << QStringLiteral("--grace 8d is too long");
    QTest::newRow("clear with grace") << QStringLiteral("stripe") << QByteArray()
                                      << QStringList{QStringLiteral("--clear"), QStringLiteral("--grace"),
                                                     QStringLiteral("1h")}
                                      << 2 << QStringLiteral("--clear takes no --grace");
}

void TestCliProviders::badInputChangesNothing()
{
    QFETCH(QString, provider);
    QFETCH(QByteArray, input);
    QFETCH(QStringList, extra);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const QString id = webhook(provider);
    QVERIFY(!id.isEmpty());
    const CliResult refused = setSecret(id, input, extra);
    ALFE_VERIFY_ERROR(refused, exitCode, message);
    QVERIFY(refused.out.isEmpty());
    const QJsonObject json = shown(id);
    QCOMPARE(json.value(QLatin1String("providerSecretImported")).toBool(), false);
    QCOMPARE(json.value(QLatin1String("toleranceSeconds")).toInt(), 300);
}

void TestCliProviders::replacingKeepsThePreviousForTheGrace()
{
    const QString id = webhook(QStringLiteral("slack"));
    ALFE_VERIFY_OK(setSecret(id, "first-signing-secret-0001"));
    const CliResult second =
        setSecret(id, "second-signing-secret-002", {QStringLiteral("--grace"), QStringLiteral("1h")});
    ALFE_VERIFY_OK(second);
    QVERIFY2(second.out.contains("The previous one verifies until"), second.describe().constData());
    {
        auto engine = m_cli->openEngine();
        auto secrets = engine->webhooks().validProviderSecrets(id);
        QVERIFY(secrets);
        QCOMPARE(secrets.value(), (QList<QByteArray>{"second-signing-secret-002", "first-signing-secret-0001"}));
    }
    const CliResult third =
        setSecret(id, "third-signing-secret-0003", {QStringLiteral("--grace"), QStringLiteral("0")});
    ALFE_VERIFY_OK(third);
    QVERIFY2(third.out.contains("The previous one stopped verifying now."), third.describe().constData());
    auto engine = m_cli->openEngine();
    auto secrets = engine->webhooks().validProviderSecrets(id);
    QVERIFY(secrets);
    QCOMPARE(secrets.value(), QList<QByteArray>{"third-signing-secret-0003"});
    QCOMPARE(engine->webhooks().get(id)->providerSecretVersion, 3);
}

void TestCliProviders::clearRemovesEveryVersion()
{
    const QString id = webhook(QStringLiteral("stripe"));
    ALFE_VERIFY_OK(setSecret(id, StripeSecret));
    ALFE_VERIFY_OK(setSecret(id, StripeSecret + "2", {QStringLiteral("--grace"), QStringLiteral("1h")}));
    const CliResult cleared = setSecret(id, {}, {QStringLiteral("--clear")});
    ALFE_VERIFY_OK(cleared);
    QCOMPARE(cleared.out,
             "Removed the provider secret of webhook " + id.toUtf8() + ": only Alfe's own secret verifies now.\n");
    QCOMPARE(shown(id).value(QLatin1String("providerSecretImported")).toBool(), false);
    auto engine = m_cli->openEngine();
    QCOMPARE(engine->webhooks().validProviderSecrets(id)->size(), 0);
    const CliResult again = setSecret(id, {}, {QStringLiteral("--clear")});
    ALFE_VERIFY_OK(again);
    QVERIFY(again.out.contains("had no provider secret; nothing changed"));
    // A version number is never used twice, not even after a clear (each seals under an AAD of its own).
    const CliResult reimported = setSecret(id, StripeSecret + "3");
    ALFE_VERIFY_OK(reimported);
    QCOMPARE(reimported.field(QStringLiteral("provider secret")), QStringLiteral("imported (version 3)"));
    ALFE_VERIFY_ERROR(setSecret(QStringLiteral("whk_nope"), StripeSecret), 1,
                      QStringLiteral("No webhook with id whk_nope"));
}

void TestCliProviders::toleranceAlone()
{
    const QString id = webhook(QStringLiteral("slack"));
    const CliResult set =
        m_cli->run({QStringLiteral("webhook"), QStringLiteral("set-tolerance"), id, QStringLiteral("45")});
    ALFE_VERIFY_OK(set);
    QCOMPARE(set.out, "Webhook " + id.toUtf8() + " accepts signed timestamps up to 45 s from now, either way.\n");
    QCOMPARE(shown(id).value(QLatin1String("toleranceSeconds")).toInt(), 45);
    for (const QString& bad : {QStringLiteral("0"), QStringLiteral("86401"), QStringLiteral("5m")}) {
        ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("set-tolerance"), id, bad}), 2,
                          QStringLiteral("SECONDS must be a whole number from 1 to 86400"));
    }
    QCOMPARE(shown(id).value(QLatin1String("toleranceSeconds")).toInt(), 45);
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("webhook"), QStringLiteral("set-tolerance"),
                                  QStringLiteral("whk_nope"), QStringLiteral("60")}),
                      1, QStringLiteral("No webhook with id whk_nope"));
}

QTEST_GUILESS_MAIN(TestCliProviders)
#include "tst_cli_providers.moc"
