#include "delivery/AgentConnection.h"

#include <QSslSocket>
#include <QTcpSocket>

namespace Alfe {

namespace {
constexpr qsizetype MaxLineBytes = 8 * 1024;
constexpr qsizetype MaxHeaderBytes = 64 * 1024;

bool isHttps(const QUrl& url)
{
    return url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0;
}
} // namespace

AgentConnection::AgentConnection(const QUrl& origin, QObject* parent)
    : QObject(parent)
    , m_origin(origin)
{}

AgentConnection::~AgentConnection() = default;

void AgentConnection::send(const QByteArray& request)
{
    Q_ASSERT(!busy());
    ++m_exchanges;
    m_answer = {};
    m_answerStarted = false;
    m_in.clear();
    m_headerBytes = 0;
    m_remaining = -1;
    if (m_state == State::Idle && m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        m_state = State::StatusLine;
        m_socket->write(request);
        return;
    }
    // A new connection.
    delete m_socket;
    const bool tls = isHttps(m_origin);
    if (tls) {
        auto* ssl = new QSslSocket(this);
        m_socket = ssl;
        connect(ssl, &QSslSocket::encrypted, this, [this] {
            m_state = State::StatusLine;
            m_socket->write(std::exchange(m_pending, {}));
        });
        connect(ssl, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
            fail(errors.isEmpty() ? QStringLiteral("TLS error") : errors.first().errorString());
        });
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, [this] {
            m_state = State::StatusLine;
            m_socket->write(std::exchange(m_pending, {}));
        });
    }
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QTcpSocket::readyRead, this, &AgentConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &AgentConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &AgentConnection::onError);
    m_pending = request;
    m_state = State::Connecting;
    const quint16 port = quint16(m_origin.port(tls ? 443 : 80));
    if (tls)
        static_cast<QSslSocket*>(m_socket)->connectToHostEncrypted(m_origin.host(), port);
    else
        m_socket->connectToHost(m_origin.host(), port);
}

void AgentConnection::abort(const QString& why)
{
    if (busy())
        fail(why);
    else if (m_socket)
        m_socket->abort();
    m_state = State::Closed;
}

void AgentConnection::onReadyRead()
{
    if (!busy()) {
        // Bytes nobody asked for (or the agent closing an idle connection): this connection is done.
        m_socket->readAll();
        m_state = State::Closed;
        m_socket->abort();
        return;
    }
    m_in += m_socket->readAll();
    m_answerStarted = true;
    while (busy() && parse()) {
    }
}

void AgentConnection::onDisconnected()
{
    if (m_state == State::UntilClose) {
        complete(); // the body ran until the agent closed the connection
        return;
    }
    if (busy())
        fail(m_answerStarted ? QStringLiteral("the agent closed the connection in the middle of its answer")
                             : QStringLiteral("the agent closed the connection without answering"));
    m_state = State::Closed;
}

void AgentConnection::onError()
{
    if (m_socket->error() == QAbstractSocket::RemoteHostClosedError) {
        onDisconnected();
        return;
    }
    if (busy())
        fail(m_socket->errorString());
    m_state = State::Closed;
}

