#pragma once

#include "domain/Delivery.h"
#include "domain/DeliveryRow.h"
#include "domain/DeliveryViewFilter.h"
#include "domain/Domain.h"
#include "domain/Result.h"
#include "store/DeliveryStore.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <functional>
#include <memory>

namespace Alfe {

class Clock;

// How an answer comes back. A local backend calls it before returning; a remote one once the server answered
// (or failed to). It is not called when the backend is destroyed first.
template <typename T>
using Done = std::function<void(Result<T>)>;

// Everything the Webhooks tab and the status bar show, read together so that they agree.
struct ConsoleSnapshot
{
    struct AgentEntry
    {
        Agent agent;
        int backlog = 0; // deliveries waiting for it or on their way
    };
    QList<AgentEntry> agents;
    QList<Webhook> webhooks;                  // every agent's
    QHash<QString, WebhookActivity> activity; // per webhook id, "since" = the last 24 hours
};

// A signing secret shown once: after a webhook was created or its secret rotated. The caller cleanses it.
struct NewSecret
{
    Webhook webhook;
    QByteArray secret;
    qint64 previousSecretExpiresAtMs = 0; // rotation: until when the previous one still verifies
};

// What sending a test event came to: the ingress's HTTP status, and the delivery it stored.
struct TestEventResult
{
    int status = 0;
    QString deliveryId;
    QString scheme;  // how it was signed ("alfe-v1", "stripe", …), when known
    QString message; // the ingress's error message, when it refused
};

// The delivery log as one view pages through it, newest first: the local log's DeliveryQuery, or the admin
// API's keyset pages. A filter applies to every call after it.
class DeliveryLog
{
public:
    struct Page
    {
        QList<DeliveryRow> rows;
        bool more = false;
    };
    struct Rows
    {
        QList<DeliveryRow> rows;
        QSet<QString> matching; // the ids among them that match the filter
    };

    virtual ~DeliveryLog() = default;
    virtual void setFilter(const DeliveryViewFilter& filter, Done<void> done) = 0;
    virtual const DeliveryViewFilter& filter() const = 0;
    // Event-type text is searched among the newest rows only (DeliveryQuery::SearchWindow).
    virtual bool searchWindowed() const = 0;
    // Rows older than `after` (nullptr: from the newest).
    virtual void older(const DeliveryRow* after, int limit, Done<Page> done) = 0;
    // Rows newer than `than`, newest first.
    virtual void newer(const DeliveryRow& than, int limit, Done<Page> done) = 0;
    // These rows whether they match or not.
    virtual void byIds(const QStringList& ids, Done<Rows> done) = 0;
    // The log holds no delivery at all.
    virtual void logIsEmpty(Done<bool> done) = 0;
};

// A long action on the server (retry every delivery matching a filter): progress, then one finished().
class BackendJob : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    // Connect first, then start: progress and finished may come before start() returns.
    virtual void start() = 0;
    // Stops after the part in hand; what was queued stays queued.
    virtual void cancel() = 0;

signals:
    void progress(int done, int total);
    void finished(int queued, bool cancelled, const QString& error);
};

// What every screen of the console reads and changes, whether it manages the data directory on this machine
// (LocalBackend, the in-process engine) or a running `alfe serve` (RemoteBackend, the admin API). Screens
// never reach the engine or the stores another way, so each one works on both.
class Backend : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    virtual bool isRemote() const = 0;
    // What is managed, for the title bar: "host:port", or the data directory.
    virtual QString location() const = 0;
    virtual const Clock& clock() const = 0;
    // Where the ingress takes deliveries (the status bar's link); empty while it does not run.
    virtual QString ingressUrl() const = 0;
    // The URL senders post to for this webhook.
    virtual QString webhookUrl(const QString& webhookId) const = 0;

    virtual void snapshot(Done<ConsoleSnapshot> done) = 0;
    virtual void webhooks(Done<QList<Webhook>> done) = 0; // every agent's
    virtual void webhook(const QString& webhookId, Done<Webhook> done) = 0;
    virtual void createAgent(const QString& name, const QString& forwardUrl, Done<Agent> done) = 0;
    virtual void createWebhook(const QString& agentId, Provider provider, const QString& description,
                               Done<NewSecret> done) = 0;
    virtual void rotate(const QString& webhookId, qint64 graceSeconds, Done<NewSecret> done) = 0;
    virtual void setEnabled(const QString& webhookId, bool enabled, Done<void> done) = 0;
    virtual void removeWebhook(const QString& webhookId, Done<void> done) = 0;
    // The provider's signing secret (the caller cleanses `secret`); the previous one verifies for `graceSeconds`.
    virtual void setProviderSecret(const QString& webhookId, const QByteArray& secret, qint64 graceSeconds,
                                   Done<Webhook> done) = 0;
    virtual void setToleranceSeconds(const QString& webhookId, int seconds, Done<Webhook> done) = 0;
    virtual void clearProviderSecret(const QString& webhookId, Done<void> done) = 0;
    // Signs `body` as `webhook`'s sender would, with its stored secrets, and posts it through the real ingress.
    virtual void sendTestEvent(const Webhook& webhook, const QByteArray& body, const HeaderList& headers,
                               Done<TestEventResult> done) = 0;

    virtual std::unique_ptr<DeliveryLog> deliveryLog() = 0;
    virtual void delivery(const QString& deliveryId, Done<Delivery> done) = 0;
    // Queues it again whatever its status (a replay when it was delivered).
    virtual void retry(const QString& deliveryId, Done<void> done) = 0;
    // Queues again every delivery matching `filter`, `chunkSize` at a time; the job belongs to `parent`.
    virtual BackendJob* retryMatching(const DeliveryFilter& filter, int chunkSize, QObject* parent) = 0;
    virtual void refused(const DeliveryStore::RefusedQuery& query, Done<QList<RefusedEntry>> done) = 0;
    virtual void refusedEntry(qint64 id, Done<RefusedEntry> done) = 0;

signals:
    void deliveriesArrived();
    void deliveryChanged(const QString& deliveryId);
    // Deliveries were queued again by someone else: any shown row may have changed.
    void deliveriesRequeued();
    void deliveryFailed(const QString& deliveryId);
    // An agent's status or stream changed, or an agent or webhook came or went.
    void agentsChanged();
    // A remote backend lost its server (`connected` false, with why) or has it again.
    void connectionChanged(bool connected, const QString& problem);
};

} // namespace Alfe
