#pragma once

#include <QString>

namespace Alfe::LocalTime {

// A moment in local time to the second, as the console's lists show it (and the CLI prints it):
// "2024-05-01 14:02:11".
QString seconds(qint64 ms);

} // namespace Alfe::LocalTime