bool AgentConnection::parse()
{
    const auto takeLine = [this](QByteArray& line) {
        const qsizetype end = m_in.indexOf("\r\n");
        if (end < 0) {
            if (m_in.size() > MaxLineBytes)
                fail(QStringLiteral("malformed answer: a line longer than %1 bytes").arg(MaxLineBytes));
            return false;
        }
        line = m_in.left(end);
        m_in.remove(0, end + 2);
        return true;
    };
    QByteArray line;
    switch (m_state) {
    case State::StatusLine:
        if (!takeLine(line))
            return false;
        return statusLine(line);
    case State::Headers:
        if (!takeLine(line))
            return false;
        m_headerBytes += line.size() + 2;
        if (m_headerBytes > MaxHeaderBytes) {
            fail(QStringLiteral("malformed answer: more than 64 KiB of headers"));
            return false;
        }
        if (line.isEmpty()) {
            headersDone();
            return true;
        }
        if (const qsizetype colon = line.indexOf(':'); colon > 0)
            m_answer.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        return true;
    case State::ChunkSize: {
        if (!takeLine(line))
            return false;
        bool ok = false;
        const qsizetype semicolon = line.indexOf(';');
        const qint64 size = (semicolon >= 0 ? line.left(semicolon) : line).trimmed().toLongLong(&ok, 16);
        if (!ok || size < 0) {
            fail(QStringLiteral("malformed answer: a bad chunk size"));
            return false;
        }
        m_remaining = size;
        m_state = size == 0 ? State::Trailers : State::ChunkData;
        return true;
    }
    case State::ChunkData:
    case State::Body:
    case State::UntilClose: {
        if (m_in.isEmpty())
            return false;
        const qsizetype take =
            m_state == State::UntilClose ? m_in.size() : qsizetype(std::min<qint64>(m_remaining, m_in.size()));
        keep(m_in.left(take));
        m_in.remove(0, take);
        if (!busy())
            return false; // cut
        if (m_state == State::UntilClose)
            return false;
        m_remaining -= take;
        if (m_remaining > 0)
            return false;
        if (m_state == State::Body) {
            complete();
            return false;
        }
        m_state = State::ChunkEnd;
        return true;
    }
    case State::ChunkEnd:
        if (!takeLine(line))
            return false;
        m_state = State::ChunkSize;
        return true;
    case State::Trailers:
        if (!takeLine(line))
            return false;
        if (line.isEmpty())
            complete();
        return true;
    case State::Idle:
    case State::Connecting:
    case State::Closed:
        return false;
    }
    return false;
}

bool AgentConnection::statusLine(const QByteArray& line)
{
    // "HTTP/1.1 200 OK"
    const QList<QByteArray> parts = line.split(' ');
    bool ok = false;
    const int code = parts.size() >= 2 ? parts.at(1).toInt(&ok) : 0;
    if (!line.startsWith("HTTP/1.") || !ok || code < 100 || code > 999) {
        fail(QStringLiteral("malformed answer: \"%1\" is not an HTTP/1.x status line")
                 .arg(QString::fromLatin1(line.left(80))));
        return false;
    }
    m_answer.statusCode = code;
    m_answer.headers.clear();
    m_keepAlive = line.startsWith("HTTP/1.1");
    m_state = State::Headers;
    return true;
}

void AgentConnection::headersDone()
{
    const int code = m_answer.statusCode;
    if (code >= 100 && code < 200) {
        m_state = State::StatusLine; // 100 Continue and the like: the real answer follows
        return;
    }
    qint64 length = -1;
    bool chunked = false;
    for (const auto& [name, value] : std::as_const(m_answer.headers)) {
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            bool ok = false;
            length = value.toLongLong(&ok);
            if (!ok || length < 0) {
                fail(
                    QStringLiteral("malformed answer: Content-Length \"%1\"").arg(QString::fromLatin1(value.left(40))));
                return;
            }
        } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            chunked = value.toLower().contains("chunked");
        } else if (name.compare("Connection", Qt::CaseInsensitive) == 0) {
            const QByteArray v = value.toLower();
            if (v.contains("close"))
                m_keepAlive = false;
            else if (v.contains("keep-alive"))
                m_keepAlive = true;
        }
    }
    if (code == 204 || code == 304) {
        complete();
    } else if (chunked) {
        m_state = State::ChunkSize;
    } else if (length >= 0) {
        m_remaining = length;
        m_state = State::Body;
        if (length == 0)
            complete();
    } else {
        m_keepAlive = false;
        m_state = State::UntilClose;
    }
}

void AgentConnection::keep(const QByteArray& bytes)
{
    const qsizetype room = BodyKeptBytes - m_answer.body.size();
    m_answer.body += bytes.left(room);
    if (bytes.size() > room ||
        (m_answer.body.size() >= BodyKeptBytes && (m_remaining > bytes.size() || m_state != State::Body))) {
        // What is kept is full and more is coming: the status and headers count, the rest is not read.
        m_answer.bodyCut = true;
        m_keepAlive = false;
        complete();
    }
}

void AgentConnection::complete()
{
    const bool keep = m_keepAlive && m_in.isEmpty() && m_state != State::UntilClose;
    m_state = keep ? State::Idle : State::Closed;
    if (!keep && m_socket)
        m_socket->abort();
    const ForwardAnswer answer = std::exchange(m_answer, {});
    emit finished(this, answer);
}

void AgentConnection::fail(const QString& why)
{
    m_state = State::Closed;
    ForwardAnswer answer;
    answer.error = why;
    m_answer = {};
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    emit finished(this, answer);
}

} // namespace Alfe
