// `alfe serve --tls-cert CHAIN --tls-key KEY` as a real process, with a throwaway CA made by the openssl tool
// (TestCertificates): curl posts a signed delivery over HTTPS and it is stored; curl without the CA refuses the
// certificate (exit 60); plain HTTP to the TLS port fails and the server serves on; `alfe send-test` trusts the
// certificate its data directory's server serves; `alfe listen --ca-file` gets a delivery over WSS and acknowledges
// it, and without --ca-file says what is missing; bad --tls-cert/--tls-key and --ca-file values get one precise line
// and exit 2, before the data directory is touched.
#include "CliRunner.h"
#include "TestCertificates.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QTest>

#include <csignal>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
const QString ListeningLine = QStringLiteral("^alfe: listening on https://127\\.0\\.0\\.1:(\\d+)$");
constexpr int WaitMs = 60'000;

struct Curl
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// curl ARGS, with the answer's body and then its status on stdout.
Curl curl(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral("curl"),
                  QStringList{QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("20"),
                              QStringLiteral("-w"), QStringLiteral("\\n%{http_code}")} +
                      arguments);
    process.waitForFinished(30'000);
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}
} // namespace

class TestCliTls final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void curlPostsOverHttps();
    void listenReceivesOverWss();
    void badServeOptions_data();
    void badServeOptions();
    void badCaFile_data();
    void badCaFile();

private:
    bool startServer();
    bool newAgentAndWebhook();
    // curl --cacert CA (or not) with a body signed by the webhook's secret, to BASE/v1/hooks/ID.
    Curl postSigned(const QByteArray& body, const QString& base, bool trustCa = true);
    QString deliveryIdOf(const Curl& answer) const;
    QHash<QString, QString> statuses() const;

    std::unique_ptr<TestCertificates> m_certificates;
    std::unique_ptr<CliRunner> m_cli;
    std::unique_ptr<QProcess> m_server;
    std::unique_ptr<QProcess> m_listener;
    QByteArray m_listenOut; // what the listener printed so far
    QByteArray m_listenErr;
    quint16 m_port = 0;
    QString m_tokenFile;
    QString m_webhookId;
    QByteArray m_secret;
};

void TestCliTls::initTestCase()
{
    m_certificates = std::make_unique<TestCertificates>();
    QVERIFY2(m_certificates->isValid(), qPrintable(m_certificates->problem()));
}

void TestCliTls::init()
{
    m_cli = std::make_unique<CliRunner>();
}

