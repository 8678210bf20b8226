#include "domain/Ulid.h"

#include "domain/Random.h"

#include <QMutexLocker>

namespace Alfe {

namespace {
constexpr char Alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr qint64 MaxTime = (qint64(1) << 48) - 1;

int decodeChar(QChar c)
{
    const char16_t u = c.unicode();
    for (int i = 0; i < 32; ++i) {
        if (Alphabet[i] == u)
            return i;
    }
    return -1;
}

QString encode(qint64 ms, const std::array<unsigned char, 10>& random)
{
    QString out(Ulid::Length, Qt::Uninitialized);
    QChar* d = out.data();
    for (int i = 9; i >= 0; --i) {
        d[i] = QLatin1Char(Alphabet[ms & 31]);
        ms >>= 5;
    }
    // 80 bits -> 16 groups of 5 bits, most significant first.
    int bit = 0;
    for (int i = 0; i < 16; ++i, bit += 5) {
        int value = 0;
        for (int b = 0; b < 5; ++b) {
            const int pos = bit + b;
            value = (value << 1) | ((random[pos / 8] >> (7 - pos % 8)) & 1);
        }
        d[10 + i] = QLatin1Char(Alphabet[value]);
    }
    return out;
}

// Adds one to the 80-bit big-endian number; false on overflow.
bool increment(std::array<unsigned char, 10>& random)
{
    for (int i = 9; i >= 0; --i) {
        if (++random[i] != 0)
            return true;
    }
    return false;
}
} // namespace

bool Ulid::isDigit(QChar c)
{
    return decodeChar(c) >= 0;
}

QString Ulid::generate(qint64 nowMs)
{
    static Ulid generator;
    return generator.next(nowMs);
}

QString Ulid::next(qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    nowMs = qBound<qint64>(0, nowMs, MaxTime);
    if (nowMs <= m_lastMs) {
        // Same millisecond (or the clock went back): stay monotonic.
        if (!increment(m_lastRandom))
            ++m_lastMs;
    } else {
        m_lastMs = nowMs;
        const QByteArray fresh = Random::bytes(int(m_lastRandom.size()));
        std::copy(fresh.cbegin(), fresh.cend(), m_lastRandom.begin());
    }
    return encode(m_lastMs, m_lastRandom);
}

bool Ulid::isValid(QStringView text)
{
    if (text.size() != Length || decodeChar(text.front()) > 7) // 48 bits: first char holds 3 of them
        return false;
    for (QChar c : text) {
        if (decodeChar(c) < 0)
            return false;
    }
    return true;
}

qint64 Ulid::timestampMs(QStringView text)
{
    if (!isValid(text))
        return -1;
    qint64 ms = 0;
    for (int i = 0; i < 10; ++i)
        ms = (ms << 5) | decodeChar(text[i]);
    return ms;
}

} // namespace Alfe
