#include "TestEngine.h"

#include "domain/Clock.h"

#include <QDir>
#include <QFile>
#include <QTest>

namespace Alfe::Test {

TestEngine::TestEngine(const Clock& clock)
    : m_clock(clock)
{
    reopen();
}

TestEngine::TestEngine()
    : TestEngine(Clock::system())
{}

TestEngine::~TestEngine() = default;

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
    m_engine = std::make_unique<Engine>(Engine::Options{dataDir(), keyFile()}, m_clock);
    const auto opened = m_engine->openBlocking();
    if (!opened)
        qFatal("test engine failed to open: %s", qPrintable(opened.error().message));
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace Alfe::Test
