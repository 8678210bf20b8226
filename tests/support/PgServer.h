#pragma once

#include <QMutex>
#include <QString>

#include <memory>

class QTemporaryDir;

namespace Alfe::Test {

// A private PostgreSQL 15 server for this test process. On first use (shared()) it runs initdb into a fresh
// temporary directory under /tmp (owned by the `postgres` user, and every server command run as it through
// `runuser -u postgres --` when the process is root), then `pg_ctl start` on a free TCP port bound to 127.0.0.1
// only, with its unix socket in a private (0700) directory beside the data; trust auth for user `postgres`,
// fsync off (tests only). It is stopped (`pg_ctl stop -m immediate`, waited for) and its directory removed when
// the process exits normally (a Qt post routine, and the static's destructor as a fallback), or by stop().
// Directories left by a test process that died without stopping its server are reaped (server stopped,
// directory removed) the next time a server starts.
class PgServer final
{
public:
    // The process's server, started on the first call (once: a failed start is not retried; see error()).
    static PgServer& shared();

    ~PgServer();
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

    bool isRunning() const;
    // Why the server could not start, or why the last createDatabase/dropDatabase failed.
    QString error() const;
    QString socketDir() const;
    QString dataDir() const; // holds postmaster.pid while running
    quint16 port() const;

    // A new empty database (CREATE DATABASE over a QPSQL connection to the `postgres` database), named
    // prefix_counter_pid. Returns its URL, or an empty string with error() set.
    QString createDatabase(const QString& prefix = QStringLiteral("alfe"));
    // postgresql://postgres@127.0.0.1:PORT/NAME (the form the store parses).
    QString url(const QString& name) const;
    // DROP DATABASE ... WITH (FORCE): open connections to it are ended.
    bool dropDatabase(const QString& name);

    // Everything stored in a database as pg_dump prints it (plain SQL, data included), for tests that look for
    // what must never be stored; empty with error() set when pg_dump fails.
    QByteArray dump(const QString& name);

    // Stops the server (pg_ctl stop -m immediate, waits for the postmaster to exit) and removes its directory.
    // Safe to call twice; shared() does not start it again afterwards.
    void stop();

private:
    PgServer();
    bool start();
    bool startOnPort(quint16 port, QString* log);
    void stopLocked();
    bool runAdmin(const QString& statement);

    mutable QMutex m_mutex;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_binDir;
    QString m_error;
    qint64 m_postmasterPid = 0;
    quint16 m_port = 0;
    bool m_running = false;
    int m_counter = 0;
};

// "postgresql" when the environment variable ALFE_TEST_DATABASE says so ("postgresql" or "postgres"), else "sqlite".
QString testBackend();

} // namespace Alfe::Test
