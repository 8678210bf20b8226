#include "backend/RemoteConnection.h"

#include "crypto/Secrets.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QUuid>

namespace Alfe {

namespace {
// Takes the value of `key` out of a JSON answer's bytes and overwrites it there.
QByteArray takeSecret(QByteArray& json, const QByteArray& key)
{
    if (key.isEmpty())
        return {};
    const QByteArray marker = '"' + key + "\":\"";
    const qsizetype start = json.indexOf(marker);
    if (start < 0)
        return {};
    const qsizetype from = start + marker.size();
    const qsizetype end = json.indexOf('"', from);
    if (end < 0)
        return {};
    QByteArray secret = json.mid(from, end - from);
    for (qsizetype i = from; i < end; ++i)
        json[i] = 'x';
    return secret;
}
} // namespace

RemoteConnection::RemoteConnection(const QUrl& server, const QByteArray& token, QObject* parent)
    : QObject(parent)
    , m_server(server)
    , m_token(token)
    , m_network(new QNetworkAccessManager(this))
{
    if (m_server.path().endsWith(QLatin1Char('/')))
        m_server.setPath(m_server.path().chopped(1));
}

RemoteConnection::~RemoteConnection()
{
    Secrets::cleanse(m_token);
}

QString RemoteConnection::location() const
{
    const int defaultPort = m_server.scheme() == u"https" ? 443 : 80;
    return QStringLiteral("%1:%2").arg(m_server.host()).arg(m_server.port(defaultPort));
}

void RemoteConnection::addCaCertificates(const QList<QSslCertificate>& certificates)
{
    m_ca += certificates;
}

QByteArray RemoteConnection::authorization() const
{
    return "Bearer " + m_token;
}

QUrl RemoteConnection::url(const QString& path, const QUrlQuery& query) const
{
    QUrl url = m_server;
    url.setPath(m_server.path() + path);
    url.setQuery(query);
    return url;
}

QNetworkRequest RemoteConnection::request(const QString& path, const QUrlQuery& query) const
{
    QNetworkRequest request(url(path, query));
    QByteArray header = authorization();
    request.setRawHeader("Authorization", header);
    Secrets::cleanse(header);
    request.setTransferTimeout(TimeoutMs);
    if (!m_ca.isEmpty()) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.addCaCertificates(m_ca);
        request.setSslConfiguration(ssl);
    }
    return request;
}

void RemoteConnection::get(const QString& path, const QUrlQuery& query, Answer answer)
{
    QNetworkReply* reply = m_network->get(request(path, query));
    finish(reply, false, {}, [answer](Result<QJsonObject> json, QByteArray) { answer(std::move(json)); });
}

QNetworkRequest RemoteConnection::changeRequest(const QString& path) const
{
    QNetworkRequest r = request(path);
    r.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    // Qt sends a request again when its connection drops before the answer, a POST too: the key lets the
    // server refuse the second copy (409 duplicate_request) instead of carrying it out twice.
    r.setRawHeader("Idempotency-Key", QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
    return r;
}

void RemoteConnection::send(const QByteArray& method, const QString& path, const QJsonObject& body, Answer answer)
{
    QNetworkRequest r = changeRequest(path);
    QNetworkReply* reply = m_network->sendCustomRequest(r, method, QJsonDocument(body).toJson(QJsonDocument::Compact));
    finish(reply, true, {}, [answer](Result<QJsonObject> json, QByteArray) { answer(std::move(json)); });
}

void RemoteConnection::sendForSecret(const QByteArray& method, const QString& path, const QJsonObject& body,
                                     const QByteArray& key, SecretAnswer answer)
{
    QNetworkRequest r = changeRequest(path);
    QNetworkReply* reply = m_network->sendCustomRequest(r, method, QJsonDocument(body).toJson(QJsonDocument::Compact));
    finish(reply, true, key, answer);
}

void RemoteConnection::finish(QNetworkReply* reply, bool changes, const QByteArray& key,
                              const std::function<void(Result<QJsonObject>, QByteArray)>& then)
{
    const QString where = location();
    connect(reply, &QNetworkReply::finished, this, [reply, changes, key, then, where] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        QByteArray bytes = reply->readAll();
        QByteArray secret = takeSecret(bytes, key);
        Secrets::Wipe wipeSecret(secret);
        if (status == 0) {
            Secrets::cleanse(bytes);
            const auto error = reply->error();
            const bool neverSent =
                error == QNetworkReply::ConnectionRefusedError || error == QNetworkReply::HostNotFoundError ||
                (error >= QNetworkReply::SslHandshakeFailedError && error <= QNetworkReply::UnknownNetworkError &&
                 error != QNetworkReply::TimeoutError);
            if (changes && !neverSent)
                return then(
                    Error{QStringLiteral("unanswered"), tr("No answer from %1: %2.").arg(where, reply->errorString())},
                    {});
            return then(
                Error{QStringLiteral("unreachable"), tr("Cannot reach %1: %2.").arg(where, reply->errorString())}, {});
        }
        if (changes && reply->error() != QNetworkReply::NoError && status < 400) {
            // The answer began but did not arrive whole: the change may well have been made.
            Secrets::cleanse(bytes);
            return then(Error{QStringLiteral("unanswered"),
                              tr("No whole answer from %1: %2.").arg(where, reply->errorString())},
                        {});
        }
        const bool empty = bytes.isEmpty();
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
        Secrets::cleanse(bytes);
        const QJsonObject json = document.object();
        if (status >= 400) {
            const QJsonObject error = json.value(QLatin1String("error")).toObject();
            QString message = error.value(QLatin1String("message")).toString();
            if (message.isEmpty())
                message = tr("%1 answered HTTP %2.").arg(where).arg(status);
            if (status == 409 && error.value(QLatin1String("code")).toString() == u"duplicate_request") {
                // Qt sent it again after the first answer was lost: the first copy was carried out.
                return then(Error{QStringLiteral("answer_lost"),
                                  tr("%1 carried this out, but its answer was lost on the way.").arg(where)},
                            {});
            }
            if (status == 401)
                message = tr("%1 refused the admin token (%2). Check it, or create one with `alfe admin token create`.")
                              .arg(where, message);
            return then(
                Error{error.value(QLatin1String("code")).toString(QStringLiteral("http_%1").arg(status)), message}, {});
        }
        if (!empty && status != 204 && (parseError.error != QJsonParseError::NoError || !document.isObject()))
            return then(Error{QStringLiteral("bad_answer"), tr("%1 answered something that is not JSON.").arg(where)},
                        {});
        then(json, std::move(secret));
    });
}

} // namespace Alfe
