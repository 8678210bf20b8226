#include "ingress/TlsCredentials.h"

#include "crypto/Secrets.h"

#include <QFile>
#include <QFileInfo>
#include <QNetworkReply>
#include <QSslSocket>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace Alfe {

namespace {
constexpr qint64 MaxPemBytes = 1024 * 1024;

// The whole of a PEM file, or an error that names it as `what` ("TLS certificate file").
Result<QByteArray> readPem(const QString& path, const QString& what)
{
    const QFileInfo info(path);
    if (!info.exists())
        return Errors::invalid(QStringLiteral("The %1 %2 does not exist.").arg(what, path));
    if (info.isDir())
        return Errors::invalid(QStringLiteral("The %1 %2 is a directory; give the PEM file itself.").arg(what, path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Errors::invalid(QStringLiteral("Cannot read the %1 %2: %3.").arg(what, path, file.errorString()));
    QByteArray bytes = file.read(MaxPemBytes + 1);
    if (bytes.size() > MaxPemBytes) {
        Secrets::cleanse(bytes);
        return Errors::invalid(QStringLiteral("The %1 %2 is over 1 MiB: it is not a PEM file.").arg(what, path));
    }
    return bytes;
}

// OpenSSL asks for a passphrase through this when a key is encrypted: there is none (and no prompt).
int noPassphrase(char*, int, int, void*)
{
    return 0;
}

struct PkeyFree
{
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free
{
    void operator()(X509* certificate) const { X509_free(certificate); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey readPrivateKey(const QByteArray& pem)
{
    BIO* bio = BIO_new_mem_buf(pem.constData(), int(pem.size()));
    if (!bio)
        return nullptr;
    Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, noPassphrase, nullptr));
    BIO_free(bio);
    return key;
}

bool keyBelongsTo(EVP_PKEY* key, const QSslCertificate& certificate)
{
    const QByteArray der = certificate.toDer();
    auto data = reinterpret_cast<const unsigned char*>(der.constData());
    const std::unique_ptr<X509, X509Free> x509(d2i_X509(nullptr, &data, long(der.size())));
    return x509 && X509_check_private_key(x509.get(), key) == 1;
}
} // namespace

QSslConfiguration TlsCredentials::serverConfiguration() const
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    configuration.setAllowedNextProtocols({QByteArrayLiteral("http/1.1")});
    return configuration;
}

void TlsCredentials::acceptPinned(QNetworkReply* reply, const QSslCertificate& pinned)
{
    if (pinned.isNull())
        return;
    QObject::connect(reply, &QNetworkReply::sslErrors, reply, [reply, pinned] {
        if (reply->sslConfiguration().peerCertificate() == pinned)
            reply->ignoreSslErrors();
    });
}

Result<QList<QSslCertificate>> TlsCredentials::loadCertificates(const QString& file, const QString& what)
{
    auto pem = readPem(file, what);
    if (!pem)
        return pem.error();
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(pem.value(), QSsl::Pem);
    if (certificates.isEmpty() || certificates.constFirst().isNull()) {
        return Errors::invalid(
            QStringLiteral("The %1 %2 holds no PEM certificate (-----BEGIN CERTIFICATE-----).").arg(what, file));
    }
    return certificates;
}

Result<TlsCredentials> TlsCredentials::load(const QString& certFile, const QString& keyFile)
{
    auto chain = loadCertificates(certFile, QStringLiteral("TLS certificate file"));
    if (!chain)
        return chain.error();
    TlsCredentials credentials;
    credentials.chain = chain.value();
    credentials.certFile = certFile;
    credentials.keyFile = keyFile;

    auto keyPem = readPem(keyFile, QStringLiteral("TLS private key file"));
    if (!keyPem)
        return keyPem.error();
    QByteArray pem = std::move(keyPem.value());
    Pkey key = readPrivateKey(pem);
    const bool encrypted = pem.contains("ENCRYPTED");
    Secrets::cleanse(pem);
    if (!key && encrypted) {
        return Errors::invalid(QStringLiteral("The TLS private key file %1 is encrypted; give the key unencrypted "
                                              "(openssl pkey -in %1 -out server.key), in a file only this user can "
                                              "read.")
                                   .arg(keyFile));
    }
    if (!key) {
        return Errors::invalid(QStringLiteral("The TLS private key file %1 holds no PEM private key (-----BEGIN "
                                              "PRIVATE KEY-----).")
                                   .arg(keyFile));
    }
    if (!keyBelongsTo(key.get(), credentials.chain.constFirst())) {
        return Errors::invalid(QStringLiteral("The TLS private key in %1 does not belong to the certificate in %2 "
                                              "(the server's own certificate must come first in it).")
                                   .arg(keyFile, certFile));
    }
    // QSslKey takes the parsed key over as it is (Qt's OpenSSL backend uses it directly).
    credentials.key = QSslKey(Qt::HANDLE(key.release()), QSsl::PrivateKey);
    if (credentials.key.isNull())
        return Errors::invalid(QStringLiteral("The TLS private key in %1 cannot be used.").arg(keyFile));
    return credentials;
}

} // namespace Alfe
