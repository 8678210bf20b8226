#include "Keychain.h"

#include "Logging.h"
#include "Secrets.h"

#include <QEventLoop>
#include <QPointer>
#include <qt6keychain/keychain.h>

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
} // namespace

void Keychain::read(const QString& key, QObject* context, ReadCallback done)
{
    auto* job = newJob<QKeychain::ReadPasswordJob>(key);
    QObject::connect(job, &QKeychain::Job::finished, context, [key, done](QKeychain::Job* finished) {
        auto* readJob = static_cast<QKeychain::ReadPasswordJob*>(finished);
        if (readJob->error() != QKeychain::NoError) {
            qCInfo(lcKeychain) << "read of" << key << "failed:" << readJob->errorString();
            done(keychainError(readJob, key));
            return;
        }
        done(readJob->binaryData());
    });
    job->start();
}

void Keychain::write(const QString& key, const QByteArray& value, QObject* context, DoneCallback done)
{
    auto* job = newJob<QKeychain::WritePasswordJob>(key);
    job->setBinaryData(value);
    QObject::connect(job, &QKeychain::Job::finished, context, [key, done](QKeychain::Job* finished) {
        if (finished->error() != QKeychain::NoError) {
            qCInfo(lcKeychain) << "write of" << key << "failed:" << finished->errorString();
            done(keychainError(finished, key));
            return;
        }
        done({});
    });
    job->start();
}

void Keychain::remove(const QString& key, QObject* context, DoneCallback done)
{
    auto* job = newJob<QKeychain::DeletePasswordJob>(key);
    QObject::connect(job, &QKeychain::Job::finished, context, [key, done](QKeychain::Job* finished) {
        if (finished->error() != QKeychain::NoError) {
            done(keychainError(finished, key));
            return;
        }
        done({});
    });
    job->start();
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
