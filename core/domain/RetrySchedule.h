#pragma once

#include "domain/Result.h"

#include <QList>
#include <QString>

namespace Alfe {

// When to try a delivery again: the delay before attempt n+1 after n failed ones, with ±jitter. The
// default: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (eight tries), ±20 %.
class RetrySchedule final
{
public:
    RetrySchedule();
    explicit RetrySchedule(QList<qint64> delaysMs, double jitter = 0.2);

    // "0s,5s,5m,30m,2h,5h,10h,10h": each a number with s, m, h or d.
    static Result<RetrySchedule> parse(const QString& text, double jitter = 0.2);
    QString toString() const;

    int maxAttempts() const { return int(m_delaysMs.size()); }
    // The delay before the next attempt after `failures` failed ones, jitter applied; -1 when the
    // budget is spent (the delivery has failed).
    qint64 delayAfter(int failures) const;
    // The same without jitter (for display and tests).
    qint64 nominalDelayAfter(int failures) const;
    double jitter() const { return m_jitter; }

private:
    QList<qint64> m_delaysMs; // [0] is the first attempt's delay (0: immediately)
    double m_jitter;
};

} // namespace Alfe
