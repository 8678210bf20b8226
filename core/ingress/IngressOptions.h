#pragma once

#include "ingress/TlsCredentials.h"

#include <QHostAddress>
#include <QString>

namespace Alfe {

// How the embedded server listens and what it accepts. The console and `alfe serve` fill it from
// settings and the command line.
struct IngressOptions
{
    QHostAddress bindAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 8787; // 0 = any free port
    QString publicUrl;   // base of webhook URLs; empty = http://<bind address>:<port>
    qint64 bodyLimitBytes = 10 * 1024 * 1024;
    int rateLimitPerSecond = 100; // verified requests per webhook; 0 = off
    int refusedPerSecond = 20;    // refused requests per source address before they are answered 429; 0 = off
    qint64 dedupWindowSeconds = 300;
    int idleTimeoutMs = 30'000;
    int requestTimeoutMs = 60'000;              // a whole request, and then its answer
    qint64 bodyMemoryBytes = 256 * 1024 * 1024; // request bodies held at once, across connections
    qint64 refusedLogBytes = 64 * 1024 * 1024;  // the refused-request log's size cap
    int maxConnections = 1024;                  // open connections, those still in their TLS handshake included
    TlsCredentials tls;                         // empty: plain HTTP
    int tlsHandshakeTimeoutMs = 10'000;
};

} // namespace Alfe
