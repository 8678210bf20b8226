// Fuzzes the management API's and the admin API's request bodies, paths and queries (core/api/ManagementApi.h,
// core/api/AdminApi.h, the JSON of core/api/ApiJson.h) through their handle(), over a real SQLite store in a
// temporary directory with one authenticated agent, one webhook of its own, one of another agent, a few deliveries
// and an admin token.
//
// Input: byte 0 picks the request; the rest is its JSON body (or its query string, or "METHOD PATH\n" then
// the body, or the Authorization value). Cases 8 to 11 are admin routes.

#include "FuzzSupport.h"

#include "api/AdminApi.h"
#include "api/ManagementApi.h"
#include "crypto/SecretBox.h"
#include "domain/Clock.h"
#include "store/AdminTokenStore.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <memory>

using namespace Alfe;

namespace {

class FixedClock final : public Clock
{
public:
    qint64 nowMs() const override { return 1'750'000'000'000; }
};

struct World
{
    QTemporaryDir dir;
    FixedClock clock;
    SecretBox box{QByteArray(SecretBox::KeySize, 'k')};
    Database db;
    std::unique_ptr<AgentStore> agents;
    std::unique_ptr<WebhookStore> webhooks;
    std::unique_ptr<DeliveryStore> deliveries;
    std::unique_ptr<ManagementApi> api;
    std::unique_ptr<AdminTokenStore> tokens;
    std::unique_ptr<AdminApi> admin;
    QByteArray token;
    QByteArray adminToken;
    QString ownWebhook, otherWebhook, ownDelivery, agentId;
};

World* world = nullptr;

#define SETUP_CHECK(x) FUZZ_CHECK(x)

void setUp()
{
    AlfeFuzz::ensureCoreApplication();
    world = new World;
    World& w = *world;
    SETUP_CHECK(w.dir.isValid());
    SETUP_CHECK(w.db.open(w.dir.filePath(QStringLiteral("alfe.sqlite"))));
    // Durability is not under test here; fsync on every request would only slow the fuzzer down.
    SETUP_CHECK(w.db.exec(QStringLiteral("PRAGMA synchronous=OFF")));
    w.agents = std::make_unique<AgentStore>(w.db, w.clock);
    w.webhooks = std::make_unique<WebhookStore>(w.db, w.box, w.clock);
    w.deliveries = std::make_unique<DeliveryStore>(w.db, w.clock);
    auto me = w.agents->create(QStringLiteral("fuzz bot"));
    SETUP_CHECK(me);
    w.token = me->token;
    w.agentId = me->agent.id;
    auto other = w.agents->create(QStringLiteral("someone else"));
    SETUP_CHECK(other);
    auto own = w.webhooks->create(me->agent.id, Provider::GitHub, QStringLiteral("repo events"));
    SETUP_CHECK(own);
    w.ownWebhook = own->webhook.id;
    auto theirs = w.webhooks->create(other->agent.id, Provider::Stripe, {});
    SETUP_CHECK(theirs);
    w.otherWebhook = theirs->webhook.id;
    SETUP_CHECK(w.db.transaction([&]() -> Result<void> {
        for (int i = 0; i < 3; ++i) {
            IncomingDelivery incoming;
            incoming.webhookId = w.ownWebhook;
            incoming.provider = Provider::GitHub;
            incoming.eventType = QStringLiteral("push");
            incoming.dedupKey = QStringLiteral("key-%1").arg(i);
            incoming.contentType = QStringLiteral("application/json");
            incoming.headers = {{"Content-Type", "application/json"}};
            incoming.body = "{\"zen\":" + QByteArray::number(i) + "}";
            auto stored = w.deliveries->insert(incoming);
            if (!stored)
                return stored.error();
            w.ownDelivery = stored->deliveryId;
        }
        return {};
    }));
    w.api = std::make_unique<ManagementApi>(
        *w.agents, *w.webhooks, *w.deliveries,
        [](const QString& id) { return QStringLiteral("http://127.0.0.1:8787/v1/hooks/") + id; }, [](const QString&) {},
        [] {});
    w.tokens = std::make_unique<AdminTokenStore>(w.db, w.clock);
    auto adminToken = w.tokens->create(QStringLiteral("fuzz"));
    SETUP_CHECK(adminToken);
    w.adminToken = adminToken->token;
    AdminApi::Hooks hooks;
    hooks.urlOf = [](const QString& id) {
        return QStringLiteral("http://127.0.0.1:8787/v1/hooks/") + id;
    };
    hooks.changed = [](const QString&) {
    };
    hooks.requeued = [] {
    };
    // No ingress here: a test event is answered as the ingress would accept it.
    hooks.ingest = [](const QString&, const HeaderList&, const QByteArray&, const QString&, const ApiReply& reply) {
        reply(202, "{\"deliveryId\":\"dlv_fuzz\"}", {});
    };
    w.admin =
        std::make_unique<AdminApi>(w.db, w.clock, *w.tokens, *w.agents, *w.webhooks, *w.deliveries, std::move(hooks));
}

// "METHOD PATH[?QUERY]\n" then the body.
void parseRequestLine(const QByteArray& rest, ApiRequest& request)
{
    const qsizetype newline = rest.indexOf('\n');
    const QByteArray line = newline < 0 ? rest : rest.left(newline);
    request.body = newline < 0 ? QByteArray() : rest.mid(newline + 1);
    const qsizetype space = line.indexOf(' ');
    request.method = space < 0 ? QByteArray("GET") : line.left(space);
    QByteArray path = space < 0 ? line : line.mid(space + 1);
    if (const qsizetype q = path.indexOf('?'); q >= 0) {
        request.query = QUrlQuery(QString::fromUtf8(path.mid(q + 1)));
        path.truncate(q);
    }
    request.path = path;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    setUp();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1)
        return 0;
    World& w = *world;
    const QByteArray rest = AlfeFuzz::bytes(data + 1, size - 1).toByteArray();
    ApiRequest request;
    request.headers = {{"Authorization", "Bearer " + w.token}, {"Content-Type", "application/json"}};
    const QByteArray own = w.ownWebhook.toLatin1();
    const QList<QPair<QByteArray, QByteArray>> admin{{"Authorization", "Bearer " + w.adminToken},
                                                     {"Content-Type", "application/json"}};
    switch (data[0] % 12) {
    case 0:
        request.method = "POST", request.path = "/v1/webhooks", request.body = rest;
        break;
    case 1:
        request.method = "PATCH", request.path = "/v1/webhooks/" + own, request.body = rest;
        break;
    case 2:
        request.method = "POST", request.path = "/v1/webhooks/" + own + "/rotate", request.body = rest;
        break;
    case 3:
        request.method = "GET", request.path = "/v1/deliveries", request.query = QUrlQuery(QString::fromUtf8(rest));
        break;
    case 4:
        request.method = "PATCH", request.path = "/v1/webhooks/" + w.otherWebhook.toLatin1(), request.body = rest;
        break;
    case 5:
        parseRequestLine(rest, request);
        break;
    case 6:
        request.method = "GET", request.path = "/v1/agents/me";
        request.headers = {{"Authorization", rest}};
        break;
    case 7: { // "[r]o" for its own delivery (r: retry it), "[r]ID" for another id
        const bool retry = rest.startsWith('r');
        const QByteArray id = rest.mid(retry ? 1 : 0);
        request.method = retry ? "POST" : "GET";
        request.path = "/v1/deliveries/" + (id == "o" ? w.ownDelivery.toLatin1() : id) + (retry ? "/retry" : "");
        break;
    }
    case 8:
        request.method = "GET", request.path = "/v1/admin/deliveries",
        request.query = QUrlQuery(QString::fromUtf8(rest));
        request.headers = admin;
        break;
    case 9:
        request.method = "POST", request.path = "/v1/admin/deliveries/retry", request.body = rest;
        request.headers = admin;
        break;
    case 10:
        request.method = "PATCH", request.path = "/v1/admin/agents/" + w.agentId.toLatin1(), request.body = rest;
        request.headers = admin;
        break;
    case 11: // "METHOD /v1/admin/…[?QUERY]\n" then the body
        parseRequestLine(rest, request);
        request.path.prepend("/v1/admin/");
        request.headers = admin;
        break;
    }

