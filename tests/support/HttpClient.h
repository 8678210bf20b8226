#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QPair>
#include <QUrl>

namespace Alfe::Test {

struct HttpResponse
{
    int status = 0; // 0: no HTTP answer (see error)
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QString error;

    QByteArray header(const QByteArray& name) const;
    QJsonObject json() const;
    QString errorCode() const; // error.code of an error body
};

// A real HTTP client (QNetworkAccessManager) that waits for each answer in a local event loop. The
// server under test must run in another thread (Engine::startIngress does).
class HttpClient final
{
public:
    explicit HttpClient(QUrl base);

    HttpResponse send(const QByteArray& method, const QString& path, const QByteArray& body = {},
                      const QList<QPair<QByteArray, QByteArray>>& headers = {});
    HttpResponse get(const QString& path, const QList<QPair<QByteArray, QByteArray>>& headers = {});
    HttpResponse post(const QString& path, const QByteArray& body,
                      const QList<QPair<QByteArray, QByteArray>>& headers = {});
    // POST signed with X-Alfe-Signature-256 over the exact body.
    HttpResponse postSigned(const QString& path, const QByteArray& body, const QByteArray& secret,
                            QList<QPair<QByteArray, QByteArray>> headers = {});

    QUrl base() const { return m_base; }

private:
    QUrl m_base;
    QNetworkAccessManager m_nam;
};

} // namespace Alfe::Test
