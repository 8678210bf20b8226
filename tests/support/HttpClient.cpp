#include "HttpClient.h"

#include "crypto/Signature.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace Alfe::Test {

QByteArray HttpResponse::header(const QByteArray& name) const
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QJsonObject HttpResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString HttpResponse::errorCode() const
{
    return json().value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString();
}

HttpClient::HttpClient(QUrl base)
    : m_base(std::move(base))
{}

HttpResponse HttpClient::send(const QByteArray& method, const QString& path, const QByteArray& body,
                              const QList<QPair<QByteArray, QByteArray>>& headers)
{
    QUrl url = m_base;
    const qsizetype q = path.indexOf(QLatin1Char('?'));
    url.setPath(q < 0 ? path : path.left(q));
    if (q >= 0)
        url.setQuery(path.mid(q + 1));
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply* reply = m_nam.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30'000, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    HttpResponse response;
    if (!reply->isFinished()) {
        reply->abort();
        response.error = QStringLiteral("no answer within 30 s");
    }
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.headers = reply->rawHeaderPairs();
    response.body = reply->readAll();
    if (response.status == 0)
        response.error = reply->errorString();
    reply->deleteLater();
    return response;
}

HttpResponse HttpClient::get(const QString& path, const QList<QPair<QByteArray, QByteArray>>& headers)
{
    return send("GET", path, {}, headers);
}

HttpResponse HttpClient::post(const QString& path, const QByteArray& body,
                              const QList<QPair<QByteArray, QByteArray>>& headers)
{
    return send("POST", path, body, headers);
}

HttpResponse HttpClient::postSigned(const QString& path, const QByteArray& body, const QByteArray& secret,
                                    QList<QPair<QByteArray, QByteArray>> headers)
{
    bool hasType = false;
    for (const auto& h : headers)
        hasType |= h.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
    if (!hasType)
        headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    headers.append(qMakePair(QByteArray(Signature::HeaderName), Signature::sign(secret, body)));
    return send("POST", path, body, headers);
}

} // namespace Alfe::Test
