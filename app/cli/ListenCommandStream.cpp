#include "ListenCommandStream.h"

#include "CliContext.h"
#include "ListenCommandForward.h"
#include "crypto/Secrets.h"

#include <QDateTime>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QStringDecoder>
#include <QTimer>
#include <QWebSocket>

#include <unistd.h>

namespace Alfe::Cli {

namespace {
// A status message: "alfe: …" on stderr, like the errors.
void note(const QString& message)
{
    CliContext::error(message);
}

// One whole line on stdout in one write (lines of deliveries handled at once never interleave); false when
// stdout is gone (a closed pipe).
bool writeLine(const QByteArray& line)
{
    static QFile out;
    if (!out.isOpen() && !out.open(STDOUT_FILENO, QIODevice::WriteOnly | QIODevice::Unbuffered))
        return false;
    return out.write(line + '\n') == line.size() + 1;
}

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString seconds(int ms)
{
    return QStringLiteral("%1 s").arg(ms / 1000.0);
}

// The server's close codes (docs/agents.md) in words, when it gave no reason of its own.
QString closeMeaning(int code)
{
    switch (code) {
    case 4000:
        return QStringLiteral("replaced by a newer stream");
    case 4001:
        return QStringLiteral("the agent or its token was removed");
    case 1001:
        return QStringLiteral("the server is stopping");
    case 1009:
        return QStringLiteral("a frame from this listener was too large");
    default:
        return QStringLiteral("no reason given");
    }
}

// The HTTP status of a refused upgrade, from what QWebSocket 6.4 says (it keeps no status of its own): "…
// Unhandled http status code: 401 (Unauthorized)."; a 400 it words as an "Unknown error condition".
int refusalStatus(const QString& errorText)
{
    static const QRegularExpression pattern(QStringLiteral("http status code: (\\d{3})"),
                                            QRegularExpression::CaseInsensitiveOption);
    const auto match = pattern.match(errorText);
    if (match.hasMatch())
        return match.captured(1).toInt();
    return errorText.contains(QLatin1String("processHandshake: Unknown error condition")) ? 400 : 0;
}

bool isLoopback(const QUrl& url)
{
    return QHostAddress(url.host()).isLoopback() || url.host() == QLatin1String("localhost");
}
} // namespace

ListenStream::ListenStream(ListenOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_retryTimer(new QTimer(this))
    , m_heartbeatTimer(new QTimer(this))
    , m_stopTimer(new QTimer(this))
{
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &ListenStream::open);
    connect(m_heartbeatTimer, &QTimer::timeout, this, &ListenStream::heartbeat);
    m_stopTimer->setSingleShot(true);
    connect(m_stopTimer, &QTimer::timeout, this, [this] { finish(m_stopCode); });
    if (!m_options.forwardTo.isEmpty())
        m_forward = new LocalForwarder(m_options.forwardTo, this);
}

ListenStream::~ListenStream()
{
    abandonInFlight();
    dropSocket();
    Secrets::cleanse(m_options.token);
}

void ListenStream::start()
{
    open();
}

QString ListenStream::serverText() const
{
    return m_options.streamUrl.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo);
}

void ListenStream::open()
{
    dropSocket();
    m_upgraded = false;
    m_helloSeen = false;
    m_lostBecause.clear();
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingFrameSize(MaxFrameBytes);
    m_socket->setMaxAllowedIncomingMessageSize(MaxFrameBytes);
    if (isLoopback(m_options.streamUrl))
        m_socket->setProxy(QNetworkProxy::NoProxy);
    if (!m_options.caCertificates.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(m_options.caCertificates);
        m_socket->setSslConfiguration(tls);
    }
    connect(m_socket, &QWebSocket::connected, this, &ListenStream::onConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &ListenStream::onDisconnected);
    connect(m_socket, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this, &ListenStream::onError);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &ListenStream::onText);
    connect(m_socket, &QWebSocket::pong, this, [this] { m_lastHeard.restart(); });
    QNetworkRequest request(m_options.streamUrl);
    request.setRawHeader("Authorization", "Bearer " + m_options.token);
    // Until the handshake and the hello are done, the same timer bounds the wait for them.
    m_lastHeard.start();
    m_heartbeatTimer->start(m_pingIntervalMs);
    m_socket->open(request);
}

