#include "DeliveryFixture.h"

#include "store/WebhookStore.h"

#include <QTest>

namespace Alfe::Test {

DeliveryOptions DeliveryFixture::defaultOptions()
{
    DeliveryOptions options;
    options.schedule = RetrySchedule({0, 5'000, 300'000, 1'800'000}, 0.0); // no jitter: exact times
    // Long enough that no attempt times out because the machine is slow (a sanitizer build, a loaded CI
    // machine): the tests of timeouts set their own.
    options.timeoutMs = 10'000;
    options.pollIntervalMs = 200;
    return options;
}

DeliveryFixture::DeliveryFixture(DeliveryOptions options)
{
    Engine& engine = ingress.engine();
    auto created = engine.agents().create(QStringLiteral("receiver agent"), receiver.url());
    agentId = created->agent.id;
    auto hook = engine.webhooks().create(agentId, Provider::Generic);
    webhookId = hook->webhook.id;
    secret = hook->secret;
    if (auto ok = engine.startDelivery(options); !ok)
        qFatal("delivery did not start: %s", qPrintable(ok.error().message));
    started = std::make_unique<QSignalSpy>(engine.deliveryScheduler(), &DeliveryScheduler::attemptStarted);
    finished = std::make_unique<QSignalSpy>(engine.deliveryScheduler(), &DeliveryScheduler::attemptFinished);
}

QString DeliveryFixture::send(const QByteArray& body, const QList<QPair<QByteArray, QByteArray>>& headers)
{
    auto r = ingress.http().postSigned(IngressFixture::hookPath(webhookId), body, secret, headers);
    if (r.status != 202)
        qWarning() << "ingress answered" << r.status << r.body;
    return r.json().value(QLatin1String("deliveryId")).toString();
}

void DeliveryFixture::advance(qint64 ms)
{
    ingress.clock().advanceMs(ms);
    ingress.engine().wakeDelivery();
}

} // namespace Alfe::Test
