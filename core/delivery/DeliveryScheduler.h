#pragma once

#include "delivery/AgentStreams.h"
#include "delivery/DeliveryOptions.h"
#include "delivery/DeliveryQueue.h"
#include "domain/Delivery.h"
#include "domain/Result.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

namespace Alfe {

class Clock;
class Database;
class DeliveryWriter;
class ForwardClient;
struct ForwardAnswer;
class ForwardingStore;
class SecretBox;
class WebhookStore;

// Hands accepted deliveries to their agents, in its own thread with its own connection: committed
// deliveries arrive from the writer (enqueueCommitted), wait in a DeliveryQueue, and go out over
// keep-alive connections, up to perAgentConcurrency in flight per agent, fairly between agents. Each round
// (claims made, answers landed) is recorded in one transaction; every signal is emitted once what it
// says is in the store. What was in flight when the process died is tried again on start.
class DeliveryScheduler final : public QObject
{
    Q_OBJECT

public:
    DeliveryScheduler(const QString& databasePath, const SecretBox& box, const Clock& clock, DeliveryOptions options);
    ~DeliveryScheduler() override;
    Q_DISABLE_COPY_MOVE(DeliveryScheduler)

    // Call in the thread this object lives in.
    Result<void> start();

    // Thread-safe: deliveries the writer has just committed.
    void enqueueCommitted(const QList<Alfe::CommittedDelivery>& committed);
    // Thread-safe: look again at what others changed (a manual retry, an agent resumed, a clock moved in
    // tests).
    void wake();
    // Thread-safe: delete what is past retention now; the count arrives with purged().
    void purgeNow();
    // Thread-safe (not from this object's thread): write attempt records through the ingress's writer
    // thread while it runs (nullptr: on this thread's own connection). Returns once the change holds.
    void setJournalWriter(DeliveryWriter* writer);

    // Thread-safe: an agent's live stream. `socket` has no parent and was moved to this object's thread; it holds
    // the upgrade request the ingress checked.
    void adoptStream(QTcpSocket* socket, const Alfe::StreamRequest& request);

    int inFlight() const { return int(m_inFlight.size()); }

signals:
    // The attempt went out (in claim order). Its start is written only if it lasts (LocalDeliveryQueue).
    void attemptStarted(const QString& deliveryId, int attempt);
    void attemptFinished(const QString& deliveryId, int attempt, Alfe::DeliveryStatus status);
    void deliveryFailed(const QString& deliveryId);
    void agentStatusChanged(const QString& agentId, Alfe::AgentStatus status);
    // An agent's stream opened or closed (the store says so already).
    void agentStreamChanged(const QString& agentId);
    void purged(int deliveries);

private:
    struct Flight
    {
        DeliveryQueue::Claim claim;
        qint64 startedMs = 0;
        qint64 deadline = 0;      // on m_monotonic
        quint64 streamSerial = 0; // the stream it went out on; 0: over HTTP
    };

    void pump();
    void schedulePump();
    void writeRound();
    void onRoundWritten(const std::shared_ptr<DeliveryQueue::Round>& round, bool written);
    void launch(DeliveryQueue::Claim claim);
    void land(quint64 handle, const ForwardAnswer& answer);
    void launchOnStream(DeliveryQueue::Claim claim, const QByteArray& secret);
    void landFromStream(quint64 handle, const AttemptOutcome& outcome);
    void onStreamOpened(AgentStream* stream);
    void onStreamAnswer(AgentStream* stream, const StreamFrame::Answer& answer);
    void onStreamEnded(AgentStream* stream, const QString& why);
    void sweepDeadlines();
    void emitEvents(const QList<DeliveryQueue::Event>& events);
    void armTimer();
    void purge();
    // The webhook's current secret, cached; nullptr with `error` set when it cannot be read.
    const QByteArray* secretFor(const QString& webhookId, Error* error);
    void secretUnreadable(const DeliveryQueue::Claim& claim, const Error& error);
    void forgetSecrets();

    QString m_databasePath;
    const SecretBox& m_box;
    const Clock& m_clock;
    DeliveryOptions m_options;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<DeliveryQueue> m_queue;
    std::unique_ptr<ForwardingStore> m_store;
    std::unique_ptr<WebhookStore> m_webhooks;
    ForwardClient* m_client = nullptr;
    QTimer* m_wakeTimer = nullptr;
    QTimer* m_pollTimer = nullptr;
    QTimer* m_purgeTimer = nullptr;
    // One timer for every attempt's deadline (not one per request).
    QTimer* m_deadlineTimer = nullptr;
    QElapsedTimer m_monotonic;
    QHash<quint64, Flight> m_inFlight;
    AgentStreams* m_streams = nullptr;
    QHash<QString, quint64> m_streamFlights;       // delivery id -> handle, for attempts out on a stream
    quint64 m_nextStreamHandle = quint64(1) << 62; // apart from the forward client's handles
    QHash<QString, QByteArray> m_secrets;          // current signing secret per webhook, dropped on any webhook change
    qint64 m_secretsGeneration = -1;
    bool m_pumpQueued = false;
    DeliveryWriter* m_writer = nullptr;
    bool m_roundInFlight = false; // one round at a time is on its way through the writer
};

} // namespace Alfe
