#pragma once

#include <QByteArray>
#include <QMutex>
#include <QtMessageHandler>

namespace Alfe::Test {

// Captures everything logged through Qt (every alfe.* category enabled at debug level) while alive, and
// still passes it to the previous handler.
class LogCapture final
{
public:
    LogCapture();
    ~LogCapture();
    Q_DISABLE_COPY_MOVE(LogCapture)

    QByteArray text() const;

private:
    static void handler(QtMsgType type, const QMessageLogContext& context, const QString& message);
};

} // namespace Alfe::Test
