#pragma once

#include <QtGlobal>

namespace Alfe {

// Wall-clock time in milliseconds since the Unix epoch. Everything that schedules or expires reads the
// time through a Clock so tests can move it without sleeping.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual qint64 nowMs() const = 0;
    // Milliseconds from an arbitrary start, never going back when the wall clock is set back: for rates and
    // timeouts, which must not depend on what time of day it is.
    virtual qint64 elapsedMs() const;

    static const Clock& system();
};

} // namespace Alfe
