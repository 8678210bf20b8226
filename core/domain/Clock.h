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

    static const Clock& system();
};

} // namespace Alfe
