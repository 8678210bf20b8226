#include "Cluster.h"

#include "PgServer.h"
#include "crypto/Signature.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QJsonObject>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSettings>
#include <QSqlError>

#include <csignal>
#include <sys/prctl.h>

namespace Alfe::Test {

namespace {
constexpr int StopWaitMs = 20'000;
int g_connections = 0;
} // namespace

Cluster::Cluster()
{
    Q_ASSERT(m_dir.isValid());
    m_url = PgServer::shared().createDatabase(QStringLiteral("cluster"));
    if (m_url.isEmpty()) {
        m_error = PgServer::shared().error();
        return;
    }
    m_databaseName = QUrl(m_url).path().mid(1);
}

Cluster::~Cluster()
{
    for (Node& node : m_nodes) {
        if (node.process && node.process->state() != QProcess::NotRunning) {
            node.process->kill();
            node.process->waitForFinished(StopWaitMs);
        }
    }
    if (!m_connectionName.isEmpty()) {
        QSqlDatabase::database(m_connectionName, false).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    if (!m_databaseName.isEmpty())
        PgServer::shared().dropDatabase(m_databaseName);
}

QString Cluster::keyFile() const
{
    return QDir(m_dir.path()).filePath(QStringLiteral("master.key"));
}

QString Cluster::dataDir(int node) const
{
    return QDir(m_dir.path()).filePath(QStringLiteral("node%1").arg(node));
}

CliResult Cluster::run(const QStringList& arguments, int node) const
{
    return CliRunner::runRaw(arguments + QStringList{QStringLiteral("--database"), m_url, QStringLiteral("--data-dir"),
                                                     dataDir(node), QStringLiteral("--key-file"), keyFile()});
}

QString Cluster::addAgent(const QString& name, const QString& forwardTo) const
{
    QStringList arguments{QStringLiteral("agent"), QStringLiteral("add"), name, QStringLiteral("--json")};
    if (!forwardTo.isEmpty())
        arguments << QStringLiteral("--forward-to") << forwardTo;
    const CliResult added = run(arguments);
    const QString id = added.exitCode == 0 ? added.json().object().value(QLatin1String("id")).toString() : QString();
    if (id.isEmpty())
        qWarning("agent add failed: %s", added.describe().constData());
    return id;
}

QPair<QString, QByteArray> Cluster::createWebhook(const QString& agentId) const
{
    const CliResult created =
        run({QStringLiteral("webhook"), QStringLiteral("create"), QStringLiteral("--agent"), agentId,
             QStringLiteral("--provider"), QStringLiteral("generic"), QStringLiteral("--json")});
    const QJsonObject object = created.json().object();
    if (created.exitCode != 0 || object.value(QLatin1String("id")).toString().isEmpty()) {
        qWarning("webhook create failed: %s", created.describe().constData());
        return {};
    }
    return {object.value(QLatin1String("id")).toString(), object.value(QLatin1String("secret")).toString().toUtf8()};
}

int Cluster::startNode(const QStringList& extra)
{
    const int index = nodeCount();
    Node node;
    node.process = std::make_unique<QProcess>();
    // The node dies with the test process, whatever ends it (a crash, the ctest timeout's SIGKILL).
    node.process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    node.process->start(CliRunner::program(),
                        QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"),
                                    QStringLiteral("--rate-limit"), QStringLiteral("0")} +
                            extra +
                            QStringList{QStringLiteral("--database"), m_url, QStringLiteral("--data-dir"),
                                        dataDir(index), QStringLiteral("--key-file"), keyFile()});
    node.process->closeWriteChannel();
    QByteArray seen;
    const QString said =
        waitForLine(*node.process, QStringLiteral("^alfe: listening on http://127\\.0\\.0\\.1:(\\d+)$"), &seen, 30'000);
    node.port = quint16(said.toUInt());
    m_nodes.push_back(std::move(node));
    if (said.isEmpty()) {
        qWarning("node %d did not start: %s / %s", index, seen.constData(),
                 m_nodes.back().process->readAllStandardError().constData());
        return -1;
    }
    return index;
}

bool Cluster::isRunning(int node) const
{
    return process(node).state() != QProcess::NotRunning;
}

QString Cluster::nodeId(int node) const
{
    const QSettings settings(QDir(dataDir(node)).filePath(QStringLiteral("alfe.ini")), QSettings::IniFormat);
    return settings.value(QStringLiteral("store/nodeId")).toString();
}

QUrl Cluster::hookUrl(int node, const QString& webhookId) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/v1/hooks/%2").arg(port(node)).arg(webhookId));
}

bool Cluster::kill(int node)
{
    QProcess& p = process(node);
    if (p.state() == QProcess::NotRunning || ::kill(pid_t(p.processId()), SIGKILL) != 0)
        return false;
    return p.waitForFinished(StopWaitMs) && p.exitStatus() == QProcess::CrashExit;
}

bool Cluster::stopAll()
{
    bool clean = true;
    for (Node& node : m_nodes) {
        if (node.process->state() != QProcess::NotRunning)
            node.process->terminate();
    }
    for (Node& node : m_nodes) {
        if (node.process->state() == QProcess::NotRunning)
            continue;
        if (!node.process->waitForFinished(StopWaitMs)) {
            node.process->kill();
            node.process->waitForFinished(StopWaitMs);
            clean = false;
            continue;
        }
        if (node.process->exitStatus() != QProcess::NormalExit || node.process->exitCode() != 0) {
            qWarning("a node stopped with exit %d: %s", node.process->exitCode(),
                     node.process->readAllStandardError().constData());
            clean = false;
        }
    }
    return clean;
}

QSqlDatabase Cluster::sql()
{
    if (m_connectionName.isEmpty()) {
        m_connectionName = QStringLiteral("cluster_test_%1").arg(++g_connections);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(PgServer::shared().port());
        db.setUserName(QStringLiteral("postgres"));
        db.setDatabaseName(m_databaseName);
        db.setConnectOptions(QStringLiteral("connect_timeout=10"));
        if (!db.open())
            qWarning("cannot open the test's own connection: %s", qPrintable(db.lastError().text()));
        return db;
    }
    return QSqlDatabase::database(m_connectionName);
}

QNetworkReply* postSigned(QNetworkAccessManager& network, const QUrl& url, const QByteArray& secret,
                          const QByteArray& body, const QByteArray& senderId)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    request.setRawHeader(Signature::HeaderName, Signature::sign(secret, body));
    if (!senderId.isEmpty())
        request.setRawHeader("X-Alfe-Delivery-Id", senderId);
    return network.post(request, body);
}

} // namespace Alfe::Test
