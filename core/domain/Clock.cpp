#include "domain/Clock.h"

#include <QDateTime>
#include <QElapsedTimer>

namespace Alfe {

namespace {
class SystemClock final : public Clock
{
public:
    qint64 nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
};
} // namespace

qint64 Clock::elapsedMs() const
{
    static const QElapsedTimer started = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return started.elapsed();
}

const Clock& Clock::system()
{
    static const SystemClock clock;
    return clock;
}

} // namespace Alfe
