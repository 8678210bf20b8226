#include "store/DataDirLock.h"

#include <QDir>

namespace Alfe {

QString DataDirLock::lockPath(const QString& dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("alfe.lock"));
}

Result<void> DataDirLock::acquire(const QString& dataDir)
{
    auto lock = std::make_unique<QLockFile>(lockPath(dataDir));
    // A running engine holds its lock for days; only a dead holder makes it stale.
    lock->setStaleLockTime(0);
    if (lock->tryLock(0)) {
        m_lock = std::move(lock);
        return {};
    }
    if (lock->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host;
        QString app;
        if (lock->getLockInfo(&pid, &host, &app)) {
            return Errors::busy(QStringLiteral("The data directory %1 is in use by %2 (process %3 on %4). Stop it, "
                                               "or use another --data-dir.")
                                    .arg(QDir::toNativeSeparators(dataDir), app.isEmpty() ? QStringLiteral("?") : app)
                                    .arg(pid)
                                    .arg(host));
        }
        return Errors::busy(QStringLiteral("The data directory %1 is in use by another process.")
                                .arg(QDir::toNativeSeparators(dataDir)));
    }
    return Errors::storage(QStringLiteral("The lock file %1 cannot be created (check the folder's permissions).")
                               .arg(QDir::toNativeSeparators(lockPath(dataDir))));
}

void DataDirLock::release()
{
    m_lock.reset();
}

} // namespace Alfe
