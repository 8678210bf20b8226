#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QList>

#include <deque>

namespace Alfe {

class Database;

// The refused-request log as the writer thread keeps it. Refusals come at whatever speed a sender (or an
// attacker) sends them, so they never share the transaction of accepted deliveries: they wait here, at most
// MaxPending of them, and are written together in their own transaction without an fsync of their own (the
// next accepted batch's fsync makes them durable). The log is capped by rows, by age and by bytes, oldest
// entries going first; headers are kept redacted (HeaderRedaction::forDisplay) and shortened, bodies to
// RefusedRequest::BodyHeadBytes.
class RefusedLog final
{
public:
    static constexpr int MaxRows = 10'000;
    static constexpr qint64 MaxAgeMs = 24 * 3600 * 1000;
    static constexpr int MaxPending = 1'000;
    static constexpr qsizetype MaxHeaderValueBytes = 1024;
    static constexpr qsizetype MaxHeadersBytes = 8 * 1024;

    explicit RefusedLog(qint64 maxBytes = 64 * 1024 * 1024);

    void setMaxBytes(qint64 maxBytes) { m_maxBytes = maxBytes; }
    // Queues a refusal received at `atMs`; false (and dropped) when MaxPending are already waiting.
    bool add(const RefusedRequest& request, qint64 atMs);
    bool hasPending() const { return !m_pending.isEmpty(); }
    // Writes what is queued and trims the log, in one transaction; `nowMs` decides what is too old.
    Result<void> write(Database& db, qint64 nowMs);
    // The headers as stored: redacted, each value and the whole list bounded.
    static HeaderList storedHeaders(const HeaderList& headers);

private:
    struct Row
    {
        qint64 id;
        qint64 receivedAtMs;
        qint64 bytes;
    };
    struct Pending
    {
        RefusedRequest request;
        qint64 atMs;
    };

    Result<void> loadRows(Database& db);
    Result<void> insertPending(Database& db);
    Result<void> trim(Database& db, qint64 nowMs);

    qint64 m_maxBytes;
    QList<Pending> m_pending;
    bool m_loaded = false;
    std::deque<Row> m_rows; // what the table holds, oldest first
    qint64 m_bytes = 0;
};

} // namespace Alfe
