#include "domain/RetrySchedule.h"

#include "domain/Duration.h"

#include <QRandomGenerator>
#include <QStringList>

namespace Alfe {

namespace {
const QList<qint64> DefaultDelaysMs{0, 5'000, 300'000, 1'800'000, 7'200'000, 18'000'000, 36'000'000, 36'000'000};

constexpr qint64 MaxDelaySeconds = 365 * 86'400;
} // namespace

RetrySchedule::RetrySchedule()
    : RetrySchedule(DefaultDelaysMs)
{}

RetrySchedule::RetrySchedule(QList<qint64> delaysMs, double jitter)
    : m_delaysMs(std::move(delaysMs))
    , m_jitter(jitter)
{}

Result<RetrySchedule> RetrySchedule::parse(const QString& text, double jitter)
{
    QList<qint64> delays;
    for (const QString& part : text.split(QLatin1Char(','))) {
        const auto seconds = Duration::parseSeconds(part, /*unitRequired*/ true);
        if (!seconds) {
            return Errors::invalid(QStringLiteral("\"%1\" is not a retry delay; write a number and s, m, h or d, "
                                                  "separated by commas (e.g. 0s,5s,5m,30m,2h).")
                                       .arg(part.trimmed()));
        }
        if (*seconds > MaxDelaySeconds)
            return Errors::invalid(QStringLiteral("The retry delay \"%1\" is longer than 365d.").arg(part.trimmed()));
        delays << *seconds * 1000;
    }
    if (delays.size() > 50)
        return Errors::invalid(QStringLiteral("A retry schedule has at most 50 attempts."));
    return RetrySchedule(delays, jitter);
}

QString RetrySchedule::toString() const
{
    QStringList parts;
    for (qint64 ms : m_delaysMs)
        parts << Duration::formatSeconds(ms / 1000);
    return parts.join(QLatin1Char(','));
}

qint64 RetrySchedule::nominalDelayAfter(int failures) const
{
    if (failures < 0 || failures >= m_delaysMs.size())
        return -1;
    return m_delaysMs.at(failures);
}

qint64 RetrySchedule::delayAfter(int failures) const
{
    const qint64 nominal = nominalDelayAfter(failures);
    if (nominal <= 0 || m_jitter <= 0)
        return nominal;
    const double factor = 1.0 + m_jitter * (2.0 * QRandomGenerator::global()->generateDouble() - 1.0);
    return qint64(double(nominal) * factor);
}

} // namespace Alfe
