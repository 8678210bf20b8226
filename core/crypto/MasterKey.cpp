#include "crypto/MasterKey.h"

#include "crypto/KeyFile.h"
#include "crypto/Keychain.h"
#include "crypto/SecretBox.h"
#include "crypto/Secrets.h"
#include "domain/Random.h"

#include <QEventLoop>

namespace Alfe {

namespace {
Result<QByteArray> fromKeyFile(const MasterKey::Source& source)
{
    if (source.createIfMissing)
        return KeyFile::readOrCreate(source.keyFile);
    auto key = KeyFile::read(source.keyFile);
    if (!key && key.error().code == QLatin1String("not_found")) {
        return Errors::key(QStringLiteral("The key file %1 does not exist, and this data directory already has a "
                                          "master key. Pass the key file it was set up with, or leave out "
                                          "--key-file if it uses the system keychain.")
                               .arg(source.keyFile));
    }
    return key;
}

Error missingFromKeychain(const QString& entry)
{
    return Errors::key(QStringLiteral("The system keychain has no master key for this data directory (entry \"%1\"). "
                                      "If it was set up with a key file, pass it with --key-file FILE.")
                           .arg(entry));
}
} // namespace

void MasterKey::obtain(const Source& source, QObject* context, Callback done)
{
    if (!source.keyFile.isEmpty()) {
        done(fromKeyFile(source));
        return;
    }
    Keychain::read(source.keychainEntry, context, [source, context, done](Result<QByteArray> read) {
        if (read) {
            if (read->size() == SecretBox::KeySize) {
                done(std::move(read));
                return;
            }
            Secrets::cleanse(read.value());
            done(Errors::key(QStringLiteral("The system keychain entry \"%1\" does not hold a 32-byte master key.")
                                 .arg(source.keychainEntry)));
            return;
        }
        if (read.error().code != QLatin1String("not_found")) {
            done(read.error());
            return;
        }
        if (!source.createIfMissing) {
            done(missingFromKeychain(source.keychainEntry));
            return;
        }
        QByteArray key = Random::bytes(SecretBox::KeySize);
        Keychain::write(source.keychainEntry, key, context, [key, done](Result<void> written) mutable {
            if (!written) {
                Secrets::cleanse(key);
                done(written.error());
                return;
            }
            done(std::move(key));
        });
    });
}

Result<QByteArray> MasterKey::obtainBlocking(const Source& source)
{
    QEventLoop loop;
    std::optional<Result<QByteArray>> outcome;
    obtain(source, &loop, [&](Result<QByteArray> result) {
        outcome = std::move(result);
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    return std::move(*outcome);
}

} // namespace Alfe
