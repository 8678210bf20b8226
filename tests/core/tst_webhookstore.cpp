#include "ManualClock.h"
#include "TestEngine.h"
#include "crypto/Secrets.h"
#include "crypto/Signature.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <QTest>

using namespace Alfe;

namespace {
bool verifies(WebhookStore& store, const QString& id, const QByteArray& secret)
{
    const QByteArray body = "{\"zen\":\"Keep it logically awesome.\"}";
    auto secrets = store.validSecrets(id);
    return secrets && Signature::verify(Signature::sign(secret, body), body, secrets.value());
}
} // namespace

class TestWebhookStore : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_clock = std::make_unique<Test::ManualClock>();
        m_engine = std::make_unique<Test::TestEngine>(*m_clock);
        auto agent = (*m_engine)->agents().create(QStringLiteral("triage bot"));
        QVERIFY(agent);
        m_agentId = agent->agent.id;
    }

    void cleanup()
    {
        m_engine.reset();
        m_clock.reset();
    }

    void createReturnsSecretOnce()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto created = store.create(m_agentId, Provider::GitHub, QStringLiteral("  repo events  "));
        QVERIFY(created);
        QVERIFY(Secrets::isWebhookSecret(created->secret));
        QCOMPARE(created->webhook.description, QStringLiteral("repo events"));
        QCOMPARE(created->webhook.provider, Provider::GitHub);
        QVERIFY(created->webhook.enabled);

        auto fetched = store.get(created->webhook.id);
        QVERIFY(fetched);
        QCOMPARE(fetched->agentId, m_agentId);
        QCOMPARE(fetched->secretVersion, 1);
        QVERIFY(!fetched->previousSecretExpiresAtMs.has_value());
        QVERIFY(verifies(store, created->webhook.id, created->secret));
        QCOMPARE(store.list(m_agentId).size(), 1);
    }

    void createValidates()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto noAgent = store.create(QStringLiteral("agt_01J9Z8Q0000000000000000000"));
        QVERIFY(!noAgent);
        QCOMPARE(noAgent.error().code, QStringLiteral("not_found"));
        auto tooLong = store.create(m_agentId, Provider::Generic, QString(1001, QLatin1Char('x')));
        QVERIFY(!tooLong);
        QCOMPARE(tooLong.error().code, QStringLiteral("invalid_argument"));
        QVERIFY(store.list().isEmpty()); // nothing half-stored
    }

    void rotationGracePeriod()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto created = store.create(m_agentId);
        QVERIFY(created);
        const QString id = created->webhook.id;
        const QByteArray first = created->secret;

        auto rotated = store.rotate(id, 3600);
        QVERIFY(rotated);
        QVERIFY(rotated->secret != first);
        QCOMPARE(rotated->previousSecretExpiresAtMs, m_clock->nowMs() + 3600 * 1000);
        QCOMPARE(rotated->webhook.secretVersion, 2);
        QCOMPARE(rotated->webhook.previousSecretExpiresAtMs.value_or(0), rotated->previousSecretExpiresAtMs);

        QVERIFY(verifies(store, id, first));
        QVERIFY(verifies(store, id, rotated->secret));
        QCOMPARE(store.currentSecret(id).value(), rotated->secret);

        m_clock->advanceSeconds(3599);
        QVERIFY(verifies(store, id, first));
        m_clock->advanceSeconds(1);
        QVERIFY(!verifies(store, id, first));
        QVERIFY(verifies(store, id, rotated->secret));
        QVERIFY(!store.get(id)->previousSecretExpiresAtMs.has_value());
    }

    void rotationWithoutGraceEndsTheOldSecretNow()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto created = store.create(m_agentId);
        auto rotated = store.rotate(created->webhook.id, 0);
        QVERIFY(rotated);
        QVERIFY(!verifies(store, created->webhook.id, created->secret));
        QVERIFY(verifies(store, created->webhook.id, rotated->secret));
    }

    void atMostTwoValidVersions()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto created = store.create(m_agentId);
        const QString id = created->webhook.id;
        auto second = store.rotate(id, 7 * 24 * 3600);
        auto third = store.rotate(id, 7 * 24 * 3600);
        QVERIFY(second && third);
        QCOMPARE(store.validSecrets(id)->size(), 2);
        QVERIFY(!verifies(store, id, created->secret)); // cut short by the second rotation
        QVERIFY(verifies(store, id, second->secret));
        QVERIFY(verifies(store, id, third->secret));
        QCOMPARE(store.get(id)->secretVersion, 3);
    }

    void rotationValidatesGrace()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto created = store.create(m_agentId);
        QVERIFY(!store.rotate(created->webhook.id, -1));
        auto tooLong = store.rotate(created->webhook.id, 7 * 24 * 3600 + 1);
        QVERIFY(!tooLong);
        QCOMPARE(tooLong.error().code, QStringLiteral("invalid_argument"));
        QVERIFY(verifies(store, created->webhook.id, created->secret)); // untouched
        QCOMPARE(store.get(created->webhook.id)->secretVersion, 1);
        QCOMPARE(store.rotate(QStringLiteral("whk_01J9Z8Q0000000000000000000")).error().code,
                 QStringLiteral("not_found"));
    }

    void enableDisableDelete()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto created = store.create(m_agentId);
        const QString id = created->webhook.id;
        QVERIFY(store.setEnabled(id, false));
        QVERIFY(!store.get(id)->enabled);
        QVERIFY(store.setEnabled(id, true));
        QVERIFY(store.get(id)->enabled);
        QVERIFY(store.setDescription(id, QStringLiteral("billing")));
        QCOMPARE(store.get(id)->description, QStringLiteral("billing"));

        QVERIFY(store.remove(id));
        QCOMPARE(store.get(id).error().code, QStringLiteral("not_found"));
        QVERIFY(!store.validSecrets(id));
        QVERIFY(!store.setEnabled(id, true));
        QVERIFY(!store.remove(id));
        QVERIFY(store.list().isEmpty());
    }

    void survivesReopen()
    {
        auto created = (*m_engine)->webhooks().create(m_agentId, Provider::Stripe);
        const QString id = created->webhook.id;
        m_engine->reopen();
        QCOMPARE((*m_engine)->webhooks().get(id)->provider, Provider::Stripe);
        QVERIFY(verifies((*m_engine)->webhooks(), id, created->secret));
    }

    void agentRemovalTakesItsWebhooks()
    {
        auto created = (*m_engine)->webhooks().create(m_agentId);
        QVERIFY((*m_engine)->agents().remove(m_agentId));
        QVERIFY(!(*m_engine)->webhooks().get(created->webhook.id));
    }

