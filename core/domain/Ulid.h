#pragma once

#include <QMutex>
#include <QString>

#include <array>

namespace Alfe {

// ULID: 26 characters of Crockford base32, a 48-bit millisecond timestamp followed by 80 random bits
// (OpenSSL RAND_bytes). Ids made by one generator sort in creation order, also within one millisecond
// (the random part is incremented, as the ULID spec's monotonic mode does).
class Ulid final
{
public:
    static constexpr int Length = 26;

    Ulid() = default;
    Q_DISABLE_COPY_MOVE(Ulid)

    // The process-wide generator (thread-safe). When the clock steps back, ids keep the last
    // millisecond and count up, so they never sort before an id made earlier.
    static QString generate(qint64 nowMs);
    QString next(qint64 nowMs);

    static bool isValid(QStringView text);
    // One character of a ULID: 0-9 and the upper-case letters A-Z without I, L, O and U.
    static bool isDigit(QChar c);
    // Milliseconds encoded in a valid ULID, or -1.
    static qint64 timestampMs(QStringView text);

private:
    QMutex m_mutex;
    qint64 m_lastMs = -1;
    std::array<unsigned char, 10> m_lastRandom{};
};

} // namespace Alfe