    int replies = 0;
    int status = 0;
    QByteArray json;
    HeaderList extra;
    const ApiReply reply = [&](int s, const QByteArray& body, const HeaderList& headers) {
        ++replies;
        status = s;
        json = body;
        extra = headers;
    };
    if (request.path.startsWith("/v1/admin/"))
        w.admin->handle(request, reply);
    else
        w.api->handle(request, reply);
    FUZZ_CHECK(replies == 1);
    // Every answer is one the API documents (403: an agent's token on an admin route); a 5xx would mean a body
    // broke the store.
    FUZZ_CHECK(status == 200 || status == 201 || status == 202 || status == 204 || status == 400 || status == 401 ||
               status == 403 || status == 404 || status == 409);
    if (status != 204) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(json, &error);
        FUZZ_CHECK(error.error == QJsonParseError::NoError && document.isObject());
        if (status >= 400)
            FUZZ_CHECK(document.object().value(QLatin1String("error")).isObject());
    }
    // Keep the store small: a webhook made by this input goes again.
    if (status == 201) {
        for (const auto& [name, value] : extra) {
            if (name != "Location")
                continue;
            const QString id = QString::fromLatin1(value.mid(value.lastIndexOf('/') + 1));
            FUZZ_CHECK(value.contains("/agents/") ? w.agents->remove(id) : w.webhooks->remove(id));
        }
    }
    return 0;
}
