#pragma once

#include "delivery/AgentConnection.h"

#include <QHash>
#include <QObject>

#include <functional>

class QTimer;

namespace Alfe {

// Keep-alive HTTP/1.1 POSTs to agents, over AgentConnections kept per origin and reused. As many run at once
// as the caller starts (the scheduler bounds them per agent). A request that fails on a reused connection
// before any byte of an answer arrived is sent once more on a new one: the agent had closed the idle
// connection, which is not the agent being down.
class ForwardClient final : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(quint64 handle, const ForwardAnswer&)>;

    explicit ForwardClient(QObject* parent = nullptr);
    ~ForwardClient() override;
    Q_DISABLE_COPY_MOVE(ForwardClient)

    // Starts a POST; `done` runs once, later (never inside this call). Returns a handle for abort().
    quint64 post(const QUrl& url, const HeaderList& headers, const QByteArray& body, Done done);
    // Ends the request now with `why` as its error (its `done` runs before this returns).
    void abort(quint64 handle, const QString& why);

    int openConnections() const;

private:
    struct Exchange
    {
        quint64 handle = 0;
        QString origin;
        QUrl url;
        QByteArray request;
        Done done;
        bool retried = false;
    };

    static QString originOf(const QUrl& url);
    static QByteArray requestBytes(const QUrl& url, const HeaderList& headers, const QByteArray& body);
    void start(Exchange exchange);
    void onFinished(AgentConnection* connection, const ForwardAnswer& answer);
    void closeIdle();

    QHash<QString, QList<AgentConnection*>> m_idle;
    QHash<AgentConnection*, Exchange> m_busy;
    QHash<AgentConnection*, qint64> m_idleSince;
    QTimer* m_idleTimer = nullptr;
    quint64 m_nextHandle = 1;
};

} // namespace Alfe
