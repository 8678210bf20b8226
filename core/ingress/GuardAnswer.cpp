#include "ingress/GuardAnswer.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Alfe::GuardAnswer {

namespace {
using HeaderList = QList<QPair<QByteArray, QByteArray>>;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 401:
        return "Unauthorized";
    case 417:
        return "Expectation Failed";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

} // namespace

QString sizeText(qint64 bytes)
{
    constexpr qint64 KiB = 1024;
    constexpr qint64 MiB = 1024 * KiB;
    const auto in = [bytes](qint64 unit, const char* name) {
        const QString n =
            bytes % unit == 0 ? QString::number(bytes / unit) : QString::number(double(bytes) / double(unit), 'f', 1);
        return QStringLiteral("%1 bytes (%2 %3)").arg(bytes).arg(n, QLatin1String(name));
    };
    if (bytes >= MiB)
        return in(MiB, "MiB");
    if (bytes >= KiB)
        return in(KiB, "KiB");
    return QStringLiteral("%1 bytes").arg(bytes);
}

QByteArray error(int status, const QByteArray& code, const QString& message, const HeaderList& extraHeaders)
{
    const QJsonObject error{{QStringLiteral("code"), QString::fromLatin1(code)}, {QStringLiteral("message"), message}};
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("error"), error}}).toJson(QJsonDocument::Compact);
    QByteArray answer = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
                        "\r\nConnection: close\r\n";
    for (const auto& [name, value] : extraHeaders)
        answer += name + ": " + value + "\r\n";
    return answer + "\r\n" + body;
}

} // namespace Alfe::GuardAnswer
