// Replays a fuzz target over files instead of fuzzing: every file given, and every file inside the
// directories given (not recursively), goes once through LLVMFuzzerTestOneInput. Linked instead of libFuzzer
// into the g++ test build, so the seed corpus and every committed regression input run in ./dev test.

#include "FuzzSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cstdio>

int main(int argc, char** argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    QStringList files;
    for (int i = 1; i < argc; ++i) {
        const QString path = QString::fromLocal8Bit(argv[i]);
        const QFileInfo info(path);
        if (info.isDir()) {
            const QDir dir(path);
            for (const QString& name : dir.entryList(QDir::Files | QDir::Hidden, QDir::Name))
                files.append(dir.filePath(name));
        } else if (info.isFile()) {
            files.append(path);
        } else if (!path.contains(QLatin1String("regressions"))) { // regressions/<target>/ may not exist yet
            std::fprintf(stderr, "fuzz replay: %s does not exist\n", argv[i]);
            return 2;
        }
    }
    for (const QString& path : files) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "fuzz replay: cannot read %s\n", qPrintable(path));
            return 2;
        }
        const QByteArray input = file.readAll();
        std::fprintf(stderr, "fuzz replay: %s (%lld bytes)\n", qPrintable(path), static_cast<long long>(input.size()));
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.constData()), size_t(input.size()));
    }
    std::printf("fuzz replay: %lld inputs, no crash\n", static_cast<long long>(files.size()));
    return files.isEmpty() ? 1 : 0;
}
