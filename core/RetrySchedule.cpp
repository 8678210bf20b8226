#include "RetrySchedule.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStringList>

namespace Alfe {

namespace {
const QList<qint64> DefaultDelaysMs{0,           5'000,         300'000,       1'800'000,
                                    7'200'000,   18'000'000,    36'000'000,    36'000'000};

QString formatDelay(qint64 ms)
{
    if (ms % 86'400'000 == 0 && ms > 0)
        return QString::number(ms / 86'400'000) + QLatin1Char('d');
    if (ms % 3'600'000 == 0 && ms > 0)
        return QString::number(ms / 3'600'000) + QLatin1Char('h');
    if (ms % 60'000 == 0 && ms > 0)
        return QString::number(ms / 60'000) + QLatin1Char('m');
    return QString::number(ms / 1000) + QLatin1Char('s');
}
} // namespace

RetrySchedule::RetrySchedule() : RetrySchedule(DefaultDelaysMs) {}

RetrySchedule::RetrySchedule(QList<qint64> delaysMs, double jitter)
    : m_delaysMs(std::move(delaysMs))
    , m_jitter(jitter)
{
}

Result<RetrySchedule> RetrySchedule::parse(const QString& text, double jitter)
{
    static const QRegularExpression item(QStringLiteral("^\\s*(\\d{1,6})\\s*([smhd])\\s*$"));
    QList<qint64> delays;
    for (const QString& part : text.split(QLatin1Char(','))) {
        const auto match = item.match(part);
        if (!match.hasMatch()) {
            return Errors::invalid(QStringLiteral("\"%1\" is not a retry delay; write a number and s, m, h or d, "
                                                  "separated by commas (e.g. 0s,5s,5m,30m,2h).")
                                       .arg(part.trimmed()));
        }
        const qint64 unit = match.captured(2) == u"s" ? 1000 : match.captured(2) == u"m" ? 60'000
                            : match.captured(2) == u"h" ? 3'600'000 : 86'400'000;
        delays << match.captured(1).toLongLong() * unit;
    }
    if (delays.size() > 50)
        return Errors::invalid(QStringLiteral("A retry schedule has at most 50 attempts."));
    return RetrySchedule(delays, jitter);
}

QString RetrySchedule::toString() const
{
    QStringList parts;
    for (qint64 ms : m_delaysMs)
        parts << formatDelay(ms);
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
