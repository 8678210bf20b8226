#pragma once

#include "Engine.h"

#include <QTemporaryDir>

#include <memory>

namespace Alfe::Test {

class ManualClock;

// A real engine on a real SQLite file in a fresh temporary data directory, keyed by a key file (0600)
// beside it, so tests that are not about the keychain need no Secret Service.
class TestEngine final
{
public:
    explicit TestEngine(const Clock& clock);
    TestEngine();
    ~TestEngine();

    Engine& operator*() { return *m_engine; }
    Engine* operator->() { return m_engine.get(); }
    QString dataDir() const;
    QString keyFile() const;
    // Closes the engine and opens a new one on the same directory and key.
    void reopen();

private:
    QTemporaryDir m_dir;
    const Clock& m_clock;
    std::unique_ptr<Engine> m_engine;
};

// Reads a whole file (empty when missing).
QByteArray readFile(const QString& path);

} // namespace Alfe::Test
