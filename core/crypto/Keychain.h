#pragma once

#include "domain/Result.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

namespace Alfe {

// Asynchronous access to the OS keychain (QtKeychain: Secret Service, KWallet, macOS Keychain, Windows
// Credential Manager). Jobs delete themselves; callbacks run on the caller's thread. Never an insecure
// fallback: when no keychain answers, the callback gets an error that says what to do instead.
class Keychain final
{
public:
    static constexpr char Service[] = "Alfe Console";

    using ReadCallback = std::function<void(Result<QByteArray>)>;
    using DoneCallback = std::function<void(Result<void>)>;

    // `context` bounds the callbacks' lifetime: when it is destroyed first, they are dropped.
    static void read(const QString& key, QObject* context, ReadCallback done);
    static void write(const QString& key, const QByteArray& value, QObject* context, DoneCallback done);
    static void remove(const QString& key, QObject* context, DoneCallback done);

    // How long a job may take before its callback gets a clear error instead (default 30 s).
    static int timeoutMs();
    static void setTimeoutMs(int ms);

    // Blocking wrappers for the CLI and tests (a local event loop). Never call them from the GUI thread.
    static Result<QByteArray> readBlocking(const QString& key);
    static Result<void> writeBlocking(const QString& key, const QByteArray& value);
    static Result<void> removeBlocking(const QString& key);
};

} // namespace Alfe
