#pragma once

#include "backend/Backend.h"
#include "domain/Clock.h"

#include <QUrl>

namespace Alfe {

class AdminEvents;
class RemoteConnection;

// The console over a running `alfe serve`: every call is a request to its admin API (SPEC §13), and the events
// socket keeps the screens live. Answers come later, on the GUI thread; a lost connection is reported through
// connectionChanged() and the events socket reconnects by itself. After a reconnection every screen reads
// again, so nothing that happened meanwhile is missed.
class RemoteBackend final : public Backend
{
    Q_OBJECT

public:
    RemoteBackend(const QUrl& server, const QByteArray& adminToken, QObject* parent = nullptr);
    ~RemoteBackend() override;
    Q_DISABLE_COPY_MOVE(RemoteBackend)

    RemoteConnection& connection() const { return *m_connection; }
    // Opens the events socket. Call once the first request proved the token.
    void startEvents();
    bool isConnected() const { return m_connected; }

    bool isRemote() const override { return true; }
    QString location() const override;
    const Clock& clock() const override { return Clock::system(); }
    QString ingressUrl() const override;
    QString webhookUrl(const QString& webhookId) const override;

    void snapshot(Done<ConsoleSnapshot> done) override;
    void webhooks(Done<QList<Webhook>> done) override;
    void webhook(const QString& webhookId, Done<Webhook> done) override;
    void createAgent(const QString& name, const QString& forwardUrl, Done<Agent> done) override;
    void createWebhook(const QString& agentId, Provider provider, const QString& description,
                       Done<NewSecret> done) override;
    void rotate(const QString& webhookId, qint64 graceSeconds, Done<NewSecret> done) override;
    void setEnabled(const QString& webhookId, bool enabled, Done<void> done) override;
    void removeWebhook(const QString& webhookId, Done<void> done) override;
    void setProviderSecret(const QString& webhookId, const QByteArray& secret, qint64 graceSeconds,
                           Done<Webhook> done) override;
    void setToleranceSeconds(const QString& webhookId, int seconds, Done<Webhook> done) override;
    void clearProviderSecret(const QString& webhookId, Done<void> done) override;
    void sendTestEvent(const Webhook& webhook, const QByteArray& body, const HeaderList& headers,
                       Done<TestEventResult> done) override;

    std::unique_ptr<DeliveryLog> deliveryLog() override;
    void delivery(const QString& deliveryId, Done<Delivery> done) override;
    void retry(const QString& deliveryId, Done<void> done) override;
    BackendJob* retryMatching(const DeliveryFilter& filter, int chunkSize, QObject* parent) override;
    void refused(const DeliveryStore::RefusedQuery& query, Done<QList<RefusedEntry>> done) override;
    void refusedEntry(qint64 id, Done<RefusedEntry> done) override;

private:
    void onEvent(const QJsonObject& event);
    // The answer's "url" of each webhook, as the server builds it (its public URL).
    QHash<QString, QString> m_urls;
    QString m_ingressUrl;

    RemoteConnection* m_connection = nullptr;
    AdminEvents* m_events = nullptr;
    bool m_connected = true;
};

} // namespace Alfe