void TestCliTls::cleanup()
{
    for (QProcess* process : {m_listener.get(), m_server.get()}) {
        if (process && process->state() != QProcess::NotRunning) {
            process->terminate();
            if (!process->waitForFinished(20'000))
                process->kill();
        }
    }
    m_listener.reset();
    m_listenOut.clear();
    m_listenErr.clear();
    m_server.reset();
    m_cli.reset();
}

bool TestCliTls::startServer()
{
    m_server = m_cli->start({QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"),
                             QStringLiteral("--rate-limit"), QStringLiteral("0"), QStringLiteral("--tls-cert"),
                             m_certificates->chainFile(), QStringLiteral("--tls-key"), m_certificates->keyFile()});
    QByteArray seen;
    const QString port = waitForLine(*m_server, ListeningLine, &seen);
    if (port.isEmpty()) {
        qWarning("serve did not start: %s / %s", seen.constData(), m_server->readAllStandardError().constData());
        return false;
    }
    m_port = quint16(port.toUInt());
    return true;
}

bool TestCliTls::newAgentAndWebhook()
{
    const CliResult added = m_cli->run(
        {QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("tls-bot"), QStringLiteral("--json")});
    const QString agentId = added.json().object().value(QLatin1String("id")).toString();
    m_tokenFile = m_cli->path(QStringLiteral("agent.token"));
    QFile file(m_tokenFile);
    if (added.exitCode != 0 || !file.open(QIODevice::WriteOnly))
        return false;
    file.write(added.json().object().value(QLatin1String("token")).toString().toLatin1() + '\n');
    file.close();
    const auto webhook = m_cli->createWebhook(agentId);
    m_webhookId = webhook.first;
    m_secret = webhook.second;
    return m_secret.startsWith("whsec_");
}

Curl TestCliTls::postSigned(const QByteArray& body, const QString& base, bool trustCa)
{
    const QByteArray signature =
        "sha256=" + QMessageAuthenticationCode::hash(body, m_secret, QCryptographicHash::Sha256).toHex();
    QStringList arguments{QStringLiteral("-H"),
                          QStringLiteral("Content-Type: application/json"),
                          QStringLiteral("-H"),
                          QStringLiteral("X-Alfe-Signature-256: ") + QString::fromLatin1(signature),
                          QStringLiteral("--data-binary"),
                          QString::fromUtf8(body),
                          base + QStringLiteral("/v1/hooks/") + m_webhookId};
    if (trustCa)
        arguments = QStringList{QStringLiteral("--cacert"), m_certificates->caFile()} + arguments;
    return curl(arguments);
}

QString TestCliTls::deliveryIdOf(const Curl& answer) const
{
    if (answer.exitCode != 0 || !answer.out.endsWith("\n202")) {
        qWarning() << "curl:" << answer.exitCode << answer.out << answer.err;
        return {};
    }
    const QByteArray body = answer.out.left(answer.out.lastIndexOf('\n'));
    return QJsonDocument::fromJson(body).object().value(QLatin1String("deliveryId")).toString();
}

QHash<QString, QString> TestCliTls::statuses() const
{
    const CliResult list = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")});
    QHash<QString, QString> out;
    for (const QJsonValue& value : list.json().array()) {
        const QJsonObject delivery = value.toObject();
        out.insert(delivery.value(QLatin1String("id")).toString(), delivery.value(QLatin1String("status")).toString());
    }
    return out;
}

void TestCliTls::curlPostsOverHttps()
{
    QVERIFY(startServer());
    QVERIFY(newAgentAndWebhook());
    const QString https = QStringLiteral("https://127.0.0.1:%1").arg(m_port);
    // The webhook URLs the CLI prints are the server's: https://.
    const CliResult shown = m_cli->run({QStringLiteral("webhook"), QStringLiteral("show"), m_webhookId});
    QVERIFY2(shown.out.contains((https + QStringLiteral("/v1/hooks/") + m_webhookId).toUtf8()),
             shown.describe().constData());

    const QString first = deliveryIdOf(postSigned(R"({"type":"push","n":1})", https));
    QVERIFY(first.startsWith(QLatin1String("dlv_")));
    QCOMPARE(statuses().keys(), QStringList{first}); // stored

    const Curl untrusted = postSigned(R"({"type":"push","n":2})", https, false);
    QCOMPARE(untrusted.exitCode, 60); // "SSL certificate problem: unable to get local issuer certificate"

    const Curl plain = postSigned(R"({"type":"push","n":3})", QStringLiteral("http://127.0.0.1:%1").arg(m_port));
    QVERIFY2(plain.exitCode != 0 && !plain.out.endsWith("\n202"), plain.out + plain.err);

    const QString second = deliveryIdOf(postSigned(R"({"type":"push","n":4})", https)); // still serving
    QVERIFY(second.startsWith(QLatin1String("dlv_")));
    const auto stored = statuses();
    QCOMPARE(QSet<QString>(stored.keyBegin(), stored.keyEnd()), (QSet<QString>{first, second}));
    // send-test finds the server on this data directory and trusts exactly the certificate it serves.
    const CliResult sent = m_cli->run({QStringLiteral("send-test"), m_webhookId});
    ALFE_VERIFY_OK(sent);
    QTRY_COMPARE_WITH_TIMEOUT(statuses().size(), 3, WaitMs);
    // Neither the untrusted nor the plain-text attempt reached the server as a request.
    const CliResult refused =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("refused"), QStringLiteral("--json")});
    QCOMPARE(refused.json().array().size(), 0);
    QCOMPARE(m_server->state(), QProcess::Running);
}

