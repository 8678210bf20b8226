#include "domain/Duration.h"

#include <QRegularExpression>

namespace Alfe::Duration {

std::optional<qint64> parseSeconds(const QString& text, bool unitRequired)
{
    static const QRegularExpression pattern(QStringLiteral("^\\s*([0-9]{1,12})\\s*([smhd]?)\\s*$"),
                                            QRegularExpression::CaseInsensitiveOption);
    const auto match = pattern.match(text);
    if (!match.hasMatch() || (unitRequired && match.captured(2).isEmpty()))
        return std::nullopt;
    const QChar unit = match.captured(2).isEmpty() ? QLatin1Char('s') : match.captured(2).at(0).toLower();
    const qint64 scale = unit == u'd' ? 86'400 : unit == u'h' ? 3'600 : unit == u'm' ? 60 : 1;
    return match.captured(1).toLongLong() * scale;
}

QString formatSeconds(qint64 seconds)
{
    if (seconds > 0 && seconds % 86'400 == 0)
        return QString::number(seconds / 86'400) + QLatin1Char('d');
    if (seconds > 0 && seconds % 3'600 == 0)
        return QString::number(seconds / 3'600) + QLatin1Char('h');
    if (seconds > 0 && seconds % 60 == 0)
        return QString::number(seconds / 60) + QLatin1Char('m');
    return QString::number(seconds) + QLatin1Char('s');
}

} // namespace Alfe::Duration
