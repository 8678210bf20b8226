#pragma once

// A throwaway PKI made with the openssl command-line tool for one test run: a root CA, an intermediate CA and a
// server certificate for 127.0.0.1 and localhost signed by the intermediate, so that a chain file (the server's own
// certificate, then the intermediate) is what the server is given, as with a real CA. Plus the files a user gets
// wrong: another key, the key with a passphrase, and text that is not PEM.
#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace Alfe::Test {

class TestCertificates final
{
public:
    TestCertificates() { m_ok = m_dir.isValid() && make(); }
    Q_DISABLE_COPY_MOVE(TestCertificates)

    bool isValid() const { return m_ok; }
    QString problem() const { return m_problem; }

    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString caFile() const { return path(QStringLiteral("ca.pem")); }          // the root a client trusts
    QString chainFile() const { return path(QStringLiteral("chain.pem")); }    // server, then intermediate
    QString leafFile() const { return path(QStringLiteral("server.pem")); }    // the server's alone
    QString keyFile() const { return path(QStringLiteral("server.key")); }     // the server's private key
    QString otherKeyFile() const { return path(QStringLiteral("other.key")); } // a key of no certificate here
    QString garbageFile() const { return path(QStringLiteral("garbage.pem")); }
    QString encryptedKeyFile() const
    {
        return path(QStringLiteral("encrypted.key"));
    } // the server's, with a passphrase

private:
    bool openssl(const QStringList& arguments)
    {
        QProcess process;
        process.setWorkingDirectory(m_dir.path());
        process.start(QStringLiteral("openssl"), arguments);
        if (!process.waitForFinished(60'000) || process.exitStatus() != QProcess::NormalExit ||
            process.exitCode() != 0) {
            m_problem = QStringLiteral("openssl %1 failed: %2 %3")
                            .arg(arguments.join(QLatin1Char(' ')), process.errorString(),
                                 QString::fromLocal8Bit(process.readAllStandardError()));
            return false;
        }
        return true;
    }
    bool write(const QString& name, const QByteArray& bytes)
    {
        QFile file(path(name));
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    }
    static QByteArray read(const QString& file)
    {
        QFile in(file);
        return in.open(QIODevice::ReadOnly) ? in.readAll() : QByteArray();
    }
    bool key(const QString& name)
    {
        return openssl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                        QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-out"),
                        name});
    }
    bool request(const QString& keyName, const QString& subject, const QString& out)
    {
        return openssl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-key"), keyName,
                        QStringLiteral("-subj"), subject, QStringLiteral("-out"), out});
    }
    bool sign(const QString& csr, const QString& issuer, const QString& issuerKey, const QString& extensions,
              const QString& out)
    {
        return openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
                        QStringLiteral("-CA"), issuer, QStringLiteral("-CAkey"), issuerKey,
                        QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
                        QStringLiteral("-extfile"), extensions, QStringLiteral("-out"), out});
    }
    bool make()
    {
        const QString ca = QStringLiteral("ca.pem");
        return key(QStringLiteral("ca.key")) &&
               openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-new"), QStringLiteral("-key"),
                        QStringLiteral("ca.key"), QStringLiteral("-subj"), QStringLiteral("/CN=Alfe Test Root CA"),
                        QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-out"), ca}) &&
               key(QStringLiteral("intermediate.key")) &&
               request(QStringLiteral("intermediate.key"), QStringLiteral("/CN=Alfe Test Intermediate CA"),
                       QStringLiteral("intermediate.csr")) &&
               write(QStringLiteral("intermediate.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\n"
                                                         "keyUsage=critical,keyCertSign,cRLSign\n") &&
               sign(QStringLiteral("intermediate.csr"), ca, QStringLiteral("ca.key"),
                    QStringLiteral("intermediate.ext"), QStringLiteral("intermediate.pem")) &&
               key(QStringLiteral("server.key")) &&
               request(QStringLiteral("server.key"), QStringLiteral("/CN=localhost"), QStringLiteral("server.csr")) &&
               write(QStringLiteral("server.ext"), "basicConstraints=CA:FALSE\n"
                                                   "keyUsage=critical,digitalSignature\n"
                                                   "extendedKeyUsage=serverAuth\n"
                                                   "subjectAltName=IP:127.0.0.1,DNS:localhost\n") &&
               sign(QStringLiteral("server.csr"), QStringLiteral("intermediate.pem"),
                    QStringLiteral("intermediate.key"), QStringLiteral("server.ext"), QStringLiteral("server.pem")) &&
               write(QStringLiteral("chain.pem"), read(leafFile()) + read(path(QStringLiteral("intermediate.pem")))) &&
               key(QStringLiteral("other.key")) &&
               openssl({QStringLiteral("pkey"), QStringLiteral("-in"), QStringLiteral("server.key"),
                        QStringLiteral("-aes256"), QStringLiteral("-passout"), QStringLiteral("pass:test"),
                        QStringLiteral("-out"), QStringLiteral("encrypted.key")}) &&
               write(QStringLiteral("garbage.pem"), "this is not a certificate\n");
    }

    QTemporaryDir m_dir;
    bool m_ok = false;
    QString m_problem;
};

} // namespace Alfe::Test
