#pragma once

#include "domain/Delivery.h"
#include "domain/Result.h"
#include "domain/StreamRequest.h"
#include "ingress/IngressOptions.h"

#include <QJsonObject>
#include <QObject>

#include <functional>
#include <memory>

class QTcpSocket;
class QThread;

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;

namespace Alfe {

class AdminTokenStore;
class AgentStore;
class EventHub;
class Clock;
class ConnectionGuard;
class HttpHead;
struct UpgradeVerdict;
class Database;
class DeliveryStore;
class DeliveryWriter;
class HookReceiver;
class ManagementApi;
class ResponseQueue;
class SecretBox;
class WebhookStore;
struct RefusedRequest;

// The embedded HTTP server: the ingress (POST /v1/hooks/{id}) and the management API on one
// QHttpServer behind a ConnectionGuard. Lives in its own thread with its own database connection; the
// writer thread stores deliveries.
class IngressServer final : public QObject
{
    Q_OBJECT

public:
    IngressServer(const QString& databasePath, const SecretBox& box, const Clock& clock, IngressOptions options);
    ~IngressServer() override;
    Q_DISABLE_COPY_MOVE(IngressServer)

    // Call in the thread this object lives in. Returns the port it listens on.
    Result<quint16> start();

    // The base of webhook URLs (the public URL when one is set).
    QString baseUrl() const;
    // Where it listens, as a local client reaches it (e.g. http://127.0.0.1:8787; https:// over TLS).
    QString localUrl() const;
    QString webhookUrl(const QString& webhookId) const;

    // Where agents' streams go once checked: a connection moved to `thread`, then handed to `adopt` (delivery's
    // scheduler). Empty while delivery does not run: stream requests are answered 503. Call in this object's
    // thread.
    struct StreamHandoff
    {
        QThread* thread = nullptr;
        std::function<void(QTcpSocket*, const StreamRequest&)> adopt;
    };
    void setStreamHandoff(StreamHandoff handoff) { m_streamHandoff = std::move(handoff); }

    // Sends an event to every admin events client (IngressEvents.cpp). Call in this object's thread.
    void publishEvent(const QJsonObject& event);

signals:
    // New deliveries, right after they were committed.
    void deliveriesCommitted(const QList<Alfe::CommittedDelivery>& deliveries);
    // A delivery was queued again through the API.
    void deliveriesRequeued();

private:
    void dispatch(const QHttpServerRequest& request, QHttpServerResponder&& responder);
    void logRefused(const RefusedRequest& request);
    UpgradeVerdict checkStream(const HttpHead& head, QTcpSocket* socket);
    // GET /v1/admin/events (IngressEvents.cpp): an admin token, else 401 (403 for an agent's).
    void startEvents();
    UpgradeVerdict checkEvents(const HttpHead& head);
    void handOverStream(QTcpSocket* socket);

    QString m_databasePath;
    const SecretBox& m_box;
    const Clock& m_clock;
    IngressOptions m_options;
    quint16 m_port = 0;

    std::unique_ptr<Database> m_db;
    std::unique_ptr<WebhookStore> m_webhooks;
    std::unique_ptr<AgentStore> m_agents;           // reads only: which agent a stream's token belongs to
    std::unique_ptr<AdminTokenStore> m_adminTokens; // reads only: the events socket's token
    EventHub* m_events = nullptr;
    StreamHandoff m_streamHandoff;
    StreamRequest m_checkedStream; // between checkStream() and handOverStream(), in one call of the guard
    std::unique_ptr<ResponseQueue> m_responses;
    DeliveryWriter* m_writer = nullptr;

public:
    // The group-commit writer, once started (its submitWork() and runWork() are thread-safe).
    DeliveryWriter* writer() const { return m_writer; }
    ConnectionGuard* m_guard = nullptr;
    QHttpServer* m_server = nullptr;
    std::unique_ptr<HookReceiver> m_hooks;
    // The management API, created, used and destroyed on the writer's thread.
    struct WriterApi;
    std::shared_ptr<WriterApi> m_api;
};

} // namespace Alfe
