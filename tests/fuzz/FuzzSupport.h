#pragma once

// Shared by the fuzz targets of tests/fuzz: each defines LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize)
// and is linked either with libFuzzer (./dev fuzz, clang) or with FuzzReplay.cpp (./dev test, the seed corpus
// and the committed regressions replayed as a ctest).

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

// A property every input must keep; a broken one aborts, which libFuzzer records as a crash.
#define FUZZ_CHECK(condition)                                                                                          \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition);                    \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (false)

namespace AlfeFuzz {

// One QCoreApplication for the whole run (Qt SQL plugins, QTemporaryDir...); never destroyed.
inline void ensureCoreApplication()
{
    if (QCoreApplication::instance())
        return;
    static int argc = 1;
    static char name[] = "alfe-fuzz";
    static char* argv[] = {name, nullptr};
    new QCoreApplication(argc, argv);
}

inline QByteArrayView bytes(const uint8_t* data, size_t size)
{
    return QByteArrayView(reinterpret_cast<const char*>(data), qsizetype(size));
}

} // namespace AlfeFuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
