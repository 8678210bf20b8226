#include "backend/RemoteRetryJob.h"

#include "backend/RemoteConnection.h"

#include <QPointer>
#include <QUrl>

namespace Alfe {

RemoteRetryJob::RemoteRetryJob(RemoteConnection& connection, const DeliveryFilter& filter, QObject* parent)
    : BackendJob(parent)
    , m_connection(connection)
    , m_filter(filter)
{
    m_poll.setSingleShot(true);
    m_poll.setInterval(PollMs);
    connect(&m_poll, &QTimer::timeout, this, &RemoteRetryJob::poll);
}

void RemoteRetryJob::start()
{
    QJsonObject filter;
    if (m_filter.status)
        filter.insert(QStringLiteral("status"), deliveryStatusName(*m_filter.status));
    if (!m_filter.webhookId.isEmpty())
        filter.insert(QStringLiteral("webhookId"), m_filter.webhookId);
    if (!m_filter.agentId.isEmpty())
        filter.insert(QStringLiteral("agentId"), m_filter.agentId);
    QPointer<RemoteRetryJob> self(this);
    m_connection.send("POST", QStringLiteral("/v1/admin/deliveries/retry"), {{QStringLiteral("filter"), filter}},
                      [self](Result<QJsonObject> answer) {
                          if (!self)
                              return;
                          if (!answer)
                              return self->end(0, false, answer.error().message);
                          self->m_jobId = answer->value(QLatin1String("jobId")).toString();
                          if (self->m_cancelWanted)
                              self->sendCancel();
                          self->poll();
                      });
}

void RemoteRetryJob::cancel()
{
    m_cancelWanted = true;
    if (!m_jobId.isEmpty())
        sendCancel();
}

void RemoteRetryJob::sendCancel()
{
    if (std::exchange(m_cancelSent, true))
        return;
    // The job's state, polled next, says where it stopped.
    m_connection.send("DELETE", QStringLiteral("/v1/admin/jobs/") + m_jobId, {}, [](Result<QJsonObject>) {});
}

void RemoteRetryJob::poll()
{
    QPointer<RemoteRetryJob> self(this);
    m_connection.get(QStringLiteral("/v1/admin/jobs/") + m_jobId, {}, [self](Result<QJsonObject> answer) {
        if (!self || self->m_ended)
            return;
        if (!answer) {
            // One failed look is not the job's end: it runs on the server whatever happens here.
            if (++self->m_pollFailures < MaxPollFailures && answer.error().code != u"not_found")
                return self->m_poll.start(PollMs * (1 << self->m_pollFailures));
            return self->end(0, false,
                             tr("%1 The job may still be running on the server.").arg(answer.error().message));
        }
        self->m_pollFailures = 0;
        const QString state = answer->value(QLatin1String("state")).toString();
        const int done = answer->value(QLatin1String("done")).toInt();
        const int total = answer->value(QLatin1String("total")).toInt();
        emit self->progress(done, total);
        if (state == u"running")
            return self->m_poll.start();
        self->end(answer->value(QLatin1String("queued")).toInt(), state == u"cancelled",
                  state == u"failed" ? answer->value(QLatin1String("error")).toString() : QString());
    });
}

void RemoteRetryJob::end(int queued, bool cancelled, const QString& error)
{
    if (std::exchange(m_ended, true))
        return;
    m_poll.stop();
    emit finished(queued, cancelled, error);
}

} // namespace Alfe
