#pragma once

#include "backend/Backend.h"

#include <QTimer>

namespace Alfe {

class RemoteConnection;

// "Retry all failed" on a server: POST /v1/admin/deliveries/retry starts a job there, GET /v1/admin/jobs/{id}
// is polled for its progress, DELETE cancels it (what was queued stays queued).
class RemoteRetryJob final : public BackendJob
{
    Q_OBJECT

public:
    static constexpr int PollMs = 200;
    static constexpr int MaxPollFailures = 6; // about 25 s of failed looks, backing off

    RemoteRetryJob(RemoteConnection& connection, const DeliveryFilter& filter, QObject* parent);

    void start() override;
    void cancel() override;
    QString jobId() const { return m_jobId; }

private:
    void poll();
    void sendCancel();
    void end(int queued, bool cancelled, const QString& error);

    RemoteConnection& m_connection;
    DeliveryFilter m_filter;
    QString m_jobId;
    QTimer m_poll;
    bool m_cancelWanted = false;
    bool m_cancelSent = false;
    bool m_ended = false;
    int m_pollFailures = 0;
};

} // namespace Alfe
