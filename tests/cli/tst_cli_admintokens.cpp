// alfe admin token create | list | revoke, run as real processes against a temporary data directory.
#include "CliRunner.h"

#include "crypto/Secrets.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
const QRegularExpression Token(QStringLiteral("alfeadm_[A-Za-z0-9_-]{43}"));
const QRegularExpression TokenId(QStringLiteral("adm_[0-9A-Z]{26}"));

QStringList words(const char* command)
{
    return QStringList{QStringLiteral("admin"), QStringLiteral("token")} +
           QString::fromLatin1(command).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}
} // namespace

class TestCliAdminTokens final : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_cli = std::make_unique<CliRunner>(); }
    void cleanup() { m_cli.reset(); }

    // The token is printed once with the warning, works as a token of that form, and only its SHA-256 reaches
    // the database file and its WAL (read while `alfe serve` holds them open).
    void createShowsTheTokenOnceAndStoresOnlyItsHash()
    {
        quint16 port = 0;
        auto server = m_cli->startServe(&port);
        QVERIFY(port != 0);
        const CliResult created = m_cli->run(words("create --name ci-deploy"));
        ALFE_VERIFY_OK(created);
        QCOMPARE(QString::fromUtf8(created.out).count(Token), 1);
        const QByteArray token = Token.match(QString::fromUtf8(created.out)).captured(0).toLatin1();
        QVERIFY(Secrets::isAdminToken(token));
        QVERIFY(created.out.contains("shown only this once"));
        QVERIFY(created.out.contains("cannot be shown again"));
        const QString id = created.field(QStringLiteral("id"));
        QVERIFY(TokenId.match(id).hasMatch());
        QCOMPARE(created.field(QStringLiteral("name")), QStringLiteral("ci-deploy"));

        const QString base = QDir(m_cli->dataDir()).filePath(QStringLiteral("alfe.sqlite"));
        QFile db(base);
        QVERIFY(db.open(QIODevice::ReadOnly));
        QFile wal(base + QStringLiteral("-wal"));
        QVERIFY(wal.open(QIODevice::ReadOnly));
        const QByteArray bytes = db.readAll() + wal.readAll();
        QVERIFY(!bytes.contains(token));
        QVERIFY(!bytes.contains(token.mid(8))); // nor its random part alone
        QVERIFY2(bytes.contains(Secrets::sha256(token)), "the hash should be stored (the files were read)");

        // Never again: not by list, in either form.
        for (const QStringList& args : {words("list"), words("list --json")}) {
            const CliResult listed = m_cli->run(args);
            ALFE_VERIFY_OK(listed);
            QVERIFY(!listed.out.contains(token));
            QCOMPARE(QString::fromUtf8(listed.out).count(Token), 0);
            QVERIFY(listed.out.contains(id.toLatin1()));
        }
        server->terminate();
        QVERIFY(server->waitForFinished(20'000));
    }

    void createAsJson()
    {
        const CliResult created = m_cli->run(words("create --json"));
        ALFE_VERIFY_OK(created);
        const QJsonObject object = created.json().object();
        QStringList keys = object.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{QStringLiteral("createdAt"), QStringLiteral("id"), QStringLiteral("lastUsedAt"),
                                    QStringLiteral("name"), QStringLiteral("revokedAt"), QStringLiteral("token")}));
        QVERIFY(Secrets::isAdminToken(object.value(QLatin1String("token")).toString().toLatin1()));
        QCOMPARE(object.value(QLatin1String("name")).toString(), QString());
        QVERIFY(object.value(QLatin1String("revokedAt")).isNull());
    }

    void listShowsEveryTokenAndRevokeStopsOne()
    {
        const QString laptop = m_cli->run(words("create --name laptop")).field(QStringLiteral("id"));
        const QString server = m_cli->run(words("create --name build-server")).field(QStringLiteral("id"));
        QVERIFY(!laptop.isEmpty() && !server.isEmpty());

        const CliResult table = m_cli->run(words("list"));
        ALFE_VERIFY_OK(table);
        QVERIFY(table.out.startsWith("ID"));
        for (const char* column : {"NAME", "CREATED", "LAST USED", "REVOKED"})
            QVERIFY2(table.out.contains(column), column);
        QVERIFY(table.out.contains(laptop.toLatin1()));
        QVERIFY(table.out.contains("build-server"));

        const CliResult revoked = m_cli->run(words("revoke") << laptop);
        ALFE_VERIFY_OK(revoked);
        QVERIFY(revoked.out.contains("Revoked admin token " + laptop.toLatin1()));
        // Again: idempotent, and says so.
        const CliResult again = m_cli->run(words("revoke") << laptop);
        ALFE_VERIFY_OK(again);
        QVERIFY(again.out.contains("already revoked"));

        const QJsonArray list = m_cli->run(words("list --json")).json().array();
        QCOMPARE(list.size(), 2);
        for (const QJsonValue& value : list) {
            const QJsonObject token = value.toObject();
            const bool isLaptop = token.value(QLatin1String("id")).toString() == laptop;
            QCOMPARE(token.value(QLatin1String("revokedAt")).isString(), isLaptop);
            QVERIFY(!token.contains(QLatin1String("token")));
        }
    }

    void badInput()
    {
        ALFE_VERIFY_ERROR(m_cli->run(words("revoke adm_01J00000000000000000000000")), 1,
                          QStringLiteral("No admin token with id adm_01J00000000000000000000000."));
        ALFE_VERIFY_ERROR(m_cli->run(words("revoke")), 2, QStringLiteral("needs ID"));
        ALFE_VERIFY_ERROR(m_cli->run(words("revoke a b")), 2, QStringLiteral("unexpected argument \"b\""));
        ALFE_VERIFY_ERROR(m_cli->run(words("create extra")), 2, QStringLiteral("unexpected argument \"extra\""));
        ALFE_VERIFY_ERROR(m_cli->run(words("create --name") << QStringLiteral("two\nlines")), 2,
                          QStringLiteral("one line of text"));
        ALFE_VERIFY_ERROR(m_cli->run(words("create --name") << QString(201, QLatin1Char('n'))), 2,
                          QStringLiteral("at most 200 characters"));
        ALFE_VERIFY_ERROR(m_cli->run(words("create --nmae x")), 2, QStringLiteral("nmae"));
        ALFE_VERIFY_ERROR(m_cli->run(words("frobnicate")), 2, QStringLiteral("frobnicate"));
        ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("admin"), QStringLiteral("tokens")}), 2, QStringLiteral("tokens"));
        // Nothing was created by any of them.
        QCOMPARE(m_cli->run(words("list --json")).json().array().size(), 0);
    }

    void helpOnEveryCommand()
    {
        for (const char* command : {"create", "list", "revoke"}) {
            const CliResult help = m_cli->run(words(command) << QStringLiteral("--help"));
            ALFE_VERIFY_OK(help);
            QVERIFY2(help.out.startsWith("Usage: alfe admin token " + QByteArray(command)), help.out.constData());
        }
        const CliResult group = m_cli->run(words("--help"));
        ALFE_VERIFY_OK(group);
        for (const char* command : {"create", "list", "revoke"})
            QVERIFY2(group.out.contains(command), group.out.constData());
        const CliResult top = CliRunner::runRaw({QStringLiteral("--help")});
        ALFE_VERIFY_OK(top);
        QVERIFY(top.out.contains("admin"));
    }

private:
    std::unique_ptr<CliRunner> m_cli;
};

QTEST_GUILESS_MAIN(TestCliAdminTokens)
#include "tst_cli_admintokens.moc"
