#pragma once

// Several `alfe serve` processes ("nodes") on one PostgreSQL database (SPEC §14), for the cluster tests: each node
// has a data directory of its own (its alfe.ini and node id), all share one key file and one database made for
// the test by the private server of tests/support/PgServer.
#include "CliRunner.h"

#include <QByteArray>
#include <QList>
#include <QNetworkAccessManager>
#include <QPair>
#include <QProcess>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>
#include <vector>

class QNetworkReply;

namespace Alfe::Test {

class Cluster final
{
public:
    // Creates the database (isValid() false, error() why, when it could not).
    Cluster();
    // Kills every node still running and waits for it: no `alfe serve` outlives the test.
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    bool isValid() const { return !m_url.isEmpty(); }
    QString error() const { return m_error; }
    QString databaseUrl() const { return m_url; }
    QString keyFile() const;
    QString dataDir(int node) const;

    // alfe ARGS --database URL --data-dir DIR(node) --key-file K.
    CliResult run(const QStringList& arguments, int node = 0) const;
    // `alfe agent add NAME --forward-to URL`: the agent's id (empty on failure, with a warning).
    QString addAgent(const QString& name, const QString& forwardTo = {}) const;
    // `alfe webhook create --agent ID --provider generic`: its id and secret (empty on failure, with a warning).
    QPair<QString, QByteArray> createWebhook(const QString& agentId) const;

    // Starts the next node: alfe serve --port 0 --rate-limit 0 EXTRA --database URL --data-dir DIR(n) --key-file K,
    // and waits until it says it listens. Its index, or -1 (with a warning and what it printed) when it did not start.
    int startNode(const QStringList& extra = {});
    int nodeCount() const { return int(m_nodes.size()); }
    quint16 port(int node) const { return m_nodes.at(size_t(node)).port; }
    QProcess& process(int node) const { return *m_nodes.at(size_t(node)).process; }
    bool isRunning(int node) const;
    // The node id the node's alfe.ini holds (store/nodeId; written when the node first opened its engine).
    QString nodeId(int node) const;
    // http://127.0.0.1:PORT/v1/hooks/WEBHOOK on that node.
    QUrl hookUrl(int node, const QString& webhookId) const;
    // SIGKILL, then waits for the process to end. False when it was not running or did not die.
    bool kill(int node);
    // SIGTERM to every running node, then waits (SIGKILL after 20 s). True when each exited normally with 0.
    bool stopAll();

    // A QPSQL connection of the test's own to the shared database (opened on first use).
    QSqlDatabase sql();

private:
    struct Node
    {
        std::unique_ptr<QProcess> process;
        quint16 port = 0;
    };

    QTemporaryDir m_dir;
    QString m_url;
    QString m_databaseName;
    QString m_connectionName;
    QString m_error;
    std::vector<Node> m_nodes;
};

// POSTs `body` signed with X-Alfe-Signature-256 to `url`, with X-Alfe-Delivery-Id `senderId` unless empty.
// The reply is the caller's (deleteLater when finished).
QNetworkReply* postSigned(QNetworkAccessManager& network, const QUrl& url, const QByteArray& secret,
                          const QByteArray& body, const QByteArray& senderId = {});

} // namespace Alfe::Test