private:
    std::unique_ptr<Test::ManualClock> m_clock;
    std::unique_ptr<Test::TestEngine> m_engine;
    QString m_agentId;

    // Each import keeps the one before it for its grace and ends older ones; a cleared secret stays cleared when
    // the wall clock is set back, and version numbers never repeat.
    void providerSecretVersionsAndClockSteps()
    {
        WebhookStore& store = (*m_engine)->webhooks();
        auto created = store.create(m_agentId, Provider::Stripe);
        QVERIFY(created);
        const QString id = created->webhook.id;
        QVERIFY(store.setProviderSecret(id, "whsec_version_one_0001"));
        QVERIFY(store.setProviderSecret(id, "whsec_version_two_0002", 3600));
        QVERIFY(store.setProviderSecret(id, "whsec_version_three_03", 3600));
        auto valid = store.validProviderSecrets(id);
        QVERIFY(valid);
        QCOMPARE(valid.value(), (QList<QByteArray>{"whsec_version_three_03", "whsec_version_two_0002"}));

        QVERIFY(store.clearProviderSecret(id));
        m_clock->stepWallMs(-3600 * 1000);
        QCOMPARE(store.get(id)->providerSecretVersion, 0);
        QVERIFY(store.setProviderSecret(id, "whsec_version_four_004"));
        valid = store.validProviderSecrets(id);
        QVERIFY(valid);
        QCOMPARE(valid.value(), QList<QByteArray>{"whsec_version_four_004"});
        QCOMPARE(store.get(id)->providerSecretVersion, 4);
    }
};

QTEST_GUILESS_MAIN(TestWebhookStore)
#include "tst_webhookstore.moc"
