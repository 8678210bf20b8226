#include "ingress/IngressServer.h"

#include "api/AdminApi.h"
#include "api/ApiJson.h"
#include "api/ApiRequest.h"
#include "api/ManagementApi.h"
#include "crypto/Secrets.h"
#include "domain/Logging.h"
#include "ingress/ConnectionGuard.h"
#include "ingress/HookReceiver.h"
#include "ingress/HttpHead.h"
#include "ingress/ResponseQueue.h"
#include "ingress/Routes.h"
#include "store/AdminTokenStore.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/DeliveryWriter.h"
#include "store/WebhookStore.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QTcpSocket>
#include <QThread>
#include <QUrlQuery>

namespace Alfe {

namespace {
QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}
} // namespace

struct IngressServer::WriterApi
{
    WriterApi(Database& db, const SecretBox& box, const Clock& clock, ManagementApi::UrlOf urlOf,
              ManagementApi::Changed changed, std::function<void()> requeued)
        : agents(db, clock)
        , webhooks(db, box, clock)
        , deliveries(db, clock)
        , tokens(db, clock)
        , api(agents, webhooks, deliveries, urlOf, changed, requeued)
        , admin(db, clock, tokens, agents, webhooks, deliveries,
                {urlOf, changed, requeued,
                 [this](const QString& id, const HeaderList& headers, const QByteArray& body, const QString& remote,
                        const ApiReply& reply) {
                     ingest(id, headers, body, remote, reply);
                 }})
    {}
    AgentStore agents;
    WebhookStore webhooks;
    DeliveryStore deliveries;
    AdminTokenStore tokens;
    ManagementApi api;
    AdminApi admin;
    // How the admin API's test events reach the ingress thread's HookReceiver; set by dispatch() on this thread
    // before the first admin request is handled.
    AdminApi::Ingest ingest;
};

IngressServer::IngressServer(const QString& databasePath, const SecretBox& box, const Clock& clock,
                             IngressOptions options)
    : m_databasePath(databasePath)
    , m_box(box)
    , m_clock(clock)
    , m_options(std::move(options))
{}

IngressServer::~IngressServer()
{
    // The server and guard go first so no request arrives while the rest is torn down.
    delete m_server;
    m_server = nullptr;
    if (m_writer && m_api) {
        // After the API requests handed over before (their answers go nowhere now).
        m_writer->runWork([this](Database&) { m_api.reset(); });
    }
    m_hooks.reset();
    delete m_writer; // waits for the batch in flight
    m_writer = nullptr;
    m_responses.reset();
}

