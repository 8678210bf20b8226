#pragma once

#include <QStringList>

namespace Alfe::Migrations {

// Schema steps, append-only: step i (0-based) moves a database from user_version i to i + 1. A released
// step is never edited; a change to the schema is a new step.
const QList<QStringList>& steps();
int latestVersion();

} // namespace Alfe::Migrations
