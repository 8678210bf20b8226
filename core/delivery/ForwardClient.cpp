#include "delivery/ForwardClient.h"

#include <QDateTime>
#include <QTimer>

namespace Alfe {

namespace {
constexpr qint64 IdleCloseMs = 30'000;
constexpr int MaxIdlePerOrigin = 64;

bool headerSafe(const QByteArray& bytes)
{
    return !bytes.contains('\r') && !bytes.contains('\n');
}
} // namespace

ForwardClient::ForwardClient(QObject* parent)
    : QObject(parent)
    , m_idleTimer(new QTimer(this))
{
    m_idleTimer->setInterval(5'000);
    connect(m_idleTimer, &QTimer::timeout, this, &ForwardClient::closeIdle);
}

ForwardClient::~ForwardClient()
{
    // Exchanges in flight end unanswered; their callers are going away with this object.
    for (AgentConnection* connection : m_busy.keys())
        connection->disconnect(this);
    m_busy.clear();
}

QString ForwardClient::originOf(const QUrl& url)
{
    return url.scheme().toLower() + QLatin1String("://") + url.host().toLower() + QLatin1Char(':') +
           QString::number(url.port(url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0 ? 443 : 80));
}

QByteArray ForwardClient::requestBytes(const QUrl& url, const HeaderList& headers, const QByteArray& body)
{
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    QByteArray host = QUrl::toAce(url.host());
    if (host.isEmpty())
        host = url.host().toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    if (url.port() > 0)
        host += ':' + QByteArray::number(url.port());

    QByteArray out;
    out.reserve(512 + body.size());
    out += "POST " + target + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\nConnection: keep-alive\r\n";
    for (const auto& [name, value] : headers) {
        if (headerSafe(name) && headerSafe(value) && !name.isEmpty())
            out += name + ": " + value + "\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

quint64 ForwardClient::post(const QUrl& url, const HeaderList& headers, const QByteArray& body, Done done)
{
    Exchange exchange;
    exchange.handle = m_nextHandle++;
    exchange.origin = originOf(url);
    exchange.url = url;
    exchange.request = requestBytes(url, headers, body);
    exchange.done = std::move(done);
    const quint64 handle = exchange.handle;
    // Started from the event loop, so that `done` never runs inside post() (a refused connection can fail
    // at once).
    QMetaObject::invokeMethod(
        this, [this, exchange = std::move(exchange)]() mutable { start(std::move(exchange)); }, Qt::QueuedConnection);
    return handle;
}

void ForwardClient::start(Exchange exchange)
{
    AgentConnection* connection = nullptr;
    QList<AgentConnection*>& idle = m_idle[exchange.origin];
    while (!idle.isEmpty() && !connection) {
        AgentConnection* candidate = idle.takeLast();
        m_idleSince.remove(candidate);
        if (candidate->reusable() && !exchange.retried)
            connection = candidate;
        else
            candidate->deleteLater();
    }
    if (!connection) {
        connection = new AgentConnection(exchange.url, this);
        connect(connection, &AgentConnection::finished, this, &ForwardClient::onFinished);
    }
    const QByteArray request = exchange.request;
    m_busy.insert(connection, std::move(exchange));
    connection->send(request);
    if (!m_idleTimer->isActive())
        m_idleTimer->start();
}

void ForwardClient::onFinished(AgentConnection* connection, const ForwardAnswer& answer)
{
    auto it = m_busy.find(connection);
    if (it == m_busy.end())
        return;
    Exchange exchange = std::move(*it);
    m_busy.erase(it);
    if (answer.statusCode == 0 && connection->wasReused() && !connection->answerStarted() && !exchange.retried) {
        // The agent had closed this idle connection: the same request once more, on a new connection.
        connection->deleteLater();
        exchange.retried = true;
        start(std::move(exchange));
        return;
    }
    if (connection->reusable()) {
        QList<AgentConnection*>& idle = m_idle[exchange.origin];
        if (idle.size() < MaxIdlePerOrigin) {
            idle.append(connection);
            m_idleSince.insert(connection, QDateTime::currentMSecsSinceEpoch());
        } else {
            connection->deleteLater();
        }
    } else {
        connection->deleteLater();
    }
    exchange.done(exchange.handle, answer);
}

void ForwardClient::abort(quint64 handle, const QString& why)
{
    for (auto it = m_busy.begin(); it != m_busy.end(); ++it) {
        if (it->handle == handle) {
            it->retried = true; // no second try after an abort
            it.key()->abort(why);
            return;
        }
    }
}

void ForwardClient::closeIdle()
{
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - IdleCloseMs;
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        QList<AgentConnection*>& list = *it;
        for (qsizetype i = list.size() - 1; i >= 0; --i) {
            AgentConnection* connection = list.at(i);
            if (!connection->reusable() || m_idleSince.value(connection) < cutoff) {
                m_idleSince.remove(connection);
                list.removeAt(i);
                connection->deleteLater();
            }
        }
        it = list.isEmpty() ? m_idle.erase(it) : std::next(it);
    }
    if (m_idle.isEmpty() && m_busy.isEmpty())
        m_idleTimer->stop();
}

int ForwardClient::openConnections() const
{
    int open = int(m_busy.size());
    for (const auto& list : m_idle)
        open += int(list.size());
    return open;
}

} // namespace Alfe
