// IngressServer: the admin API's events socket, GET /v1/admin/events (SPEC §13).
#include "ingress/IngressServer.h"

#include "api/ApiJson.h"
#include "api/ApiRequest.h"
#include "api/EventHub.h"
#include "crypto/Secrets.h"
#include "ingress/ConnectionGuard.h"
#include "ingress/HttpHead.h"
#include "ingress/WebSocketUpgrade.h"
#include "store/AdminTokenStore.h"
#include "store/AgentStore.h"

#include <QJsonObject>
#include <QTcpSocket>

namespace Alfe {

void IngressServer::startEvents()
{
    m_adminTokens = std::make_unique<AdminTokenStore>(*m_db, m_clock);
    m_events = new EventHub(this);
    m_guard->addUpgradeRoute({QByteArray("/v1/admin/events"),
                              [this](const HttpHead& head, QTcpSocket*) { return checkEvents(head); },
                              [this](QTcpSocket* socket) {
                                  m_events->adopt(socket);
                              }});
    connect(this, &IngressServer::deliveriesCommitted, this, [this](const QList<CommittedDelivery>& deliveries) {
        for (const CommittedDelivery& committed : deliveries) {
            QJsonObject event{{QStringLiteral("type"), QStringLiteral("delivery.received")},
                              {QStringLiteral("deliveryId"), committed.deliveryId},
                              {QStringLiteral("agentId"), committed.agentId}};
            if (committed.delivery) {
                event.insert(QStringLiteral("webhookId"), committed.delivery->webhookId);
                event.insert(QStringLiteral("receivedAt"), ApiJson::timestamp(committed.delivery->receivedAtMs));
            }
            m_events->publish(event);
        }
    });
    connect(this, &IngressServer::deliveriesRequeued, this, [this] {
        m_events->publish({{QStringLiteral("type"), QStringLiteral("deliveries.requeued")}});
    });
}

void IngressServer::publishEvent(const QJsonObject& event)
{
    if (m_events)
        m_events->publish(event);
}

UpgradeVerdict IngressServer::checkEvents(const HttpHead& head)
{
    QByteArray token = Api::bearerToken(head.value("Authorization"));
    const bool admin = bool(m_adminTokens->tokenFor(token));
    const bool agent = !admin && bool(m_agents->agentForToken(token));
    Secrets::cleanse(token);
    if (agent) {
        return {
            403,
            "forbidden",
            QStringLiteral("Agent tokens do not reach the admin API. Use an admin token (alfe admin token create)."),
            {}};
    }
    if (!admin) {
        return {401,
                "unauthorized",
                QStringLiteral("Send \"Authorization: Bearer <admin token>\" with a valid admin token."),
                {{"WWW-Authenticate", "Bearer"}}};
    }
    return {};
}

} // namespace Alfe
