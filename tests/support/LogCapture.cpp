#include "LogCapture.h"

#include <QLoggingCategory>

namespace Alfe::Test {

namespace {
QMutex mutex;
QByteArray captured;
QtMessageHandler previous = nullptr;
} // namespace

LogCapture::LogCapture()
{
    QMutexLocker lock(&mutex);
    captured.clear();
    previous = qInstallMessageHandler(&LogCapture::handler);
    QLoggingCategory::setFilterRules(QStringLiteral("alfe.*=true\nqt.*=true"));
}

LogCapture::~LogCapture()
{
    QLoggingCategory::setFilterRules(QString());
    qInstallMessageHandler(previous);
}

QByteArray LogCapture::text() const
{
    QMutexLocker lock(&mutex);
    return captured;
}

void LogCapture::handler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    {
        QMutexLocker lock(&mutex);
        captured += QByteArray(context.category ? context.category : "default") + ": " + message.toUtf8() + '\n';
    }
    if (previous && type != QtDebugMsg && type != QtInfoMsg)
        previous(type, context, message);
}

} // namespace Alfe::Test
