#pragma once

#include "domain/Clock.h"

#include <atomic>

namespace Alfe::Test {

// A clock the test moves by hand, so expiry and schedules are tested without sleeping. advance*() moves both
// the wall clock and the monotonic one; stepWallMs() only the wall clock (as when someone sets the time).
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 startMs = 1'750'000'000'000)
        : m_now(startMs)
    {}
    qint64 nowMs() const override { return m_now.load(); }
    qint64 elapsedMs() const override { return m_elapsed.load(); }
    void advanceMs(qint64 ms)
    {
        m_now += ms;
        m_elapsed += ms;
    }
    void advanceSeconds(qint64 s) { advanceMs(s * 1000); }
    void stepWallMs(qint64 ms) { m_now += ms; }

private:
    std::atomic<qint64> m_now;
    std::atomic<qint64> m_elapsed{0};
};

} // namespace Alfe::Test
