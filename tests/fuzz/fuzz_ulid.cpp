// Fuzzes ULID and id parsing (core/domain/Ulid.h, Ids.h): arbitrary text as UTF-8 and as Latin-1 through
// Ulid::isValid, timestampMs and the prefixed id checks. What is valid must decode to a 48-bit time, and a
// ULID generated for that time must decode back to it.

#include "FuzzSupport.h"

#include "domain/Ids.h"
#include "domain/Ulid.h"

#include <QString>

#include <cstring>

namespace {

void check(const QString& text)
{
    const bool valid = Alfe::Ulid::isValid(text);
    const qint64 ms = Alfe::Ulid::timestampMs(text);
    FUZZ_CHECK(valid == (ms >= 0));
    if (valid) {
        FUZZ_CHECK(text.size() == Alfe::Ulid::Length);
        FUZZ_CHECK(ms < (qint64(1) << 48));
        for (const QChar c : text)
            FUZZ_CHECK(Alfe::Ulid::isDigit(c));
        Alfe::Ulid generator;
        const QString made = generator.next(ms);
        FUZZ_CHECK(Alfe::Ulid::isValid(made));
        FUZZ_CHECK(Alfe::Ulid::timestampMs(made) == ms);
        FUZZ_CHECK(made.left(10) == text.left(10));
        FUZZ_CHECK(Alfe::Ids::isAgentId(QStringLiteral("agt_") + text));
        FUZZ_CHECK(Alfe::Ids::isWebhookId(QStringLiteral("whk_") + text));
        FUZZ_CHECK(Alfe::Ids::isDeliveryId(QStringLiteral("dlv_") + text));
        FUZZ_CHECK(!Alfe::Ids::isAgentId(QStringLiteral("whk_") + text));
        FUZZ_CHECK(!Alfe::Ulid::isValid(text.toLower()) || text == text.toLower());
    }
    const bool agent = Alfe::Ids::isAgentId(text);
    const bool webhook = Alfe::Ids::isWebhookId(text);
    const bool delivery = Alfe::Ids::isDeliveryId(text);
    FUZZ_CHECK(int(agent) + int(webhook) + int(delivery) <= 1);
    if (agent || webhook || delivery)
        FUZZ_CHECK(Alfe::Ulid::isValid(QStringView(text).sliced(4)));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView input = AlfeFuzz::bytes(data, size);
    check(QString::fromUtf8(input));
    check(QString::fromLatin1(input));
    if (size % 2 == 0)
        check(QString(reinterpret_cast<const QChar*>(data), qsizetype(size / 2)));
    // Times the generator clamps: anything from the input, negative and past 48 bits included.
    if (size >= 8) {
        qint64 ms = 0;
        std::memcpy(&ms, data, sizeof ms);
        Alfe::Ulid generator;
        const QString made = generator.next(ms);
        FUZZ_CHECK(Alfe::Ulid::isValid(made));
        FUZZ_CHECK(Alfe::Ulid::timestampMs(made) == qBound<qint64>(0, ms, (qint64(1) << 48) - 1));
        FUZZ_CHECK(generator.next(ms) > made); // monotonic within one millisecond
    }
    return 0;
}
