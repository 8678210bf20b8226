#include "PgServer.h"
#include "TestEngine.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QNetworkInterface>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Alfe;

namespace {

// A QPSQL connection to one database of the test server, removed with this object.
class Connection
{
public:
    Connection(const QString& database, const QString& name)
        : m_name(name)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(Test::PgServer::shared().port());
        db.setUserName(QStringLiteral("postgres"));
        db.setDatabaseName(database);
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
        db.open();
    }
    ~Connection()
    {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }
    // The first column of the first row of `sql`, or an invalid QVariant when it fails.
    QVariant value(const QString& sql) const
    {
        QSqlQuery query(db());
        if (!query.exec(sql) || !query.next())
            return {};
        return query.value(0);
    }
    bool exec(const QString& sql) const
    {
        QSqlQuery query(db());
        return query.exec(sql);
    }

private:
    QString m_name;
};

QString databaseName(const QString& url)
{
    return url.section(QLatin1Char('/'), -1);
}

// True while `pid` exists and is not a zombie (checked independently of PgServer's own check).
bool alive(qint64 pid)
{
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    return line.mid(line.lastIndexOf(')') + 2, 1) != "Z";
}

bool acceptsTcp(const QHostAddress& address, quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(address, port);
    return socket.waitForConnected(2'000);
}

} // namespace

