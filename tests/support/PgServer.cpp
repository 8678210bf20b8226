#include "PgServer.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QMutexLocker>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Alfe::Test {

namespace {

const QString kDefaultBinDir = QStringLiteral("/usr/lib/postgresql/15/bin");
const QString kDirPrefix = QStringLiteral("alfe-pgtest-");
constexpr int kStartAttempts = 5;

bool isRoot()
{
    return ::geteuid() == 0;
}

struct ToolResult
{
    bool ok = false; // ran and exited with 0
    QString output;  // stdout and stderr merged, or why it did not run
};

// Runs a PostgreSQL program, as the `postgres` user through runuser when this process is root. No shell.
ToolResult runTool(const QString& program, const QStringList& arguments, const QString& workingDir, int timeoutMs)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(workingDir);
    if (isRoot())
        process.start(QStringLiteral("runuser"),
                      QStringList{QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program} +
                          arguments);
    else
        process.start(program, arguments);
    ToolResult result;
    if (!process.waitForStarted(10'000)) {
        result.output = process.errorString();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5'000);
        result.output =
            QString::fromLocal8Bit(process.readAll()) + QStringLiteral("\n(killed after %1 ms)").arg(timeoutMs);
        return result;
    }
    result.output = QString::fromLocal8Bit(process.readAll()).trimmed();
    result.ok = process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    return result;
}

// The directory of initdb and pg_ctl: `pg_config --bindir` when that works, else Debian 12's PostgreSQL 15.
QString findBinDir()
{
    QProcess pgConfig;
    pgConfig.start(QStringLiteral("pg_config"), QStringList{QStringLiteral("--bindir")});
    if (pgConfig.waitForStarted(5'000) && pgConfig.waitForFinished(10'000) &&
        pgConfig.exitStatus() == QProcess::NormalExit && pgConfig.exitCode() == 0) {
        const QString dir = QString::fromLocal8Bit(pgConfig.readAllStandardOutput()).trimmed();
        if (QFileInfo(dir + QStringLiteral("/initdb")).isExecutable() &&
            QFileInfo(dir + QStringLiteral("/pg_ctl")).isExecutable())
            return dir;
    }
    return kDefaultBinDir;
}

// True while `pid` exists and is not a zombie.
bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || close + 2 >= line.size() || line.at(close + 2) != 'Z';
}

// The postmaster's pid: the first line of postmaster.pid (0 when there is none).
qint64 postmasterPid(const QString& dataDir)
{
    QFile file(dataDir + QStringLiteral("/postmaster.pid"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return file.readLine().trimmed().toLongLong();
}

QString logTail(const QString& path, int lines = 25)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("(no server log at %1)").arg(path);
    const QStringList all = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return all.mid(qMax(0, int(all.size()) - lines)).join(QLatin1Char('\n'));
}

bool chownToPostgres(const QString& path, QString* error)
{
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) {
        *error = QStringLiteral("there is no `postgres` user (the Debian package postgresql-15 creates it)");
        return false;
    }
    if (::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) != 0) {
        *error = QStringLiteral("chown postgres %1: %2").arg(path, QString::fromLocal8Bit(::strerror(errno)));
        return false;
    }
    return true;
}

// A TCP port nobody listens on right now (it may be taken again before the server binds it: start retries).
quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

// Directories of test processes that died without stopping their server: stop it and remove the directory.
void reapStale(const QString& base, const QString& pgCtl)
{
    const QDir dir(base);
    const QStringList entries =
        dir.entryList(QStringList{kDirPrefix + QLatin1Char('*')}, QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& entry : entries) {
        const QString path = dir.filePath(entry);
        QFile owner(path + QStringLiteral("/owner.pid"));
        if (!owner.open(QIODevice::ReadOnly))
            continue; // being set up by another process, or not ours
        const qint64 ownerPid = owner.readAll().trimmed().toLongLong();
        owner.close();
        if (ownerPid <= 0 || ownerPid == QCoreApplication::applicationPid() || processAlive(ownerPid))
            continue;
        const QString data = path + QStringLiteral("/data");
        const qint64 pid = postmasterPid(data);
        if (pid > 0 && processAlive(pid)) {
            runTool(pgCtl,
                    {QStringLiteral("stop"), QStringLiteral("-D"), data, QStringLiteral("-m"),
                     QStringLiteral("immediate"), QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("30")},
                    base, 40'000);
        }
        QDir(path).removeRecursively();
    }
}

QString quoteIdentifier(QString name)
{
    return QLatin1Char('"') + name.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
}

} // namespace

PgServer& PgServer::shared()
{
    static PgServer server;
    return server;
}

PgServer::PgServer()
{
    QMutexLocker lock(&m_mutex);
    start();
    qAddPostRoutine([] { PgServer::shared().stop(); });
}

PgServer::~PgServer()
{
    stop();
}

bool PgServer::isRunning() const
{
    QMutexLocker lock(&m_mutex);
    return m_running;
}

QString PgServer::error() const
{
    QMutexLocker lock(&m_mutex);
    return m_error;
}

