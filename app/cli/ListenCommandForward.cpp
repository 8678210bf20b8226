#include "ListenCommandForward.h"

#include "delivery/ForwardClient.h"
#include "domain/AttemptOutcome.h"

#include <QDateTime>
#include <QTimer>

namespace Alfe::Cli {

namespace {
// Framing is the forwarding request's own; every other header goes to the receiver verbatim.
bool framingHeader(const QByteArray& name)
{
    static const QList<QByteArray> names{"host",    "content-length", "connection", "transfer-encoding",
                                         "upgrade", "keep-alive",     "te",         "expect"};
    return names.contains(name.toLower());
}

QByteArray headerValue(const HeaderList& headers, const QByteArray& name)
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

constexpr auto TimeoutPrefix = "no answer within ";
} // namespace

LocalForwarder::LocalForwarder(QUrl target, QObject* parent)
    : QObject(parent)
    , m_target(std::move(target))
    , m_client(new ForwardClient(this))
{}

LocalForwarder::~LocalForwarder()
{
    abandonAll();
}

void LocalForwarder::forward(const QJsonObject& frame, const QByteArray& body, int timeoutMs, Done done)
{
    // Header values are the bytes as ISO-8859-1 characters: latin1 gives the bytes back.
    HeaderList headers;
    const QJsonObject given = frame.value(QLatin1String("headers")).toObject();
    for (auto it = given.begin(); it != given.end(); ++it) {
        const QByteArray name = it.key().toLatin1();
        if (it.value().isString() && !framingHeader(name))
            headers << qMakePair(name, it.value().toString().toLatin1());
    }
    const QString contentType = frame.value(QLatin1String("contentType")).toString();
    if (headerValue(headers, "Content-Type").isNull() && !contentType.isEmpty())
        headers << qMakePair(QByteArray("Content-Type"), contentType.toLatin1());

    const quint64 serial = m_nextSerial++;
    Pending pending;
    pending.deliveryId = frame.value(QLatin1String("deliveryId")).toString();
    pending.done = std::move(done);
    pending.started.start();
    pending.handle = m_client->post(m_target, headers, body,
                                    [this, serial](quint64, const ForwardAnswer& answer) { answered(serial, answer); });
    pending.timeout = new QTimer(this);
    pending.timeout->setSingleShot(true);
    const quint64 handle = pending.handle;
    connect(pending.timeout, &QTimer::timeout, this, [this, handle, timeoutMs] {
        m_client->abort(handle, QLatin1String(TimeoutPrefix) + QStringLiteral("%1 s").arg(timeoutMs / 1000.0));
    });
    pending.timeout->start(timeoutMs);
    m_pending.insert(serial, std::move(pending));
}

int LocalForwarder::abandonAll()
{
    // Taken out first: an abort runs the exchange's callback at once, and it must find nothing to answer.
    const QHash<quint64, Pending> pending = std::exchange(m_pending, {});
    for (const Pending& request : pending) {
        request.timeout->deleteLater();
        m_client->abort(request.handle, QStringLiteral("stopped"));
    }
    return int(pending.size());
}

void LocalForwarder::answered(quint64 serial, const ForwardAnswer& answer)
{
    auto it = m_pending.find(serial);
    if (it == m_pending.end())
        return; // abandoned
    const Pending request = std::move(*it);
    m_pending.erase(it);
    request.timeout->deleteLater();

    // Read as `alfe serve` reads a forward URL's answer: the same statuses succeed, the same Retry-After counts.
    const AttemptOutcome outcome =
        AttemptOutcome::classify(answer.statusCode, answer.error, headerValue(answer.headers, "Retry-After"),
                                 QDateTime::currentMSecsSinceEpoch());
    Result result;
    result.ok = outcome.kind == AttemptOutcome::Kind::Delivered;
    result.latencyMs = request.started.elapsed();
    result.reply = {{QStringLiteral("type"), result.ok ? QStringLiteral("ack") : QStringLiteral("nack")},
                    {QStringLiteral("deliveryId"), request.deliveryId}};
    if (answer.statusCode > 0) {
        result.status = QString::number(answer.statusCode);
        result.reply.insert(QStringLiteral("status"), answer.statusCode);
        if (!result.ok)
            result.reply.insert(QStringLiteral("reason"),
                                QStringLiteral("local receiver answered %1").arg(answer.statusCode));
        if (!result.ok && outcome.retryAfterMs >= 0)
            result.reply.insert(QStringLiteral("retryAfter"), (outcome.retryAfterMs + 999) / 1000);
    } else {
        if (outcome.error.contains(QLatin1String("refused"), Qt::CaseInsensitive))
            result.status = QStringLiteral("refused");
        else if (outcome.error.startsWith(QLatin1String(TimeoutPrefix)))
            result.status = QStringLiteral("timeout");
        else
            result.status = QStringLiteral("error");
        result.reply.insert(QStringLiteral("reason"),
                            QStringLiteral("local receiver %1: %2").arg(m_target.toString(), outcome.error).left(500));
    }
    request.done(result);
}

} // namespace Alfe::Cli
