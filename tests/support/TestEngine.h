#pragma once

#include "Engine.h"

#include <QTemporaryDir>

#include <memory>

namespace Alfe::Test {

class ManualClock;

// A real engine on a real SQLite file in a fresh temporary data directory, keyed by a key file (0600)
// beside it, so tests that are not about the keychain need no Secret Service. When the test runs on the
// PostgreSQL backend (ALFE_TEST_DATABASE=postgresql, see testBackend()), the store is instead a fresh database
// on the process's private PostgreSQL server (PgServer), dropped when the TestEngine goes.
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
    // Where the store is: the SQLite file in dataDir(), or the postgresql:// URL of this engine's database.
    QString databaseLocation() const;
    bool onPostgres() const { return !m_database.isEmpty(); }
    // Every byte the store holds: the SQLite file and its WAL, or pg_dump's output of the PostgreSQL database
    // (where a bytea column is printed in hex: look for a value's hex form too).
    QByteArray storedBytes() const;
    // Closes the engine and opens a new one on the same directory and key.
    void reopen();

private:
    QTemporaryDir m_dir;
    QString m_database; // postgresql:// URL, or empty for SQLite
    const Clock& m_clock;
    std::unique_ptr<Engine> m_engine;
};

// Reads a whole file (empty when missing).
QByteArray readFile(const QString& path);

} // namespace Alfe::Test
