#pragma once

#include "domain/Clock.h"

#include <atomic>

namespace Alfe::Test {

// A clock the test moves by hand, so expiry and schedules are tested without sleeping.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 startMs = 1'750'000'000'000)
        : m_now(startMs)
    {}
    qint64 nowMs() const override { return m_now.load(); }
    void advanceMs(qint64 ms) { m_now += ms; }
    void advanceSeconds(qint64 s) { m_now += s * 1000; }

private:
    std::atomic<qint64> m_now;
};

} // namespace Alfe::Test
