#pragma once

#include "domain/Result.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

namespace Alfe {

// Where the 32-byte master key that seals the secrets comes from: the OS keychain by default, or an
// explicit key file. Never anything else, and never a silent fallback from one to the other.
class MasterKey final
{
public:
    struct Source
    {
        QString keyFile;              // non-empty: use this file and not the keychain
        QString keychainEntry;        // the keychain entry of this data directory
        bool createIfMissing = false; // a new data directory gets a new key
    };
    using Callback = std::function<void(Result<QByteArray>)>;

    // The callback runs on the caller's thread (at once for a key file). The caller cleanses the key.
    static void obtain(const Source& source, QObject* context, Callback done);
    // For the CLI and tests: waits in a local event loop. Not for the GUI thread.
    static Result<QByteArray> obtainBlocking(const Source& source);
};

} // namespace Alfe
