#pragma once

#include "domain/Result.h"

#include <QLockFile>

#include <memory>

namespace Alfe {

// At most one engine per data directory (QLockFile on "<dir>/alfe.lock"). A lock left by a process that
// died is taken over; a live holder is named in the error.
class DataDirLock final
{
public:
    DataDirLock() = default;
    Q_DISABLE_COPY_MOVE(DataDirLock)

    Result<void> acquire(const QString& dataDir);
    void release();
    bool isLocked() const { return m_lock && m_lock->isLocked(); }

    static QString lockPath(const QString& dataDir);

private:
    std::unique_ptr<QLockFile> m_lock;
};

} // namespace Alfe
