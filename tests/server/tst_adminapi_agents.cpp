// The admin API's agents and webhooks: every route, secrets only in the create and rotate answers, and the test
// event received through the real ingress.
#include "AdminApiFixture.h"
#include "crypto/Secrets.h"
#include "crypto/Signature.h"
#include "store/WebhookStore.h"

using namespace Alfe;
using namespace Alfe::Test;

namespace {
QStringList sortedKeys(const QJsonObject& object)
{
    QStringList keys = object.keys();
    keys.sort();
    return keys;
}
} // namespace

class TestAdminApiAgents : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_a = std::make_unique<AdminApiFixture>(); }
    void cleanup() { m_a.reset(); }

    void agentsAreCreatedListedShownAndRemoved()
    {
        auto created = m_a->post(QStringLiteral("/v1/admin/agents"),
                                 "{\"name\":\" triage bot \",\"forwardUrl\":\"http://127.0.0.1:9/in\"}");
        QCOMPARE(created.status, 201);
        const QJsonObject agent = created.json();
        const QString id = agent.value(QLatin1String("id")).toString();
        const QByteArray token = agent.value(QLatin1String("token")).toString().toLatin1();
        QVERIFY(Secrets::isAgentToken(token));
        QCOMPARE(created.header("Location"), "/v1/admin/agents/" + id.toLatin1());
        QCOMPARE(sortedKeys(agent),
                 (QStringList{QStringLiteral("backlog"), QStringLiteral("createdAt"), QStringLiteral("forwardUrl"),
                              QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("status"),
                              QStringLiteral("stream"), QStringLiteral("token")}));
        QCOMPARE(agent.value(QLatin1String("name")).toString(), QStringLiteral("triage bot"));
        QCOMPARE(agent.value(QLatin1String("status")).toString(), QStringLiteral("online"));
        // The token works for the agent, once shown.
        QCOMPARE(m_a->f.http().get(QStringLiteral("/v1/agents/me"), bearer(token)).status, 200);

        auto list = m_a->get(QStringLiteral("/v1/admin/agents"));
        QCOMPARE(list.status, 200);
        const QJsonArray agents = list.json().value(QLatin1String("agents")).toArray();
        QCOMPARE(agents.size(), 2); // the fixture's and this one
        QVERIFY(!list.body.contains(token));
        QVERIFY(!list.body.contains("\"token\""));
        auto shown = m_a->get(QStringLiteral("/v1/admin/agents/") + id);
        QCOMPARE(shown.status, 200);
        QCOMPARE(shown.json().value(QLatin1String("forwardUrl")).toString(), QStringLiteral("http://127.0.0.1:9/in"));
        QCOMPARE(shown.json().value(QLatin1String("backlog")).toInt(), 0);
        QVERIFY(shown.json().value(QLatin1String("stream")).isNull());
        QVERIFY(!shown.body.contains(token));

        // Removing it takes its webhooks and tokens.
        auto hook =
            m_a->post(QStringLiteral("/v1/admin/webhooks"), AdminApiFixture::json({{QStringLiteral("agentId"), id}}));
        QCOMPARE(hook.status, 201);
        QCOMPARE(m_a->send("DELETE", QStringLiteral("/v1/admin/agents/") + id).status, 204);
        QCOMPARE(m_a->get(QStringLiteral("/v1/admin/agents/") + id).status, 404);
        QCOMPARE(m_a->f.http().get(QStringLiteral("/v1/agents/me"), bearer(token)).status, 401);
        ADMIN_VERIFY_ERROR(m_a->send("DELETE", QStringLiteral("/v1/admin/agents/") + id), 404, "not_found",
                           QStringLiteral("No agent with id %1.").arg(id));
    }

    void agentsArePatchedPausedAndResumed()
    {
        const QString id = m_a->f.agentId();
        const QString path = QStringLiteral("/v1/admin/agents/") + id;
        auto renamed = m_a->send("PATCH", path, "{\"name\":\"renamed\",\"forwardUrl\":\"http://127.0.0.1:9/hook\"}");
        QCOMPARE(renamed.status, 200);
        QCOMPARE(renamed.json().value(QLatin1String("name")).toString(), QStringLiteral("renamed"));
        QCOMPARE(renamed.json().value(QLatin1String("status")).toString(), QStringLiteral("online"));
        QCOMPARE(m_a->f.engine().agents().get(id)->name, QStringLiteral("renamed"));

        auto paused = m_a->send("PATCH", path, "{\"paused\":true}");
        QCOMPARE(paused.json().value(QLatin1String("status")).toString(), QStringLiteral("paused"));
        QCOMPARE(m_a->f.engine().agents().get(id)->status, AgentStatus::Paused);
        auto resumed = m_a->send("PATCH", path, "{\"paused\":false}");
        QCOMPARE(resumed.json().value(QLatin1String("status")).toString(), QStringLiteral("online"));
        // Without a forward URL there is nothing to forward to: offline, not paused.
        QCOMPARE(
            m_a->send("PATCH", path, "{\"forwardUrl\":null,\"paused\":true}").json().value(QLatin1String("status")),
            QJsonValue(QStringLiteral("paused")));
        auto offline = m_a->send("PATCH", path, "{\"paused\":false}");
        QCOMPARE(offline.json().value(QLatin1String("status")).toString(), QStringLiteral("offline"));
        QCOMPARE(offline.json().value(QLatin1String("forwardUrl")).toString(), QString());

        // Bad input: the exact problem, and nothing changes (checked before anything is written).
        ADMIN_VERIFY_ERROR(m_a->send("PATCH", path, "{}"), 400, "invalid_argument",
                           QStringLiteral("Send \"name\", \"forwardUrl\", \"paused\" or several."));
        ADMIN_VERIFY_ERROR(m_a->send("PATCH", path, "{\"name\":\"ok\",\"paused\":\"yes\"}"), 400, "invalid_argument",
                           QStringLiteral("paused must be true or false."));
        ADMIN_VERIFY_ERROR(
            m_a->send("PATCH", path, "{\"name\":\"x\",\"forwardUrl\":\"ftp://h/\"}"), 400, "invalid_argument",
            QStringLiteral("The forward URL must be an absolute http:// or https:// URL, got \"ftp://h/\"."));
        ADMIN_VERIFY_ERROR(m_a->send("PATCH", path, "{\"name\":\"\"}"), 400, "invalid_argument",
                           QStringLiteral("An agent needs a name."));
        ADMIN_VERIFY_ERROR(m_a->send("PATCH", path, "{\"name\":7}"), 400, "invalid_argument",
                           QStringLiteral("name must be a string."));
        QCOMPARE(m_a->f.engine().agents().get(id)->name, QStringLiteral("renamed"));
        ADMIN_VERIFY_ERROR(m_a->post(QStringLiteral("/v1/admin/agents"), "{\"forwardUrl\":\"http://h/\"}"), 400,
                           "invalid_argument", QStringLiteral("name is required: a string."));
        ADMIN_VERIFY_ERROR(m_a->post(QStringLiteral("/v1/admin/agents"), "{\"name\":\"a\",\"forwardUrl\":5}"), 400,
                           "invalid_argument", QStringLiteral("forwardUrl must be a string."));
        QCOMPARE(m_a->f.count(QStringLiteral("1"), QStringLiteral("agents")), 1);
    }

    // Webhooks of any agent: created with the secret once, listed (all, or one agent's), patched, rotated, the
    // provider's secret imported and cleared, deleted. The secret is in the create and rotate answers only.
    void webhooksOfAnyAgent()
    {
        auto other = m_a->f.engine().agents().create(QStringLiteral("other"));
        auto created = m_a->post(QStringLiteral("/v1/admin/webhooks"),
                                 AdminApiFixture::json({{QStringLiteral("agentId"), other->agent.id},
                                                        {QStringLiteral("provider"), QStringLiteral("github")},
                                                        {QStringLiteral("description"), QStringLiteral("repo")}}));
        QCOMPARE(created.status, 201);
        const QString id = created.json().value(QLatin1String("id")).toString();
        const QByteArray secret = created.json().value(QLatin1String("secret")).toString().toLatin1();
        QVERIFY(Secrets::isWebhookSecret(secret));
        QCOMPARE(created.header("Location"), "/v1/admin/webhooks/" + id.toLatin1());
        QCOMPARE(created.json().value(QLatin1String("url")).toString(),
                 m_a->f.engine().ingressUrl() + QStringLiteral("/v1/hooks/") + id);
        QCOMPARE(m_a->f.engine().webhooks().get(id)->agentId, other->agent.id);
        QCOMPARE(m_a->f.http().postSigned(IngressFixture::hookPath(id), "{\"zen\":1}", secret).status, 202);
        const QString mine = m_a->f.createWebhook(Provider::Generic, nullptr);

        auto all = m_a->get(QStringLiteral("/v1/admin/webhooks"));
        QCOMPARE(all.json().value(QLatin1String("webhooks")).toArray().size(), 2);
        auto theirs = m_a->get(QStringLiteral("/v1/admin/webhooks?agentId=") + other->agent.id);
        const QJsonArray theirList = theirs.json().value(QLatin1String("webhooks")).toArray();
        QCOMPARE(theirList.size(), 1);
        QCOMPARE(theirList.first().toObject().value(QLatin1String("agentId")).toString(), other->agent.id);
        QCOMPARE(m_a->get(QStringLiteral("/v1/admin/webhooks?agentId=agt_nobody"))
                     .json()
                     .value(QLatin1String("webhooks"))
                     .toArray()
                     .size(),
                 0);
        auto patched = m_a->send("PATCH", QStringLiteral("/v1/admin/webhooks/") + id,
                                 "{\"description\":\"renamed\",\"enabled\":false}");
        QCOMPARE(patched.status, 200);
        QCOMPARE(patched.json().value(QLatin1String("enabled")).toBool(), false);
        // Disabled at once for the ingress (its cache follows the API's changes).
        QCOMPARE(m_a->f.http().postSigned(IngressFixture::hookPath(id), "{\"zen\":2}", secret).status, 410);
        QCOMPARE(m_a->send("PATCH", QStringLiteral("/v1/admin/webhooks/") + id, "{\"enabled\":true}").status, 200);

        auto rotated =
            m_a->post(QStringLiteral("/v1/admin/webhooks/") + id + QStringLiteral("/rotate"), "{\"graceSeconds\":0}");
        QCOMPARE(rotated.status, 200);
        const QByteArray newSecret = rotated.json().value(QLatin1String("secret")).toString().toLatin1();
        QVERIFY(Secrets::isWebhookSecret(newSecret) && newSecret != secret);
        QVERIFY(rotated.json().contains(QLatin1String("previousSecretExpiresAt")));
        QCOMPARE(m_a->f.http().postSigned(IngressFixture::hookPath(id), "{\"zen\":3}", newSecret).status, 202);
        QCOMPARE(m_a->f.http().postSigned(IngressFixture::hookPath(id), "{\"zen\":4}", secret).status, 401);

        // Nothing else ever shows a secret.
        for (const QString& path : {QStringLiteral("/v1/admin/webhooks"), QStringLiteral("/v1/admin/webhooks/") + id,
                                    QStringLiteral("/v1/admin/deliveries"), QStringLiteral("/v1/admin/stats")}) {
            auto r = m_a->get(path);
            QCOMPARE(r.status, 200);
            QVERIFY2(!r.body.contains(secret) && !r.body.contains(newSecret) && !r.body.contains("\"secret\""),
                     qPrintable(path));
        }

        const QString providerPath = QStringLiteral("/v1/admin/webhooks/") + id + QStringLiteral("/provider-secret");
        auto imported =
            m_a->send("PUT", providerPath, "{\"secret\":\"ghsecret-for-admin-test\",\"toleranceSeconds\":90}");
        QCOMPARE(imported.status, 200);
        QVERIFY(!imported.body.contains("ghsecret-for-admin-test"));
        QCOMPARE(imported.json().value(QLatin1String("providerSecretImported")).toBool(), true);
        QCOMPARE(imported.json().value(QLatin1String("toleranceSeconds")).toInt(), 90);
        ADMIN_VERIFY_ERROR(m_a->send("PUT", providerPath, "{}"), 400, "invalid_argument",
                           QStringLiteral("Send \"secret\" (the provider's signing secret), \"toleranceSeconds\" or "
                                          "both."));
        auto cleared = m_a->send("DELETE", providerPath);
        QCOMPARE(cleared.status, 200);
        QCOMPARE(cleared.json().value(QLatin1String("providerSecretImported")).toBool(), false);

        QCOMPARE(m_a->send("DELETE", QStringLiteral("/v1/admin/webhooks/") + mine).status, 204);
        QCOMPARE(m_a->f.http().postSigned(IngressFixture::hookPath(mine), "{\"zen\":5}", "whsec_x").status, 404);
    }

    void badWebhookInput()
    {
        ADMIN_VERIFY_ERROR(m_a->post(QStringLiteral("/v1/admin/webhooks"), "{\"provider\":\"github\"}"), 400,
                           "invalid_argument",
                           QStringLiteral("agentId is required: the id of the agent the webhook is for."));
        ADMIN_VERIFY_ERROR(m_a->post(QStringLiteral("/v1/admin/webhooks"), "{\"agentId\":\"agt_nobody\"}"), 404,
                           "not_found", QStringLiteral("No agent with id agt_nobody."));
        const QByteArray agent = m_a->f.agentId().toLatin1();
        ADMIN_VERIFY_ERROR(
            m_a->post(QStringLiteral("/v1/admin/webhooks"), "{\"agentId\":\"" + agent + "\",\"provider\":\"gitlab\"}"),
            400, "invalid_argument", QStringLiteral("provider must be one of generic, github, stripe, slack."));
        ADMIN_VERIFY_ERROR(
            m_a->post(QStringLiteral("/v1/admin/webhooks"), "{\"agentId\":\"" + agent + "\",\"description\":[]}"), 400,
            "invalid_argument", QStringLiteral("description must be a string."));
        QCOMPARE(m_a->f.count(QStringLiteral("1"), QStringLiteral("webhooks")), 0);
        const QString id = m_a->f.createWebhook(Provider::Generic, nullptr);
        ADMIN_VERIFY_ERROR(
            m_a->post(QStringLiteral("/v1/admin/webhooks/") + id + QStringLiteral("/rotate"), "{\"graceSeconds\":-1}"),
            400, "invalid_argument", QStringLiteral("graceSeconds must be a whole number from 0 to 604800."));
        ADMIN_VERIFY_ERROR(m_a->send("PATCH", QStringLiteral("/v1/admin/webhooks/") + id, "{\"enabled\":\"no\"}"), 400,
                           "invalid_argument", QStringLiteral("enabled must be true or false."));
        ADMIN_VERIFY_ERROR(
            m_a->post(QStringLiteral("/v1/admin/webhooks/") + id + QStringLiteral("/test"), "{\"sample\":\"gitlab\"}"),
            400, "invalid_argument",
            QStringLiteral("sample must be one of generic, github, stripe, slack (the provider whose "
                           "sample event is sent)."));
        ADMIN_VERIFY_ERROR(
            m_a->post(QStringLiteral("/v1/admin/webhooks/") + id + QStringLiteral("/test"), "{\"body\":\"text\"}"), 400,
            "invalid_argument", QStringLiteral("body must be a JSON object or array (the event to send)."));
        QCOMPARE(m_a->f.count(QStringLiteral("1")), 0);
    }

    // The test route signs a sample with the stored secret and hands it to the ingress: the delivery is in the
    // log, verified by the scheme the provider's sender uses; the ingress's checks apply (dedup, disabled…).
    void testEventGoesThroughTheIngress()
    {
        const QString github = m_a->f.createWebhook(Provider::GitHub, nullptr);
        auto sent = m_a->post(QStringLiteral("/v1/admin/webhooks/") + github + QStringLiteral("/test"), "{}");
        QCOMPARE(sent.status, 202);
        const QString deliveryId = sent.json().value(QLatin1String("deliveryId")).toString();
        QVERIFY(deliveryId.startsWith(QLatin1String("dlv_")));
        auto detail = m_a->get(QStringLiteral("/v1/admin/deliveries/") + deliveryId);
        QCOMPARE(detail.status, 200);
        QCOMPARE(detail.json().value(QLatin1String("webhookId")).toString(), github);
        QCOMPARE(detail.json().value(QLatin1String("agentId")).toString(), m_a->f.agentId());
        QCOMPARE(detail.json().value(QLatin1String("verifiedBy")).toString(), QStringLiteral("github"));
        QCOMPARE(detail.json().value(QLatin1String("eventType")).toString(), QStringLiteral("push"));
        bool signedHeader = false;
        for (const QJsonValue& header : detail.json().value(QLatin1String("headers")).toArray())
            signedHeader |=
                header.toObject().value(QLatin1String("name")).toString() == QLatin1String("X-Hub-Signature-256");
        QVERIFY(signedHeader);

        // A body of one's own, on a generic webhook: Alfe's own signature; sent twice, the second is a duplicate.
        const QString generic = m_a->f.createWebhook(Provider::Generic, nullptr);
        const QString path = QStringLiteral("/v1/admin/webhooks/") + generic + QStringLiteral("/test");
        auto own = m_a->post(path, "{\"body\":{\"type\":\"mine\",\"n\":1}}");
        QCOMPARE(own.status, 202);
        const QString ownId = own.json().value(QLatin1String("deliveryId")).toString();
        auto stored = m_a->f.engine().deliveries().get(ownId);
        QCOMPARE(stored->body, QByteArray("{\"n\":1,\"type\":\"mine\"}"));
        QCOMPARE(stored->verifiedBy, QStringLiteral("alfe"));
        auto again = m_a->post(path, "{\"body\":{\"type\":\"mine\",\"n\":1}}");
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json().value(QLatin1String("duplicate")).toBool(), true);
        QCOMPARE(again.json().value(QLatin1String("deliveryId")).toString(), ownId);
        // A stripe sample on a generic webhook: still signed with this webhook's secret.
        QCOMPARE(m_a->post(path, "{\"sample\":\"stripe\"}").status, 202);

        // The ingress's own refusal, as the ingress gives it.
        QCOMPARE(m_a->send("PATCH", QStringLiteral("/v1/admin/webhooks/") + generic, "{\"enabled\":false}").status,
                 200);
        ADMIN_VERIFY_ERROR(m_a->post(path, "{}"), 410, "gone", QStringLiteral("This webhook is disabled."));
    }

    // A change sent again with the same Idempotency-Key (a client resending a request whose answer was lost) is
    // not carried out twice: 409 duplicate_request, and the first one stands.
    void aResentChangeIsNotCarriedOutTwice()
    {
        Headers headers = bearer(m_a->m_token);
        headers << qMakePair(QByteArray("Idempotency-Key"), QByteArray("create-hook-1"));
        const QByteArray body = AdminApiFixture::json({{QStringLiteral("agentId"), m_a->f.agentId()}});
        QCOMPARE(m_a->f.http().post(QStringLiteral("/v1/admin/webhooks"), body, headers).status, 201);
        ADMIN_VERIFY_ERROR(m_a->f.http().post(QStringLiteral("/v1/admin/webhooks"), body, headers), 409,
                           "duplicate_request",
                           QStringLiteral("A request with this Idempotency-Key was already carried out; its answer did "
                                          "not reach you. Read the current state instead of sending it again."));
        QCOMPARE(m_a->f.count(QStringLiteral("1"), QStringLiteral("webhooks")), 1);
        // Reads are not changes: the same key reads as often as asked.
        QCOMPARE(m_a->f.http().get(QStringLiteral("/v1/admin/webhooks"), headers).status, 200);
        QCOMPARE(m_a->f.http().get(QStringLiteral("/v1/admin/webhooks"), headers).status, 200);
        // Another key is another request.
        headers.last().second = "create-hook-2";
        QCOMPARE(m_a->f.http().post(QStringLiteral("/v1/admin/webhooks"), body, headers).status, 201);
        QCOMPARE(m_a->f.count(QStringLiteral("1"), QStringLiteral("webhooks")), 2);
    }

private:
    std::unique_ptr<AdminApiFixture> m_a;
};

QTEST_GUILESS_MAIN(TestAdminApiAgents)
#include "tst_adminapi_agents.moc"