void ListenStream::onConnected()
{
    m_upgraded = true;
    m_lastHeard.restart();
}

void ListenStream::heartbeat()
{
    if (!m_socket)
        return;
    if (!m_upgraded || !m_helloSeen) {
        const QString what =
            m_upgraded ? QStringLiteral("no hello from %1 within %2") : QStringLiteral("no answer from %1 within %2");
        m_lostBecause = what.arg(serverText(), seconds(m_pingIntervalMs));
        ended(Outcome::Retry, m_lostBecause);
        return;
    }
    // The server pings every interval; Qt answers those without saying so, so we ping too and expect a pong.
    const qint64 silentMs = m_lastHeard.elapsed();
    if (silentMs > 2 * qint64(m_pingIntervalMs) + 5'000) {
        ended(Outcome::Retry,
              QStringLiteral("connection lost (nothing from the server for %1)").arg(seconds(int(silentMs))));
        return;
    }
    m_socket->ping();
}

void ListenStream::onError()
{
    if (!m_socket)
        return;
    const QString text = m_socket->errorString();
    if (m_upgraded) {
        // A stream that was open breaks: disconnected() follows (or is made to).
        m_lostBecause = text;
        if (m_socket->state() != QAbstractSocket::UnconnectedState)
            m_socket->abort();
        if (m_socket)
            onDisconnected();
        return;
    }
    const int status = refusalStatus(text);
    if (status == 401) {
        ended(Outcome::Fatal,
              QStringLiteral("The server refused the agent token in %1 (HTTP 401): it is not the token of an agent "
                             "that exists there. 'alfe agent add' prints a new agent's token once.")
                  .arg(m_options.tokenFile));
    } else if (status >= 500) {
        ended(Outcome::Retry, QStringLiteral("%1 cannot open a stream now (HTTP %2)").arg(serverText()).arg(status));
    } else if (status == 404) {
        ended(Outcome::Fatal, QStringLiteral("%1 has no agent stream (HTTP 404): is --server the base URL of an alfe "
                                             "server recent enough to have one?")
                                  .arg(serverText()));
    } else if (status != 0) {
        ended(Outcome::Fatal, QStringLiteral("%1 refused the stream (HTTP %2).").arg(serverText()).arg(status));
    } else if (m_socket->error() == QAbstractSocket::SslHandshakeFailedError) {
        const QString hint = m_options.caCertificates.isEmpty()
                                 ? QStringLiteral(" (a server certificate from a private CA needs --ca-file FILE)")
                                 : QString();
        ended(Outcome::Fatal, QStringLiteral("The TLS handshake with %1 failed: %2%3.").arg(serverText(), text, hint));
    } else {
        ended(Outcome::Retry, QStringLiteral("cannot reach %1 (%2)").arg(serverText(), text));
    }
}

void ListenStream::onDisconnected()
{
    if (!m_socket)
        return;
    if (m_stopping) {
        ended(Outcome::Retry, {});
        return;
    }
    if (!m_upgraded) {
        ended(Outcome::Retry, QStringLiteral("cannot reach %1 (%2)").arg(serverText(), m_socket->errorString()));
        return;
    }
    // QWebSocket reports 1000 without a reason when no close frame came (we never close but on stop()).
    const int code = int(m_socket->closeCode());
    const bool closeFrame = code != QWebSocketProtocol::CloseCodeNormal || !m_socket->closeReason().isEmpty();
    if (!closeFrame && !m_lostBecause.isEmpty()) {
        ended(Outcome::Retry, QStringLiteral("connection lost (%1)").arg(m_lostBecause));
        return;
    }
    // The server's reason reads as a sentence ("Replaced by a newer stream of this agent."): here it is a clause.
    QString reason = m_socket->closeReason().trimmed();
    while (reason.endsWith(QLatin1Char('.')))
        reason.chop(1);
    if (reason.size() > 1 && reason.at(0).isUpper() && reason.at(1).isLower())
        reason[0] = reason.at(0).toLower();
    if (reason.isEmpty())
        reason = closeMeaning(code);
    const QString closed = QStringLiteral("stream closed (code %1: %2)").arg(code).arg(reason);
    if (code == 4000) {
        ended(Outcome::Fatal, closed + QStringLiteral("; another listener of this agent has the stream now, and this "
                                                      "one stops rather than take it back."));
    } else if (code == 4001) {
        ended(Outcome::Fatal, closed + QLatin1Char('.'));
    } else {
        ended(Outcome::Retry, closed);
    }
}

