#include "common/LocalTime.h"

#include <QDateTime>

namespace Alfe::LocalTime {

QString seconds(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

} // namespace Alfe::LocalTime