void TestCliTls::listenReceivesOverWss()
{
    QVERIFY(startServer());
    QVERIFY(newAgentAndWebhook());
    const QString https = QStringLiteral("https://127.0.0.1:%1").arg(m_port);

    // Without --ca-file the private CA is not trusted: the listener says so and stops.
    const CliResult untrusted =
        CliRunner::runRaw({QStringLiteral("listen"), QStringLiteral("--server"), https, QStringLiteral("--token-file"),
                           m_tokenFile, QStringLiteral("--print")});
    ALFE_VERIFY_ERROR(
        untrusted, 1,
        QStringLiteral("The TLS handshake with wss://127.0.0.1:%1/v1/agents/me/stream failed: ").arg(m_port));
    QVERIFY2(untrusted.err.endsWith("(a server certificate from a private CA needs --ca-file FILE).\n"),
             untrusted.describe().constData());

    m_listener = std::make_unique<QProcess>();
    QByteArray& out = m_listenOut;
    QByteArray& err = m_listenErr;
    QProcess* listener = m_listener.get();
    connect(listener, &QProcess::readyReadStandardOutput, listener,
            [this] { m_listenOut += m_listener->readAllStandardOutput(); });
    connect(listener, &QProcess::readyReadStandardError, listener,
            [this] { m_listenErr += m_listener->readAllStandardError(); });
    m_listener->start(CliRunner::program(),
                      {QStringLiteral("listen"), QStringLiteral("--server"), https, QStringLiteral("--token-file"),
                       m_tokenFile, QStringLiteral("--ca-file"), m_certificates->caFile(), QStringLiteral("--print")});
    const QByteArray connected =
        QStringLiteral("alfe: connected to wss://127.0.0.1:%1/v1/agents/me/stream as agent ").arg(m_port).toUtf8();
    QTRY_VERIFY2_WITH_TIMEOUT(err.contains(connected), err.constData(), WaitMs);

    const QByteArray body = R"({"type":"issue","action":"opened"})";
    const QString id = deliveryIdOf(postSigned(body, https));
    QVERIFY(id.startsWith(QLatin1String("dlv_")));
    QTRY_VERIFY2_WITH_TIMEOUT(out.contains(id.toUtf8()), out + err, WaitMs);
    const QJsonObject frame = QJsonDocument::fromJson(out.left(out.indexOf('\n'))).object();
    QCOMPARE(frame.value(QLatin1String("deliveryId")).toString(), id);
    QCOMPARE(QByteArray::fromBase64(frame.value(QLatin1String("body")).toString().toLatin1()), body);
    QTRY_COMPARE_WITH_TIMEOUT(statuses().value(id), QStringLiteral("delivered"), WaitMs); // acknowledged

    QCOMPARE(::kill(pid_t(m_listener->processId()), SIGINT), 0);
    QTRY_VERIFY_WITH_TIMEOUT(m_listener->state() == QProcess::NotRunning, WaitMs);
    QCOMPARE(m_listener->exitCode(), 0);
}

