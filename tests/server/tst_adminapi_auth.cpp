// The admin API's door: which tokens open which routes, and the exact 401/403/404/405 answers.
#include "AdminApiFixture.h"
#include "ingress/Routes.h"

#include <QRegularExpression>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
QString concrete(const QByteArray& pattern)
{
    QString path = QString::fromLatin1(pattern);
    path.replace(QRegularExpression(QStringLiteral("\\{[^}]+\\}")), QStringLiteral("x_01J9Z8Q0000000000000000000"));
    return path;
}

// The admin API's routes. The events socket (GET /v1/admin/events, a WebSocket upgrade) is checked by the
// connection guard before any API sees it, and tested with the events themselves.
QList<Routes::Route> adminRoutes()
{
    QList<Routes::Route> routes;
    for (const Routes::Route& route : Routes::all()) {
        if (route.pattern.startsWith("/v1/admin/") && route.pattern != "/v1/admin/events")
            routes << route;
    }
    return routes;
}

const QString Unauthorized = QStringLiteral("Send \"Authorization: Bearer <admin token>\" with a valid admin token.");
} // namespace

class TestAdminApiAuth : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_a = std::make_unique<AdminApiFixture>(); }
    void cleanup() { m_a.reset(); }

    void everyRouteFamilyIsServed()
    {
        QStringList families;
        for (const Routes::Route& route : adminRoutes())
            families << QString::fromLatin1(route.pattern.split('/').value(3));
        families.removeDuplicates();
        families.sort();
        QCOMPARE(families,
                 (QStringList{QStringLiteral("agents"), QStringLiteral("deliveries"), QStringLiteral("jobs"),
                              QStringLiteral("refused"), QStringLiteral("stats"), QStringLiteral("webhooks")}));
        QCOMPARE(adminRoutes().size(), 22);
    }

    // No token, a malformed one, an unknown one, a revoked one: 401 with WWW-Authenticate on every route, and
    // nothing changes.
    void withoutAValidAdminTokenEveryRouteIs401()
    {
        auto revoked = m_a->tokens().create(QStringLiteral("old laptop"));
        QVERIFY(m_a->tokens().revoke(revoked->info.id));
        QByteArray unknown = m_a->m_token;
        unknown[12] = unknown[12] == 'A' ? 'B' : 'A';
        const QList<QByteArray> authorizations{
            QByteArray(),           QByteArray("Bearer"),       QByteArray("Basic dXNlcjpwYXNz"),
            "Bearer " + unknown,    "Bearer " + revoked->token, "Bearer " + m_a->m_token + "x",
            "Token " + m_a->m_token};
        for (const Routes::Route& route : adminRoutes()) {
            for (const QByteArray& authorization : authorizations) {
                Headers headers{{"Content-Type", "application/json"}};
                if (!authorization.isEmpty())
                    headers << qMakePair(QByteArray("Authorization"), authorization);
                auto r = m_a->f.http().send(route.method, concrete(route.pattern), "{}", headers);
                const QByteArray what = route.method + ' ' + route.pattern + " with \"" + authorization.left(20) + '"';
                QVERIFY2(r.status == 401, what.constData());
                QCOMPARE(r.header("WWW-Authenticate"), QByteArray("Bearer"));
                ADMIN_VERIFY_ERROR(r, 401, "unauthorized", Unauthorized);
            }
        }
        QCOMPARE(m_a->f.count(QStringLiteral("1"), QStringLiteral("agents")), 1); // the fixture's own
    }

    // An agent's token (valid on its own routes) never opens an admin route: 403.
    void anAgentTokenIs403()
    {
        auto agent = m_a->f.engine().agents().create(QStringLiteral("bot"));
        QCOMPARE(m_a->f.http().get(QStringLiteral("/v1/agents/me"), bearer(agent->token)).status, 200);
        for (const Routes::Route& route : adminRoutes()) {
            auto r = m_a->f.http().send(route.method, concrete(route.pattern), "{}", bearer(agent->token));
            QVERIFY2(r.status == 403, (route.method + ' ' + route.pattern).constData());
            QVERIFY(r.header("WWW-Authenticate").isEmpty());
            ADMIN_VERIFY_ERROR(r, 403, "forbidden",
                               QStringLiteral("An agent token does not open the admin API; send an admin token "
                                              "('alfe admin token create' makes one)."));
        }
        QCOMPARE(m_a->f.count(QStringLiteral("1"), QStringLiteral("agents")), 2);
    }

    // The admin token reaches every admin route's handler (whatever it then answers), and no agent route.
    void theAdminTokenOpensAdminRoutesOnly()
    {
        for (const Routes::Route& route : adminRoutes()) {
            auto r = m_a->send(route.method, concrete(route.pattern), "{}");
            const QByteArray what = route.method + ' ' + route.pattern + ": " + r.body.left(200);
            QVERIFY2(r.status != 401 && r.status != 403 && r.status != 405 && r.status < 500, what.constData());
        }
        for (const Routes::Route& route : Routes::all()) {
            if (route.pattern.startsWith("/v1/admin/") || route.pattern.startsWith("/v1/hooks/") ||
                route.pattern.endsWith("/stream"))
                continue;
            auto r = m_a->send(route.method, concrete(route.pattern), "{}");
            QVERIFY2(r.status == 401, (route.method + ' ' + route.pattern).constData());
            QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
        }
        // The agent stream too: an admin token is not an agent token.
        auto stream = m_a->f.http().get(QStringLiteral("/v1/agents/me/stream"),
                                        {{"Authorization", "Bearer " + m_a->m_token},
                                         {"Connection", "Upgrade"},
                                         {"Upgrade", "websocket"},
                                         {"Sec-WebSocket-Version", "13"},
                                         {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
        QCOMPARE(stream.status, 401);
    }

    // The token's last use is recorded; a revoked one stops working at once.
    void revokingTakesEffectAtOnce()
    {
        QCOMPARE(m_a->get(QStringLiteral("/v1/admin/stats")).status, 200);
        auto listed = m_a->tokens().list();
        QVERIFY(listed->first().lastUsedAtMs.has_value());
        QVERIFY(m_a->tokens().revoke(listed->first().id));
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/stats")), 401, "unauthorized", Unauthorized);
    }

    void notFoundAndMethodNotAllowed()
    {
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/agents/agt_01J9Z8Q0000000000000000000")), 404,
                           "not_found", QStringLiteral("No agent with id agt_01J9Z8Q0000000000000000000."));
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/webhooks/whk_01J9Z8Q0000000000000000000")), 404,
                           "not_found", QStringLiteral("No webhook with id whk_01J9Z8Q0000000000000000000."));
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/deliveries/dlv_01J9Z8Q0000000000000000000")), 404,
                           "not_found", QStringLiteral("No delivery with id dlv_01J9Z8Q0000000000000000000."));
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/jobs/job_01J9Z8Q0000000000000000000")), 404, "not_found",
                           QStringLiteral("No job with id job_01J9Z8Q0000000000000000000 (ended jobs are kept for an "
                                          "hour)."));
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/nothing")), 404, "not_found",
                           QStringLiteral("No such route."));
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/agents/a/b")), 404, "not_found",
                           QStringLiteral("No such route."));

        auto put = m_a->send("PUT", QStringLiteral("/v1/admin/agents"), "{}");
        ADMIN_VERIFY_ERROR(put, 405, "method_not_allowed",
                           QStringLiteral("PUT is not allowed on /v1/admin/agents; use GET, POST."));
        QCOMPARE(put.header("Allow"), QByteArray("GET, POST"));
        auto postDelivery = m_a->post(QStringLiteral("/v1/admin/deliveries/dlv_01J9Z8Q0000000000000000000"));
        ADMIN_VERIFY_ERROR(
            postDelivery, 405, "method_not_allowed",
            QStringLiteral("POST is not allowed on /v1/admin/deliveries/dlv_01J9Z8Q0000000000000000000; use GET."));
        auto getJobs = m_a->send("PATCH", QStringLiteral("/v1/admin/jobs/job_1"), "{}");
        QCOMPARE(getJobs.header("Allow"), QByteArray("GET, DELETE"));
        QCOMPARE(m_a->send("POST", QStringLiteral("/v1/admin/stats")).header("Allow"), QByteArray("GET"));
        // /v1/admin/deliveries/retry is a POST route; GET reads it as a delivery id.
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/deliveries/retry")), 404, "not_found",
                           QStringLiteral("No delivery with id retry."));
        ADMIN_VERIFY_ERROR(m_a->post(QStringLiteral("/v1/admin/agents"), "[1"), 400, "invalid_json",
                           QStringLiteral("The body is not valid JSON: invalid termination by number at byte 2."));
    }

private:
    std::unique_ptr<AdminApiFixture> m_a;
};

QTEST_GUILESS_MAIN(TestAdminApiAuth)
#include "tst_adminapi_auth.moc"
