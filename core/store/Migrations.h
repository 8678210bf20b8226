#pragma once

#include <QStringList>

namespace Alfe::Migrations {

enum class Dialect
{
    Sqlite,
    Postgres,
};

// Schema steps, append-only: step i (0-based) moves a database from version i to i + 1. A released step is
// never edited; a change to the schema is a new step. One schema, two spellings: PostgreSQL databases start at
// version 12 (the SQLite schema of that version in one step, MigrationsPostgres.cpp) and share every step after.
const QList<QStringList>& steps(Dialect dialect);
int latestVersion();

} // namespace Alfe::Migrations
