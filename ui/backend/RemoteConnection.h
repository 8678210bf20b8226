#pragma once

#include "domain/Result.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QUrl>
#include <QUrlQuery>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

namespace Alfe {

// HTTP(S) to one `alfe serve`'s admin API with an admin token: JSON in and out, the server's
// {"error":{"code","message"}} turned into an Error with its code and message. A request whose answer never
// came (the connection dropped after it was sent, or no answer within the timeout) fails with the code
// "unanswered" when it changes something: the server may have carried it out. One that could not be sent at
// all fails with "unreachable". One that Qt sent again after losing the first answer fails with "answer_lost":
// the server carried out the first copy and refused the second (Idempotency-Key).
class RemoteConnection final : public QObject
{
    Q_OBJECT

public:
    static constexpr int TimeoutMs = 15'000;

    // `server`: "https://host:port" (a path after it is kept as a prefix, for a reverse proxy).
    RemoteConnection(const QUrl& server, const QByteArray& token, QObject* parent = nullptr);
    ~RemoteConnection() override;
    Q_DISABLE_COPY_MOVE(RemoteConnection)

    // "host:port", for the window title.
    QString location() const;
    const QUrl& server() const { return m_server; }
    // Trust these certificate authorities as well as the system's (a private CA).
    void addCaCertificates(const QList<QSslCertificate>& certificates);
    QList<QSslCertificate> caCertificates() const { return m_ca; }
    // The admin token for a WebSocket request (the events socket): the caller cleanses the copy.
    QByteArray authorization() const;
    QUrl url(const QString& path, const QUrlQuery& query = {}) const;
    // A request to `path` with the token, the timeout and the CA set.
    QNetworkRequest request(const QString& path, const QUrlQuery& query = {}) const;

    using Answer = std::function<void(Result<QJsonObject>)>;
    void get(const QString& path, const QUrlQuery& query, Answer answer);
    void send(const QByteArray& method, const QString& path, const QJsonObject& body, Answer answer);
    // As send(), for answers that carry a secret under `key` ("secret", an agent's "token"): it is taken out of
    // the raw bytes into `secret` before the JSON is parsed (so no unwipeable QString copy of it exists) and the
    // bytes are wiped.
    using SecretAnswer = std::function<void(Result<QJsonObject>, QByteArray secret)>;
    void sendForSecret(const QByteArray& method, const QString& path, const QJsonObject& body, const QByteArray& key,
                       SecretAnswer answer);

private:
    // A request that changes something: JSON, with a fresh Idempotency-Key.
    QNetworkRequest changeRequest(const QString& path) const;
    void finish(QNetworkReply* reply, bool changes, const QByteArray& key,
                const std::function<void(Result<QJsonObject>, QByteArray)>& then);

    QUrl m_server;
    QByteArray m_token;
    QList<QSslCertificate> m_ca;
    QNetworkAccessManager* m_network = nullptr;
};

} // namespace Alfe
