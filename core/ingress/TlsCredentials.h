#pragma once

#include "domain/Result.h"

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QString>

class QNetworkReply;

namespace Alfe {

// The certificate chain and private key the embedded server answers TLS with (`alfe serve --tls-cert FILE
// --tls-key FILE`). Empty: the server speaks plain HTTP.
struct TlsCredentials
{
    QList<QSslCertificate> chain; // the server's own certificate first, then its intermediates
    QSslKey key;                  // never logged, never written anywhere
    QString certFile;             // where they came from, for messages
    QString keyFile;

    bool isEnabled() const { return !chain.isEmpty(); }
    // A server configuration: this chain and key, TLS 1.2 or later, no client certificates asked for.
    QSslConfiguration serverConfiguration() const;

    // Reads a PEM certificate (or chain: the server's own first, then intermediates) and the PEM private key that
    // belongs to it. A file that cannot be read, holds no PEM certificate or key, an encrypted key or a key of
    // another certificate is an error that names the file.
    static Result<TlsCredentials> load(const QString& certFile, const QString& keyFile);
    // Lets `reply` go on when the server presents exactly `pinned` (a local client of its own data directory's
    // server, whose certificate a private CA may have signed); a null `pinned` changes nothing.
    static void acceptPinned(QNetworkReply* reply, const QSslCertificate& pinned);

    // The PEM certificates in `file` (at least one), or an error that names the file as `what` ("CA file").
    static Result<QList<QSslCertificate>> loadCertificates(const QString& file, const QString& what);
};

} // namespace Alfe
