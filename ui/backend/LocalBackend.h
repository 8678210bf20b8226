#pragma once

#include "backend/Backend.h"

class QNetworkAccessManager;

namespace Alfe {

class Engine;

// The console over the data directory on this machine: the in-process engine and its stores, read on the GUI
// thread's connection. Every answer comes before the call returns, except a test event's (it goes through
// the ingress over HTTP, as a sender's would).
class LocalBackend final : public Backend
{
    Q_OBJECT

public:
    explicit LocalBackend(Engine& engine, QObject* parent = nullptr);
    ~LocalBackend() override;
    Q_DISABLE_COPY_MOVE(LocalBackend)

    Engine& engine() const { return m_engine; }

    bool isRemote() const override { return false; }
    QString location() const override;
    const Clock& clock() const override;
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
    struct Signed
    {
        QString scheme;
        HeaderList headers;
    };
    Result<Signed> sign(const Webhook& webhook, const QByteArray& body) const;

    Engine& m_engine;
    QNetworkAccessManager* m_network = nullptr;
};

} // namespace Alfe
