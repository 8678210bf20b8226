#pragma once

// An HTTP answer read off a raw socket (exact bytes on the wire), for the tests that talk to the ingress
// without an HTTP client in between.
#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>

namespace Alfe::Test {

struct Answer
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto& [key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const
    {
        return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
    }
    QString errorMessage() const
    {
        return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
    }
};

// The complete answers in `bytes` (interim 100 Continue ones included), in order.
inline QList<Answer> parseAnswers(const QByteArray& bytes)
{
    QList<Answer> answers;
    qsizetype at = 0;
    while (true) {
        const qsizetype headEnd = bytes.indexOf("\r\n\r\n", at);
        if (headEnd < 0)
            break;
        const QList<QByteArray> lines = bytes.mid(at, headEnd - at).split('\n');
        Answer answer;
        answer.status = lines.first().split(' ').value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            answer.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        const qsizetype length = answer.header("Content-Length").toLongLong();
        if (bytes.size() < headEnd + 4 + length)
            break;
        answer.body = bytes.mid(headEnd + 4, length);
        at = headEnd + 4 + length;
        answers.append(answer);
    }
    return answers;
}

} // namespace Alfe::Test