Result<quint16> IngressServer::start()
{
    m_db = std::make_unique<Database>();
    if (auto opened = m_db->open(m_databasePath); !opened)
        return opened.error();
    m_webhooks = std::make_unique<WebhookStore>(*m_db, m_box, m_clock);
    m_agents = std::make_unique<AgentStore>(*m_db, m_clock);
    m_responses = std::make_unique<ResponseQueue>();

    m_writer = new DeliveryWriter(m_databasePath, m_clock, this);
    if (auto started = m_writer->start(); !started)
        return started.error();
    connect(m_writer, &DeliveryWriter::committed, this, &IngressServer::deliveriesCommitted);
    m_writer->setRefusedLogBytes(m_options.refusedLogBytes);

    m_hooks = std::make_unique<HookReceiver>(*m_webhooks, *m_writer, m_clock, m_options);
    m_writer->runWork([this](Database& db) {
        // Called on the writer's thread; what they do happens on this one.
        m_api = std::make_shared<WriterApi>(
            db, m_box, m_clock, [this](const QString& id) { return webhookUrl(id); },
            [this](const QString& id) { QMetaObject::invokeMethod(this, [this, id] { m_hooks->invalidate(id); }); },
            [this] { QMetaObject::invokeMethod(this, [this] { emit deliveriesRequeued(); }); });
    });

    m_server = new QHttpServer(this);
    GuardLimits limits;
    limits.bodyLimitBytes = m_options.bodyLimitBytes;
    limits.idleTimeoutMs = m_options.idleTimeoutMs;
    limits.requestTimeoutMs = m_options.requestTimeoutMs;
    limits.bodyMemoryBytes = m_options.bodyMemoryBytes;
    limits.maxConnections = m_options.maxConnections;
    limits.handshakeTimeoutMs = m_options.tlsHandshakeTimeoutMs;
    m_guard = new ConnectionGuard(limits, m_server);
    if (m_options.tls.isEnabled())
        m_guard->setTls(m_options.tls.serverConfiguration());
    connect(m_guard, &ConnectionGuard::refused, this, &IngressServer::logRefused);
    m_guard->addUpgradeRoute({QByteArray("/v1/agents/me/stream"),
                              [this](const HttpHead& head, QTcpSocket* socket) { return checkStream(head, socket); },
                              [this](QTcpSocket* socket) {
                                  handOverStream(socket);
                              }});
    startEvents();
    if (!m_guard->listen(m_options.bindAddress, m_options.port)) {
        return Errors::storage(QStringLiteral("Cannot listen on %1:%2: %3")
                                   .arg(m_options.bindAddress.toString())
                                   .arg(m_options.port)
                                   .arg(m_guard->errorString()));
    }
    m_port = m_guard->serverPort();
    m_server->setMissingHandler([this](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
        dispatch(request, std::move(responder));
    });
    m_server->bind(m_guard);
    qCInfo(lcEngine) << "ingress listening on" << baseUrl();
    return m_port;
}

QString IngressServer::baseUrl() const
{
    if (!m_options.publicUrl.isEmpty())
        return m_options.publicUrl.endsWith(QLatin1Char('/')) ? m_options.publicUrl.chopped(1) : m_options.publicUrl;
    return localUrl();
}

QString IngressServer::localUrl() const
{
    QString host = m_options.bindAddress.toString();
    if (m_options.bindAddress == QHostAddress::Any || m_options.bindAddress == QHostAddress::AnyIPv4)
        host = QStringLiteral("127.0.0.1");
    else if (m_options.bindAddress.protocol() == QAbstractSocket::IPv6Protocol)
        host = QLatin1Char('[') + host + QLatin1Char(']');
    const QString scheme = m_options.tls.isEnabled() ? QStringLiteral("https") : QStringLiteral("http");
    return QStringLiteral("%1://%2:%3").arg(scheme, host).arg(m_port);
}

QString IngressServer::webhookUrl(const QString& webhookId) const
{
    return baseUrl() + QStringLiteral("/v1/hooks/") + webhookId;
}

void IngressServer::logRefused(const RefusedRequest& request)
{
    // The guard's refusals count against their source address too: a flood of them is answered, not logged.
    if (!m_hooks->takeRefusal(request.remoteAddress)) {
        qCDebug(lcIngress) << "not logging a refused request from" << request.remoteAddress << "(over its rate)";
        return;
    }
    m_writer->submitRefused(request);
}

UpgradeVerdict IngressServer::checkStream(const HttpHead& head, QTcpSocket* socket)
{
    // Who asks first (401 tells nothing about the server), then what they ask for, then whether it can be given.
    QByteArray token = Api::bearerToken(head.value("Authorization"));
    auto agent = m_agents->agentForToken(token);
    Secrets::cleanse(token);
    if (!agent) {
        return {401,
                "unauthorized",
                QStringLiteral("Send \"Authorization: Bearer <agent token>\" with a valid token."),
                {{"WWW-Authenticate", "Bearer"}}};
    }
    StreamRequest request;
    request.agentId = agent->id;
    const QUrlQuery query(QUrl::fromEncoded(head.target()).query());
    if (query.hasQueryItem(QStringLiteral("window"))) {
        bool ok = false;
        const QString text = query.queryItemValue(QStringLiteral("window"));
        request.window = text.toInt(&ok);
        if (!ok || request.window < 1 || request.window > 256) {
            return {400,
                    "bad_request",
                    QStringLiteral("window must be a whole number from 1 to 256, not \"%1\".").arg(text.left(20)),
                    {}};
        }
    }
    if (!m_streamHandoff.adopt) {
        return {503,
                "stream_unavailable",
                QStringLiteral("Deliveries are not running in this server; try again shortly."),
                {{"Retry-After", "5"}}};
    }
    const QHostAddress address = socket->peerAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    request.peer = QStringLiteral("%1:%2").arg(host).arg(socket->peerPort());
    m_checkedStream = request;
    return {};
}

