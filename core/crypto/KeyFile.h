#pragma once

#include "domain/Result.h"

#include <QByteArray>
#include <QString>

namespace Alfe::KeyFile {

// A master key kept in a file: the explicit alternative to the OS keychain (`--key-file`). The file
// holds the base64 of 32 random bytes and must be readable by its owner only (0600); a key file that
// others can read is refused, as ssh refuses such a private key.

// Reads the key. not_found when the file does not exist.
Result<QByteArray> read(const QString& path);
// Creates the file with mode 0600 and a fresh key; fails if it exists.
Result<QByteArray> create(const QString& path);
// read(), or create() when the file does not exist yet.
Result<QByteArray> readOrCreate(const QString& path);

} // namespace Alfe::KeyFile