void TestCliTls::badServeOptions_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const TestCertificates& c = *m_certificates;
    const QString cert = QStringLiteral("--tls-cert");
    const QString key = QStringLiteral("--tls-key");
    const QString missing = c.path(QStringLiteral("missing.pem"));
    QTest::newRow("cert without key") << QStringList{cert, c.chainFile()}
                                      << QStringLiteral(
                                             "--tls-cert needs --tls-key FILE, the certificate's private key.");
    QTest::newRow("key without cert") << QStringList{key, c.keyFile()}
                                      << QStringLiteral(
                                             "--tls-key needs --tls-cert FILE, the certificate it belongs to.");
    QTest::newRow("missing cert") << QStringList{cert, missing, key, c.keyFile()}
                                  << QStringLiteral("The TLS certificate file %1 does not exist.").arg(missing);
    QTest::newRow("missing key") << QStringList{cert, c.chainFile(), key, missing}
                                 << QStringLiteral("The TLS private key file %1 does not exist.").arg(missing);
    QTest::newRow("cert a directory") << QStringList{cert, QDir::tempPath(), key, c.keyFile()}
                                      << QStringLiteral(
                                             "The TLS certificate file %1 is a directory; give the PEM file itself.")
                                             .arg(QDir::tempPath());
    QTest::newRow("garbage cert")
        << QStringList{cert, c.garbageFile(), key, c.keyFile()}
        << QStringLiteral("The TLS certificate file %1 holds no PEM certificate (-----BEGIN CERTIFICATE-----).")
               .arg(c.garbageFile());
    QTest::newRow("garbage key")
        << QStringList{cert, c.chainFile(), key, c.garbageFile()}
        << QStringLiteral("The TLS private key file %1 holds no PEM private key (-----BEGIN PRIVATE KEY-----).")
               .arg(c.garbageFile());
    QTest::newRow("certificate as the key")
        << QStringList{cert, c.chainFile(), key, c.chainFile()}
        << QStringLiteral("The TLS private key file %1 holds no PEM private key (-----BEGIN PRIVATE KEY-----).")
               .arg(c.chainFile());
    QTest::newRow("key of another certificate")
        << QStringList{cert, c.chainFile(), key, c.otherKeyFile()}
        << QStringLiteral("The TLS private key in %1 does not belong to the certificate in %2 (the server's own "
                          "certificate must come first in it).")
               .arg(c.otherKeyFile(), c.chainFile());
    QTest::newRow("encrypted key")
        << QStringList{cert, c.chainFile(), key, c.encryptedKeyFile()}
        << QStringLiteral("The TLS private key file %1 is encrypted; give the key unencrypted (openssl pkey -in %1 "
                          "-out server.key), in a file only this user can read.")
               .arg(c.encryptedKeyFile());
}

void TestCliTls::badServeOptions()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const CliResult result =
        m_cli->run(QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")} + arguments);
    ALFE_VERIFY_ERROR(result, 2, message);
    QCOMPARE(QString::fromUtf8(result.err), QStringLiteral("alfe: ") + message + QLatin1Char('\n'));
    QVERIFY2(!QFileInfo::exists(m_cli->dataDir()), "the data directory was created"); // checked before it is taken
    // The key's text never shows.
    QFile keyFile(m_certificates->keyFile());
    QVERIFY(keyFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> keyLines = keyFile.readAll().split('\n');
    QVERIFY(!result.err.contains(keyLines.value(1)));
}

void TestCliTls::badCaFile_data()
{
    QTest::addColumn<QString>("server");
    QTest::addColumn<QString>("caFile");
    QTest::addColumn<QString>("message");
    const TestCertificates& c = *m_certificates;
    const QString https = QStringLiteral("https://127.0.0.1:1");
    const QString missing = c.path(QStringLiteral("missing.pem"));
    QTest::newRow("missing") << https << missing << QStringLiteral("The CA file %1 does not exist.").arg(missing);
    QTest::newRow("garbage") << https << c.garbageFile()
                             << QStringLiteral("The CA file %1 holds no PEM certificate (-----BEGIN CERTIFICATE-----).")
                                    .arg(c.garbageFile());
    QTest::newRow("a key, not a certificate")
        << https << c.keyFile()
        << QStringLiteral("The CA file %1 holds no PEM certificate (-----BEGIN CERTIFICATE-----).").arg(c.keyFile());
    QTest::newRow("plain http server")
        << QStringLiteral("http://127.0.0.1:1") << c.caFile()
        << QStringLiteral("--ca-file is for an https:// (or wss://) --server; http://127.0.0.1:1 is not one.");
}

void TestCliTls::badCaFile()
{
    QFETCH(QString, server);
    QFETCH(QString, caFile);
    QFETCH(QString, message);
    const QString tokenFile = m_cli->path(QStringLiteral("agent.token"));
    QFile token(tokenFile);
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write("alfe_notarealtoken\n");
    token.close();
    const CliResult result =
        CliRunner::runRaw({QStringLiteral("listen"), QStringLiteral("--server"), server, QStringLiteral("--token-file"),
                           tokenFile, QStringLiteral("--print"), QStringLiteral("--ca-file"), caFile});
    ALFE_VERIFY_ERROR(result, 2, message);
    QCOMPARE(QString::fromUtf8(result.err), QStringLiteral("alfe: ") + message + QLatin1Char('\n'));
}

QTEST_GUILESS_MAIN(TestCliTls)
#include "tst_cli_tls.moc"