void ListenStream::ended(Outcome outcome, const QString& message)
{
    if (m_finished)
        return;
    const bool stable = m_helloSeen && m_helloAt.elapsed() >= StableMs;
    const bool wasOpen = m_upgraded;
    dropSocket();
    if (m_stopping) {
        finish(m_stopCode);
        return;
    }
    if (outcome == Outcome::Fatal) {
        abandonInFlight();
        CliContext::error(message);
        finish(ExitFailure);
        return;
    }
    if (stable)
        m_retryMs = FirstRetryMs;
    const int delay = m_retryMs;
    m_retryMs = qMin(2 * m_retryMs, LastRetryMs);
    note(QStringLiteral("%1; %2 in %3").arg(message, wasOpen ? u"reconnecting" : u"retrying", seconds(delay)));
    m_retryTimer->start(delay);
}

void ListenStream::dropSocket()
{
    m_heartbeatTimer->stop();
    if (!m_socket)
        return;
    ++m_generation; // answers to what came on it have nowhere to go now
    QWebSocket* socket = std::exchange(m_socket, nullptr);
    socket->disconnect(this);
    if (socket->state() != QAbstractSocket::UnconnectedState)
        socket->abort();
    socket->deleteLater();
    m_helloSeen = false;
}

int ListenStream::abandonInFlight()
{
    return m_forward ? m_forward->abandonAll() : 0;
}

void ListenStream::stop(int exitCode)
{
    if (m_stopping) {
        finish(m_stopCode);
        return;
    }
    m_stopping = true;
    m_stopCode = exitCode;
    m_retryTimer->stop();
    if (const int abandoned = abandonInFlight(); abandoned > 0) {
        note(QStringLiteral("stopping: %1 in flight not acknowledged; the server sends %2 again on the next stream")
                 .arg(abandoned == 1 ? QStringLiteral("1 delivery") : QStringLiteral("%1 deliveries").arg(abandoned),
                      abandoned == 1 ? QStringLiteral("it") : QStringLiteral("them")));
    }
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        m_stopTimer->start(3'000); // a server that does not finish the close handshake does not hold us up
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("alfe listen stopped"));
        return;
    }
    dropSocket();
    finish(m_stopCode);
}

void ListenStream::finish(int exitCode)
{
    if (m_finished)
        return;
    m_finished = true;
    m_retryTimer->stop();
    m_stopTimer->stop();
    dropSocket();
    abandonInFlight();
    // Later, from the event loop: the caller may be inside a socket's signal, or not yet in exec().
    QMetaObject::invokeMethod(
        this, [this, exitCode] { emit finished(exitCode); }, Qt::QueuedConnection);
}

void ListenStream::onText(const QString& text)
{
    if (m_stopping)
        return; // closing: what still comes is not handled, so not answered, and comes again on the next stream
    m_lastHeard.restart();
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
    const QJsonObject frame = document.object();
    const QString type = frame.value(QLatin1String("type")).toString();
    if (type == u"hello") {
        onHello(frame);
    } else if (type == u"delivery") {
        onDelivery(frame);
    } else if (type == u"error") {
        const QString id = frame.value(QLatin1String("deliveryId")).toString();
        note(QStringLiteral("the server could not use a frame from this listener (%1%2): %3")
                 .arg(frame.value(QLatin1String("code")).toString(),
                      id.isEmpty() ? QString() : QStringLiteral(", delivery ") + id,
                      frame.value(QLatin1String("message")).toString()));
    } else {
        note(document.isObject() ? QStringLiteral("ignored a frame of unknown type \"%1\"").arg(type.left(40))
                                 : QStringLiteral("ignored a frame that is not a JSON object"));
    }
}