QString PgServer::socketDir() const
{
    QMutexLocker lock(&m_mutex);
    return m_dir ? m_dir->filePath(QStringLiteral("socket")) : QString();
}

QString PgServer::dataDir() const
{
    QMutexLocker lock(&m_mutex);
    return m_dir ? m_dir->filePath(QStringLiteral("data")) : QString();
}

quint16 PgServer::port() const
{
    QMutexLocker lock(&m_mutex);
    return m_port;
}

QString PgServer::url(const QString& name) const
{
    return QStringLiteral("postgresql://postgres@127.0.0.1:%1/%2").arg(port()).arg(name);
}

bool PgServer::start()
{
    m_binDir = findBinDir();
    const QString initdb = m_binDir + QStringLiteral("/initdb");
    const QString pgCtl = m_binDir + QStringLiteral("/pg_ctl");
    if (!QFileInfo(initdb).isExecutable() || !QFileInfo(pgCtl).isExecutable()) {
        m_error = QStringLiteral("PostgreSQL 15 is not installed (no executable %1): install the Debian package "
                                 "postgresql-15 (./dev test installs it)")
                      .arg(initdb);
        return false;
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        m_error = QStringLiteral("Qt's PostgreSQL driver (QPSQL) is missing: install the Debian package "
                                 "libqt6sql6-psql (./dev test installs it)");
        return false;
    }
    if (isRoot() && !::getpwnam("postgres")) {
        m_error = QStringLiteral("running as root, but there is no `postgres` user to run the server as (the "
                                 "Debian package postgresql-15 creates it)");
        return false;
    }

    // Under /tmp when root: the `postgres` user must be able to reach the directory (TMPDIR may be private).
    const QString base = isRoot() ? QStringLiteral("/tmp") : QDir::tempPath();
    reapStale(base, pgCtl);

    m_dir = std::make_unique<QTemporaryDir>(base + QLatin1Char('/') + kDirPrefix + QStringLiteral("XXXXXX"));
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("could not create a temporary directory under %1: %2").arg(base, m_dir->errorString());
        m_dir.reset();
        return false;
    }
    const QString root = m_dir->path();
    const QString data = root + QStringLiteral("/data");
    const QString socket = root + QStringLiteral("/socket");
    {
        QFile owner(root + QStringLiteral("/owner.pid"));
        if (owner.open(QIODevice::WriteOnly))
            owner.write(QByteArray::number(QCoreApplication::applicationPid()) + '\n');
    }
    if (!QDir().mkdir(socket) || ::chmod(QFile::encodeName(socket).constData(), 0700) != 0) {
        m_error = QStringLiteral("could not create the socket directory %1").arg(socket);
        m_dir.reset();
        return false;
    }
    if (isRoot() && (!chownToPostgres(root, &m_error) || !chownToPostgres(socket, &m_error))) {
        m_dir.reset();
        return false;
    }

    const ToolResult init = runTool(initdb,
                                    {QStringLiteral("-D"), data, QStringLiteral("-U"), QStringLiteral("postgres"),
                                     QStringLiteral("-A"), QStringLiteral("trust"), QStringLiteral("-E"),
                                     QStringLiteral("UTF8"), QStringLiteral("--locale=C.UTF-8"), QStringLiteral("-N")},
                                    root, 120'000);
    if (!init.ok) {
        m_error = QStringLiteral("initdb -D %1 failed:\n%2").arg(data, init.output);
        m_dir.reset();
        return false;
    }

    QString log;
    for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
        const quint16 port = freePort();
        if (port == 0) {
            m_error = QStringLiteral("no free TCP port on 127.0.0.1");
            break;
        }
        if (startOnPort(port, &log)) {
            m_port = port;
            m_postmasterPid = postmasterPid(data);
            m_running = true;
            m_error.clear();
            return true;
        }
        // Another process took the port between the probe and the server's bind: try another one.
        const bool portTaken = log.contains(QLatin1String("could not bind")) ||
                               log.contains(QLatin1String("already in use")) ||
                               log.contains(QLatin1String("could not create any TCP/IP sockets"));
        if (!portTaken)
            break;
    }
    m_dir.reset();
    return false;
}

