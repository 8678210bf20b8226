#include "TestEngine.h"

#include "PgServer.h"
#include "domain/Clock.h"

#include <QDir>
#include <QFile>
#include <QTest>
#include <QUrl>

namespace Alfe::Test {

TestEngine::TestEngine(const Clock& clock)
    : m_clock(clock)
{
    if (testBackend() == QLatin1String("postgresql")) {
        m_database = PgServer::shared().createDatabase(QStringLiteral("engine"));
        if (m_database.isEmpty())
            qFatal("no PostgreSQL database for the test engine: %s", qPrintable(PgServer::shared().error()));
    }
    reopen();
}

TestEngine::TestEngine()
    : TestEngine(Clock::system())
{}

TestEngine::~TestEngine()
{
    m_engine.reset();
    if (!m_database.isEmpty())
        PgServer::shared().dropDatabase(QUrl(m_database).path().mid(1));
}

QString TestEngine::databaseLocation() const
{
    return m_database.isEmpty() ? QDir(dataDir()).filePath(QStringLiteral("alfe.sqlite")) : m_database;
}

QString TestEngine::dataDir() const
{
    return QDir(m_dir.path()).filePath(QStringLiteral("data"));
}
QString TestEngine::keyFile() const
{
    return QDir(m_dir.path()).filePath(QStringLiteral("master.key"));
}

void TestEngine::reopen()
{
    m_engine.reset();
    m_engine = std::make_unique<Engine>(Engine::Options{dataDir(), keyFile(), true, m_database}, m_clock);
    const auto opened = m_engine->openBlocking();
    if (!opened)
        qFatal("test engine failed to open: %s", qPrintable(opened.error().message));
}

QByteArray TestEngine::storedBytes() const
{
    if (!m_database.isEmpty())
        return PgServer::shared().dump(QUrl(m_database).path().mid(1));
    const QString file = databaseLocation();
    return readFile(file) + readFile(file + QStringLiteral("-wal"));
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace Alfe::Test
