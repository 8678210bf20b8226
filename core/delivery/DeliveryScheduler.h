#pragma once

#include "delivery/DeliveryOptions.h"
#include "domain/Delivery.h"
#include "domain/Result.h"
#include "store/ForwardingStore.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace Alfe {

class Clock;
class Database;
class SecretBox;
class WebhookStore;

// Hands accepted deliveries to their agents, in its own thread with its own connection and
// QNetworkAccessManager: the first attempt within milliseconds of the commit (wake()), retries on the
// schedule, offline agents detected and probed, their backlog drained oldest first a few at a time,
// every attempt recorded, and what was in flight when the process died tried again on start.
class DeliveryScheduler final : public QObject
{
    Q_OBJECT

public:
    DeliveryScheduler(const QString& databasePath, const SecretBox& box, const Clock& clock, DeliveryOptions options);
    ~DeliveryScheduler() override;
    Q_DISABLE_COPY_MOVE(DeliveryScheduler)

    // Call in the thread this object lives in.
    Result<void> start();

    // Thread-safe: look for due work now (after a commit, a manual retry, or a clock change in tests).
    void wake();
    // Thread-safe: delete what is past retention now; the count arrives with purged().
    void purgeNow();

    int inFlight() const { return int(m_inFlight.size()); }

signals:
    void attemptStarted(const QString& deliveryId, int attempt);
    void attemptFinished(const QString& deliveryId, int attempt, Alfe::DeliveryStatus status);
    void deliveryFailed(const QString& deliveryId);
    void agentStatusChanged(const QString& agentId, Alfe::AgentStatus status);
    void purged(int deliveries);

private:
    struct Flight
    {
        ForwardingStore::Due due;
        int attempt = 0;
        qint64 startedMs = 0;
        QByteArray body;       // the first ResponseBodyKeptBytes of the answer, read as it arrives
        bool timedOut = false; // the attempt's deadline passed (in total, not only inactivity)
        bool bodyCut = false;  // the answer went on past what is kept: the rest was not read
    };

    void dispatch();
    void launch(const ForwardingStore::Due& due);
    void land(QNetworkReply* reply);
    void readAnswer(QNetworkReply* reply);
    void armTimer();
    void purge();

    QString m_databasePath;
    const SecretBox& m_box;
    const Clock& m_clock;
    DeliveryOptions m_options;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<ForwardingStore> m_store;
    std::unique_ptr<WebhookStore> m_webhooks;
    QNetworkAccessManager* m_network = nullptr;
    QTimer* m_timer = nullptr;
    QTimer* m_purgeTimer = nullptr;
    QHash<QNetworkReply*, Flight> m_inFlight;
    QHash<QString, int> m_perAgent;
    bool m_dispatching = false;
};

} // namespace Alfe
