#pragma once

#include "Engine.h"
#include "HttpClient.h"
#include "ManualClock.h"
#include "TestEngine.h"
#include "ingress/IngressOptions.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <memory>

namespace Alfe::Test {

// A real engine with its ingress on 127.0.0.1, port 0, and an HTTP client for it. The clock is manual:
// rate limits, dedup windows and grace periods move only when the test says so.
class IngressFixture final
{
public:
    explicit IngressFixture(IngressOptions options = defaultOptions());

    static IngressOptions defaultOptions();

    Engine& engine() { return *m_engine; }
    ManualClock& clock() { return m_clock; }
    HttpClient& http() { return *m_http; }
    QString agentId() const { return m_agentId; }

    // A new webhook of the fixture's agent; its secret goes to `secret`.
    QString createWebhook(Provider provider, QByteArray* secret);
    static QString hookPath(const QString& webhookId) { return QStringLiteral("/v1/hooks/") + webhookId; }

    // Counts rows through the engine's own connection (WAL: sees what the writer committed).
    int count(const QString& sqlWhere, const QString& table = QStringLiteral("deliveries"));
    QVariant scalar(const QString& sql, const QVariantList& binds = {});

private:
    ManualClock m_clock;
    TestEngine m_engine;
    std::unique_ptr<HttpClient> m_http;
    QString m_agentId;
};

} // namespace Alfe::Test
