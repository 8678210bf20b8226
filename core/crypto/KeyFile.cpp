#include "crypto/KeyFile.h"

#include "crypto/SecretBox.h"
#include "crypto/Secrets.h"
#include "domain/Random.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <unistd.h>

namespace Alfe::KeyFile {

namespace {
constexpr QFileDevice::Permissions OwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions GroupOrOther = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                                  QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                                  QFileDevice::WriteOther | QFileDevice::ExeOther;
} // namespace

Result<QByteArray> read(const QString& path)
{
    QFile file(path);
    if (!file.exists())
        return Errors::notFound(QStringLiteral("The key file %1 does not exist.").arg(path));
    if (QFileInfo(path).isDir())
        return Errors::key(
            QStringLiteral("The key file %1 is a directory; give the path of the key file itself.").arg(path));
    if (file.permissions() & GroupOrOther) {
        return Errors::key(QStringLiteral("The key file %1 can be read by other users; restrict it with "
                                          "\"chmod 600 %1\" and try again.")
                               .arg(path));
    }
    if (!file.open(QIODevice::ReadOnly))
        return Errors::key(QStringLiteral("The key file %1 cannot be read: %2").arg(path, file.errorString()));
    QByteArray text = file.read(256).trimmed();
    auto decoded = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    Secrets::cleanse(text);
    if (!decoded || decoded.decoded.size() != SecretBox::KeySize) {
        Secrets::cleanse(decoded.decoded);
        return Errors::key(
            QStringLiteral("The key file %1 does not hold a master key (base64 of 32 bytes).").arg(path));
    }
    return std::move(decoded.decoded);
}

namespace {
bool syncFolder(const QString& folder)
{
    const int fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}
} // namespace

Result<QByteArray> create(const QString& path)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return Errors::key(QStringLiteral("The folder for the key file %1 cannot be created.").arg(path));
    QFile file(path);
    // The permissions apply at creation, before a single byte of the key is written.
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, OwnerOnly))
        return Errors::key(QStringLiteral("The key file %1 cannot be created: %2").arg(path, file.errorString()));
    QByteArray key = Random::bytes(SecretBox::KeySize);
    QByteArray text = key.toBase64() + '\n';
    // On disk before it is used: a power cut after the first run must not leave an empty key file beside
    // secrets sealed with the key (fsync of the file, then of its folder for the new name).
    const bool written = file.write(text) == text.size() && file.flush() && ::fsync(file.handle()) == 0 &&
                         syncFolder(info.absolutePath());
    Secrets::cleanse(text);
    file.close();
    if (!written) {
        file.remove();
        Secrets::cleanse(key);
        return Errors::key(QStringLiteral("The key file %1 could not be written.").arg(path));
    }
    return key;
}

Result<QByteArray> readOrCreate(const QString& path)
{
    if (!QFile::exists(path))
        return create(path);
    return read(path);
}

} // namespace Alfe::KeyFile
