#pragma once

#include "IngressFixture.h"
#include "TestReceiver.h"
#include "delivery/DeliveryScheduler.h"
#include "store/AgentStore.h"
#include "store/DeliveryStore.h"

#include <QSignalSpy>

#include <memory>

namespace Alfe::Test {

// The ingress and the delivery scheduler of one engine, an agent whose forward URL is a scripted
// receiver, and a webhook of that agent. Time is manual: retries fall due only when the test moves
// the clock and wakes the scheduler.
struct DeliveryFixture
{
    explicit DeliveryFixture(DeliveryOptions options = defaultOptions());

    static DeliveryOptions defaultOptions();

    // Posts a signed JSON body through the real ingress; returns the delivery id.
    QString send(const QByteArray& body, const QList<QPair<QByteArray, QByteArray>>& headers = {});
    Delivery delivery(const QString& id) { return ingress.engine().deliveries().get(id).value(); }
    Agent agent() { return ingress.engine().agents().get(agentId).value(); }
    // Moves the clock and lets the scheduler look.
    void advance(qint64 ms);

    IngressFixture ingress;
    TestReceiver receiver;
    QString agentId;
    QString webhookId;
    QByteArray secret;
    std::unique_ptr<QSignalSpy> started;  // attemptStarted(deliveryId, attempt), in start order
    std::unique_ptr<QSignalSpy> finished; // attemptFinished(deliveryId, attempt, status)
};

} // namespace Alfe::Test