// The private PostgreSQL server the tests start for themselves: really running, isolated databases, reachable
// only on 127.0.0.1 and through a private socket directory, and gone (process and files) once stopped.
class TestPgServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QElapsedTimer timer;
        timer.start();
        Test::PgServer& server = Test::PgServer::shared();
        QVERIFY2(server.isRunning(), qPrintable(server.error()));
        qInfo("PostgreSQL started on 127.0.0.1:%d in %lld ms (initdb + pg_ctl start)", int(server.port()),
              timer.elapsed());
        QVERIFY(server.port() > 0);
        QVERIFY(server.error().isEmpty());
    }

    void cleanupTestCase() { Test::PgServer::shared().stop(); }

    void databasesAreSeparate()
    {
        Test::PgServer& server = Test::PgServer::shared();
        const QString first = server.createDatabase(QStringLiteral("tst_pgserver"));
        const QString second = server.createDatabase(QStringLiteral("tst_pgserver"));
        QVERIFY2(!first.isEmpty(), qPrintable(server.error()));
        QVERIFY2(!second.isEmpty(), qPrintable(server.error()));
        QVERIFY(first != second);
        // The exact form the store parses.
        const QRegularExpression form(QStringLiteral("^postgresql://postgres@127\\.0\\.0\\.1:%1/tst_pgserver_\\d+_%2$")
                                          .arg(server.port())
                                          .arg(QCoreApplication::applicationPid()));
        QVERIFY2(form.match(first).hasMatch(), qPrintable(first));
        QVERIFY2(form.match(second).hasMatch(), qPrintable(second));
        QCOMPARE(server.url(databaseName(first)), first);

        const Connection a(databaseName(first), QStringLiteral("a"));
        const Connection b(databaseName(second), QStringLiteral("b"));
        QVERIFY2(a.db().isOpen(), qPrintable(a.db().lastError().text()));
        QVERIFY2(b.db().isOpen(), qPrintable(b.db().lastError().text()));
        QCOMPARE(a.value(QStringLiteral("SELECT current_database()")).toString(), databaseName(first));
        QCOMPARE(b.value(QStringLiteral("SELECT current_database()")).toString(), databaseName(second));

        QVERIFY(a.exec(QStringLiteral("CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL)")));
        QVERIFY(a.exec(QStringLiteral("INSERT INTO widgets VALUES (1, 'only in the first')")));
        QCOMPARE(a.value(QStringLiteral("SELECT name FROM widgets WHERE id = 1")).toString(),
                 QStringLiteral("only in the first"));
        // Not there in the second database: not listed, not readable, and free to be created afresh, empty.
        QCOMPARE(b.value(QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_name = 'widgets'"))
                     .toInt(),
                 0);
        QVERIFY(!b.exec(QStringLiteral("SELECT * FROM widgets")));
        QVERIFY(b.exec(QStringLiteral("CREATE TABLE widgets (id integer PRIMARY KEY)")));
        QCOMPARE(b.value(QStringLiteral("SELECT count(*) FROM widgets")).toInt(), 0);
        QCOMPARE(a.value(QStringLiteral("SELECT count(*) FROM widgets")).toInt(), 1);

        QVERIFY2(server.dropDatabase(databaseName(first)), qPrintable(server.error()));
        QVERIFY2(server.dropDatabase(databaseName(second)), qPrintable(server.error()));
    }

    void listensOnLoopbackAndAPrivateSocketOnly()
    {
        Test::PgServer& server = Test::PgServer::shared();
        const Connection c(QStringLiteral("postgres"), QStringLiteral("settings"));
        QVERIFY2(c.db().isOpen(), qPrintable(c.db().lastError().text()));
        QCOMPARE(c.value(QStringLiteral("SHOW listen_addresses")).toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(c.value(QStringLiteral("SHOW port")).toInt(), int(server.port()));
        QCOMPARE(c.value(QStringLiteral("SHOW unix_socket_directories")).toString(), server.socketDir());
        QCOMPARE(c.value(QStringLiteral("SHOW data_directory")).toString(), server.dataDir());
        QCOMPARE(c.value(QStringLiteral("SHOW fsync")).toString(), QStringLiteral("off"));

        // The socket directory: owner only, and owned by the user the server runs as (postgres when we are root).
        struct stat st = {};
        QCOMPARE(::stat(QFile::encodeName(server.socketDir()).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0700u);
        const passwd* postgres = ::getpwnam("postgres");
        const uid_t serverUid = ::geteuid() == 0 && postgres ? postgres->pw_uid : ::geteuid();
        QCOMPARE(st.st_uid, serverUid);
        QVERIFY(QFileInfo::exists(server.socketDir() + QStringLiteral("/.s.PGSQL.%1").arg(server.port())));
        // So is the postmaster itself.
        const qint64 pid =
            Test::readFile(server.dataDir() + QStringLiteral("/postmaster.pid")).split('\n').value(0).toLongLong();
        QVERIFY(pid > 0);
        QCOMPARE(::stat(QFile::encodeName(QStringLiteral("/proc/%1").arg(pid)).constData(), &st), 0);
        QCOMPARE(st.st_uid, serverUid);

        // Reachable on 127.0.0.1, refused on this machine's other addresses.
        QVERIFY(acceptsTcp(QHostAddress::LocalHost, server.port()));
        for (const QHostAddress& address : QNetworkInterface::allAddresses()) {
            if (address.isLoopback() || address.protocol() != QAbstractSocket::IPv4Protocol)
                continue;
            QVERIFY2(!acceptsTcp(address, server.port()), qPrintable(address.toString()));
        }
    }

    void dropDatabaseRemovesIt()
    {
        Test::PgServer& server = Test::PgServer::shared();
        const QString url = server.createDatabase(QStringLiteral("Dropped Soon!"));
        QVERIFY2(!url.isEmpty(), qPrintable(server.error()));
        const QString name = databaseName(url);
        QVERIFY2(name.startsWith(QLatin1String("dropped_soon__")), qPrintable(name));
        const Connection admin(QStringLiteral("postgres"), QStringLiteral("admin"));
        const QString listed = QStringLiteral("SELECT count(*) FROM pg_database WHERE datname = '%1'").arg(name);
        QCOMPARE(admin.value(listed).toInt(), 1);

        // A connection still open on it does not stop the drop (WITH (FORCE)); it is ended.
        const Connection open(name, QStringLiteral("open"));
        QVERIFY2(open.db().isOpen(), qPrintable(open.db().lastError().text()));
        QVERIFY(open.exec(QStringLiteral("CREATE TABLE t (x int)")));
        QVERIFY2(server.dropDatabase(name), qPrintable(server.error()));
        QCOMPARE(admin.value(listed).toInt(), 0);
        QVERIFY(!open.exec(QStringLiteral("SELECT count(*) FROM t")));
        const Connection again(name, QStringLiteral("again"));
        QVERIFY(!again.db().isOpen());
        QVERIFY(again.db().lastError().text().contains(QLatin1String("does not exist")));

        // Dropping it twice fails and says why.
        QVERIFY(!server.dropDatabase(name));
        QVERIFY2(server.error().contains(QLatin1String("does not exist")), qPrintable(server.error()));
    }

    void backendComesFromTheEnvironment()
    {
        const QByteArray saved = qgetenv("ALFE_TEST_DATABASE");
        const bool wasSet = qEnvironmentVariableIsSet("ALFE_TEST_DATABASE");
        qunsetenv("ALFE_TEST_DATABASE");
        QCOMPARE(Test::testBackend(), QStringLiteral("sqlite"));
        qputenv("ALFE_TEST_DATABASE", "postgresql");
        QCOMPARE(Test::testBackend(), QStringLiteral("postgresql"));
        qputenv("ALFE_TEST_DATABASE", "sqlite");
        QCOMPARE(Test::testBackend(), QStringLiteral("sqlite"));
        if (wasSet)
            qputenv("ALFE_TEST_DATABASE", saved);
        else
            qunsetenv("ALFE_TEST_DATABASE");
    }

    // Last: stop() ends the postmaster and removes the server's directory; nothing listens on its port.
    void stopEndsTheServerAndRemovesItsDirectory()
    {
        Test::PgServer& server = Test::PgServer::shared();
        const QString dataDir = server.dataDir();
        const QString root = QFileInfo(dataDir).path();
        const quint16 port = server.port();
        const qint64 pid =
            Test::readFile(dataDir + QStringLiteral("/postmaster.pid")).split('\n').value(0).toLongLong();
        QVERIFY(pid > 0);
        QVERIFY(alive(pid));

        QElapsedTimer timer;
        timer.start();
        server.stop();
        qInfo("PostgreSQL stopped in %lld ms", timer.elapsed());
        QVERIFY(!server.isRunning());
        QVERIFY2(!alive(pid), qPrintable(QStringLiteral("postmaster %1 still running").arg(pid)));
        QVERIFY(!QFileInfo::exists(root));
        QVERIFY(!acceptsTcp(QHostAddress::LocalHost, port));
        QVERIFY(server.createDatabase().isEmpty());
        QVERIFY(!server.error().isEmpty());
        server.stop(); // twice is harmless
    }
};

QTEST_GUILESS_MAIN(TestPgServer)
#include "tst_pgserver.moc"