bool PgServer::startOnPort(quint16 port, QString* log)
{
    const QString root = m_dir->path();
    const QString data = root + QStringLiteral("/data");
    const QString logFile = root + QStringLiteral("/server.log");
    QFile::remove(logFile);
    // pg_ctl hands -o to the postmaster through /bin/sh: the socket path is quoted.
    const QString options = QStringLiteral("-p %1 -k '%2' -c listen_addresses=127.0.0.1 -c fsync=off "
                                           "-c max_connections=200")
                                .arg(port)
                                .arg(root + QStringLiteral("/socket"));
    const ToolResult started =
        runTool(m_binDir + QStringLiteral("/pg_ctl"),
                {QStringLiteral("start"), QStringLiteral("-D"), data, QStringLiteral("-l"), logFile,
                 QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("-o"), options},
                root, 90'000);
    if (started.ok)
        return true;
    *log = logTail(logFile);
    m_error = QStringLiteral("pg_ctl start (port %1) failed:\n%2\nserver log (%3):\n%4")
                  .arg(port)
                  .arg(started.output, logFile, *log);
    // pg_ctl may have given up waiting on a postmaster that is still there.
    if (postmasterPid(data) > 0)
        runTool(m_binDir + QStringLiteral("/pg_ctl"),
                {QStringLiteral("stop"), QStringLiteral("-D"), data, QStringLiteral("-m"), QStringLiteral("immediate"),
                 QStringLiteral("-w")},
                root, 60'000);
    return false;
}

void PgServer::stop()
{
    QMutexLocker lock(&m_mutex);
    stopLocked();
}

void PgServer::stopLocked()
{
    if (!m_dir)
        return;
    const QString root = m_dir->path();
    const QString data = root + QStringLiteral("/data");
    if (m_running || postmasterPid(data) > 0) {
        const ToolResult stopped =
            runTool(m_binDir + QStringLiteral("/pg_ctl"),
                    {QStringLiteral("stop"), QStringLiteral("-D"), data, QStringLiteral("-m"),
                     QStringLiteral("immediate"), QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("30")},
                    root, 40'000);
        if (!stopped.ok)
            qWarning("PgServer: pg_ctl stop failed: %s", qPrintable(stopped.output));
    }
    // pg_ctl -w waits for postmaster.pid to go; make sure the process itself is gone too.
    if (processAlive(m_postmasterPid)) {
        ::kill(static_cast<pid_t>(m_postmasterPid), SIGKILL);
        for (int i = 0; i < 100 && processAlive(m_postmasterPid); ++i)
            QThread::msleep(50);
    }
    m_running = false;
    m_dir.reset(); // removes the directory
}

bool PgServer::runAdmin(const QString& statement)
{
    static QAtomicInt connections;
    const QString connectionName = QStringLiteral("alfe-pgserver-admin-%1").arg(connections.fetchAndAddRelaxed(1) + 1);
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(m_port);
        db.setUserName(QStringLiteral("postgres"));
        db.setDatabaseName(QStringLiteral("postgres"));
        db.setConnectOptions(QStringLiteral("connect_timeout=10"));
        if (!db.open()) {
            m_error = QStringLiteral("could not connect to the test PostgreSQL server on 127.0.0.1:%1: %2")
                          .arg(m_port)
                          .arg(db.lastError().text());
        } else {
            QSqlQuery query(db);
            ok = query.exec(statement);
            if (!ok)
                m_error = QStringLiteral("%1: %2").arg(statement, query.lastError().text());
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
    return ok;
}

QString PgServer::createDatabase(const QString& prefix)
{
    QMutexLocker lock(&m_mutex);
    if (!m_running) {
        if (m_error.isEmpty())
            m_error = QStringLiteral("the test PostgreSQL server was stopped");
        return {};
    }
    // Lower case letters, digits and underscores only, so the name needs no quoting in the URL.
    QString clean;
    for (const QChar c : prefix.toLower())
        clean += (c.isLetterOrNumber() && c.unicode() < 128) ? c : QLatin1Char('_');
    if (clean.isEmpty() || !clean.at(0).isLetter())
        clean.prepend(QStringLiteral("db_"));
    const QString name =
        QStringLiteral("%1_%2_%3").arg(clean.left(40)).arg(++m_counter).arg(QCoreApplication::applicationPid());
    if (!runAdmin(QStringLiteral("CREATE DATABASE %1").arg(quoteIdentifier(name))))
        return {};
    return QStringLiteral("postgresql://postgres@127.0.0.1:%1/%2").arg(m_port).arg(name);
}

QByteArray PgServer::dump(const QString& name)
{
    QMutexLocker lock(&m_mutex);
    if (!m_running)
        return {};
    const ToolResult result = runTool(m_binDir + QStringLiteral("/pg_dump"),
                                      {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                                       QString::number(m_port), QStringLiteral("-U"), QStringLiteral("postgres"), name},
                                      QDir::tempPath(), 60'000);
    if (!result.ok) {
        m_error = QStringLiteral("pg_dump %1 failed: %2").arg(name, result.output);
        return {};
    }
    return result.output.toUtf8();
}

bool PgServer::dropDatabase(const QString& name)
{
    QMutexLocker lock(&m_mutex);
    if (!m_running) {
        m_error = QStringLiteral("the test PostgreSQL server is not running");
        return false;
    }
    return runAdmin(QStringLiteral("DROP DATABASE %1 WITH (FORCE)").arg(quoteIdentifier(name)));
}

QString testBackend()
{
    const QString value = qEnvironmentVariable("ALFE_TEST_DATABASE").trimmed().toLower();
    return value == QLatin1String("postgresql") || value == QLatin1String("postgres") ? QStringLiteral("postgresql")
                                                                                      : QStringLiteral("sqlite");
}

} // namespace Alfe::Test