void ListenStream::onHello(const QJsonObject& hello)
{
    m_helloSeen = true;
    m_helloAt.start();
    m_agentId = hello.value(QLatin1String("agentId")).toString();
    m_window = hello.value(QLatin1String("window")).toInt();
    if (const double ping = hello.value(QLatin1String("pingIntervalSeconds")).toDouble(); ping >= 1)
        m_pingIntervalMs = int(qMin(ping, 3600.0) * 1000);
    m_heartbeatTimer->start(m_pingIntervalMs);
    m_localTimeoutMs = LocalTimeoutMs;
    if (const double ack = hello.value(QLatin1String("ackTimeoutSeconds")).toDouble(); ack > 0)
        m_localTimeoutMs = int(qBound(1'000.0, ack * 1000 - 1'000, double(LocalTimeoutMs)));
    if (m_everHello) {
        note(QStringLiteral("reconnected as agent %1, window %2").arg(m_agentId).arg(m_window));
        return;
    }
    m_everHello = true;
    note(QStringLiteral("connected to %1 as agent %2, window %3; %4")
             .arg(serverText(), m_agentId)
             .arg(m_window)
             .arg(m_forward ? QStringLiteral("forwarding to %1").arg(m_options.forwardTo.toString())
                            : QStringLiteral("printing deliveries as JSON lines")));
}

void ListenStream::onDelivery(const QJsonObject& frame)
{
    const QString id = frame.value(QLatin1String("deliveryId")).toString();
    if (id.isEmpty()) {
        note(QStringLiteral("ignored a delivery frame without a deliveryId"));
        return;
    }
    auto decoded = QByteArray::fromBase64Encoding(frame.value(QLatin1String("body")).toString().toLatin1(),
                                                  QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || !frame.value(QLatin1String("body")).isString()) {
        answer({{QStringLiteral("type"), QStringLiteral("nack")},
                {QStringLiteral("deliveryId"), id},
                {QStringLiteral("reason"), QStringLiteral("alfe listen: the frame's body is not base64")}});
        writeLine(QStringLiteral("%1  %2  %3  bad frame nack")
                      .arg(CliContext::localTime(QDateTime::currentMSecsSinceEpoch()),
                           frame.value(QLatin1String("eventType")).toString(), id)
                      .toUtf8());
        return;
    }
    if (m_forward)
        forward(frame, *decoded);
    else
        printDelivery(frame, *decoded);
}

void ListenStream::printDelivery(const QJsonObject& frame, const QByteArray& body)
{
    // The frame as received ("body" stays base64: the exact bytes), with "bodyText" when the body is UTF-8.
    QJsonObject line = frame;
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = utf8.decode(body);
    if (!utf8.hasError())
        line.insert(QStringLiteral("bodyText"), text);
    if (!writeLine(compact(line))) {
        // Nobody reads any more (a closed pipe): unacknowledged, it comes again on the next stream.
        CliContext::error(QStringLiteral("Standard output is closed; stopping."));
        stop(ExitFailure);
        return;
    }
    answer({{QStringLiteral("type"), QStringLiteral("ack")},
            {QStringLiteral("deliveryId"), frame.value(QLatin1String("deliveryId"))}});
}

void ListenStream::forward(const QJsonObject& frame, const QByteArray& body)
{
    const QString id = frame.value(QLatin1String("deliveryId")).toString();
    const QString eventType = frame.value(QLatin1String("eventType")).toString();
    const int attempt = frame.value(QLatin1String("attempt")).toInt();
    const int generation = m_generation;
    m_forward->forward(frame, body, m_localTimeoutMs, [=](const LocalForwarder::Result& result) {
        // The answer goes back on the stream the delivery came on; on a newer one it means nothing.
        QString verdict = result.status;
        if (generation == m_generation && m_socket && m_helloSeen) {
            answer(result.reply);
            verdict += result.ok ? QStringLiteral(" ack") : QStringLiteral(" nack");
        } else {
            verdict += QStringLiteral(", not answered (the stream closed; the server sends it again)");
        }
        QString line = QStringLiteral("%1  %2  %3  %4  %5 ms")
                           .arg(CliContext::localTime(QDateTime::currentMSecsSinceEpoch()),
                                eventType.isEmpty() ? QStringLiteral("-") : eventType, id, verdict)
                           .arg(result.latencyMs);
        if (attempt > 1)
            line += QStringLiteral("  attempt %1").arg(attempt);
        if (!writeLine(line.toUtf8())) {
            CliContext::error(QStringLiteral("Standard output is closed; stopping."));
            stop(ExitFailure);
        }
    });
}

void ListenStream::answer(const QJsonObject& frame)
{
    if (m_socket)
        m_socket->sendTextMessage(QString::fromUtf8(compact(frame)));
}

} // namespace Alfe::Cli
