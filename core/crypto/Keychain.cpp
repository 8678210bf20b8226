#include "crypto/Keychain.h"

#include "crypto/Secrets.h"
#include "domain/Logging.h"

#include <QEventLoop>
#include <QTimer>

#include <memory>
#include <qt6keychain/keychain.h>
#include <utility>

namespace Alfe {

namespace {
Error keychainError(QKeychain::Job* job, const QString& key)
{
    switch (job->error()) {
    case QKeychain::EntryNotFound:
        return Errors::notFound(QStringLiteral("The system keychain has no entry \"%1\".").arg(key));
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return Errors::key(QStringLiteral("The system keychain refused access to \"%1\" (%2). Unlock it and try "
                                          "again, or pass --key-file FILE to keep the master key in a file.")
                               .arg(key, job->errorString()));
    default:
        return Errors::key(QStringLiteral("No system keychain answered (%1). Start and unlock a Secret Service "
                                          "(GNOME Keyring or KWallet), or pass --key-file FILE to keep the master "
                                          "key in a file readable only by you (created with mode 0600).")
                               .arg(job->errorString()));
    }
}

template <typename Job>
Job* newJob(const QString& key)
{
    auto* job = new Job(QString::fromLatin1(Keychain::Service));
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    return job;
}

// Starts the job; `finish` runs exactly once, with the job when it ends or with nullptr when the keychain
// did not answer in time (a locked keychain may wait for a password prompt nobody sees). A job that
// answers late deletes itself as usual.
void run(QKeychain::Job* job, QObject* context, std::function<void(QKeychain::Job*)> finish)
{
    auto once = std::make_shared<bool>(false);
    QObject::connect(job, &QKeychain::Job::finished, context, [once, finish](QKeychain::Job* finished) {
        if (!std::exchange(*once, true))
            finish(finished);
    });
    QTimer::singleShot(Keychain::timeoutMs(), context, [once, finish] {
        if (!std::exchange(*once, true))
            finish(nullptr);
    });
    job->start();
}

Error timedOut(const QString& key)
{
    qCWarning(lcKeychain) << "no answer from the keychain for" << key;
    return Errors::key(QStringLiteral("The system keychain did not answer within %1 s (it may be locked and waiting "
                                      "for its password). Unlock it and try again, or pass --key-file FILE to keep "
                                      "the master key in a file readable only by you (created with mode 0600).")
                           .arg(Keychain::timeoutMs() / 1000.0));
}

template <typename T, typename Start>
Result<T> runBlocking(Start start)
{
    QEventLoop loop;
    std::optional<Result<T>> outcome;
    start(&loop, [&](Result<T> result) {
        outcome = std::move(result);
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    return std::move(*outcome);
}

int g_timeoutMs = 30'000;
} // namespace

int Keychain::timeoutMs()
{
    return g_timeoutMs;
}
void Keychain::setTimeoutMs(int ms)
{
    g_timeoutMs = ms;
}

void Keychain::read(const QString& key, QObject* context, ReadCallback done)
{
    auto* job = newJob<QKeychain::ReadPasswordJob>(key);
    run(job, context, [key, done](QKeychain::Job* finished) {
        if (!finished) {
            done(timedOut(key));
            return;
        }
        auto* readJob = static_cast<QKeychain::ReadPasswordJob*>(finished);
        if (readJob->error() != QKeychain::NoError) {
            qCInfo(lcKeychain) << "read of" << key << "failed:" << readJob->errorString();
            done(keychainError(readJob, key));
            return;
        }
        done(readJob->binaryData());
    });
}

void Keychain::write(const QString& key, const QByteArray& value, QObject* context, DoneCallback done)
{
    auto* job = newJob<QKeychain::WritePasswordJob>(key);
    job->setBinaryData(value);
    run(job, context, [key, done](QKeychain::Job* finished) {
        if (!finished) {
            done(timedOut(key));
            return;
        }
        if (finished->error() != QKeychain::NoError) {
            qCInfo(lcKeychain) << "write of" << key << "failed:" << finished->errorString();
            done(keychainError(finished, key));
            return;
        }
        done({});
    });
}

void Keychain::remove(const QString& key, QObject* context, DoneCallback done)
{
    auto* job = newJob<QKeychain::DeletePasswordJob>(key);
    run(job, context, [key, done](QKeychain::Job* finished) {
        if (!finished) {
            done(timedOut(key));
            return;
        }
        if (finished->error() != QKeychain::NoError) {
            done(keychainError(finished, key));
            return;
        }
        done({});
    });
}

Result<QByteArray> Keychain::readBlocking(const QString& key)
{
    return runBlocking<QByteArray>([&](QObject* context, auto done) { read(key, context, done); });
}

Result<void> Keychain::writeBlocking(const QString& key, const QByteArray& value)
{
    return runBlocking<void>([&](QObject* context, auto done) { write(key, value, context, done); });
}

Result<void> Keychain::removeBlocking(const QString& key)
{
    return runBlocking<void>([&](QObject* context, auto done) { remove(key, context, done); });
}

} // namespace Alfe