void IngressServer::handOverStream(QTcpSocket* socket)
{
    // The stream's socket lives where its deliveries are sent.
    socket->moveToThread(m_streamHandoff.thread);
    m_streamHandoff.adopt(socket, std::exchange(m_checkedStream, {}));
}

void IngressServer::dispatch(const QHttpServerRequest& request, QHttpServerResponder&& responder)
{
    auto ticket = m_responses->reserve(m_guard->currentSocket(), std::move(responder));
    auto reply = [this, ticket](int status, const QByteArray& json, const HeaderList& extraHeaders) {
        const auto code = static_cast<QHttpServerResponder::StatusCode>(status);
        QHttpServerResponse response = json.isEmpty() ? QHttpServerResponse(code)
                                                      : QHttpServerResponse(QByteArray("application/json"), json, code);
        for (const auto& [name, value] : extraHeaders)
            response.addHeader(name, value);
        m_responses->answer(ticket, std::move(response));
    };

    const QByteArray path = request.url().path(QUrl::FullyEncoded).toUtf8();
    const QByteArray method = methodName(request.method());
    const QByteArray hookId = Routes::hookIdFromPath(path);
    if (!hookId.isEmpty() && method == "POST") {
        m_hooks->receive(QString::fromUtf8(QByteArray::fromPercentEncoding(hookId)),
                         HookRequest{path, request.headers(), request.body()}, request.remoteAddress().toString(),
                         reply);
        return;
    }
    const QList<QByteArray> allowed = Routes::allowedMethods(path);
    if (allowed.isEmpty()) {
        reply(404, ApiJson::error(QStringLiteral("not_found"), QStringLiteral("No such route.")), {});
        return;
    }
    if (!allowed.contains(method)) {
        reply(405,
              ApiJson::error(QStringLiteral("method_not_allowed"),
                             QStringLiteral("Use %1.").arg(QString::fromLatin1(allowed.join(", ")))),
              {{"Allow", allowed.join(", ")}});
        return;
    }
    ApiRequest copy{
        method, path, request.headers(), request.body(), request.query(), request.remoteAddress().toString()};
    // The API's answer comes back to this thread, in request order (m_responses).
    auto answer = [this, reply](int status, const QByteArray& json, const HeaderList& extraHeaders) {
        QMetaObject::invokeMethod(this, [reply, status, json, extraHeaders] { reply(status, json, extraHeaders); });
    };
    if (!path.startsWith("/v1/admin/")) {
        m_writer->submitWork(
            [api = m_api, copy = std::move(copy), answer](Database&) { api->api.handle(copy, answer); });
        return;
    }
    m_writer->submitWork([this, api = m_api, copy = std::move(copy), answer](Database&) {
        if (!api->ingest) {
            // A test event is received here, on the ingress thread, like a request from the network.
            api->ingest = [this](const QString& id, const HeaderList& headers, const QByteArray& body,
                                 const QString& remote, const ApiReply& reply) {
                QMetaObject::invokeMethod(this, [this, id, headers, body, remote, reply] {
                    m_hooks->receive(id, HookRequest{"/v1/hooks/" + id.toUtf8(), headers, body}, remote, reply);
                });
            };
        }
        api->admin.handle(copy, answer);
    });
}

} // namespace Alfe
