#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Alfe {

// What kind of sender a webhook expects. A hint that travels with each delivery; it also selects
// provider-specific dedup keys and event types.
enum class Provider
{
    Generic,
    GitHub,
    Stripe,
    Slack,
};

QString providerName(Provider provider);
std::optional<Provider> providerFromName(const QString& name);
QStringList providerNames();

enum class AgentStatus
{
    Offline,
    Online,
    Paused,
};

QString agentStatusName(AgentStatus status);
// Whether a name or description is one line of text: no control character (a newline would let it pass for
// something else in a listing) and no Unicode line or paragraph separator.
bool isOneLineOfText(const QString& text);
std::optional<AgentStatus> agentStatusFromName(const QString& name);

struct Agent
{
    QString id;
    QString name;
    QString forwardUrl; // empty: deliveries are stored but not forwarded
    AgentStatus status = AgentStatus::Offline;
    qint64 createdAtMs = 0;
    QString streamPeer;        // the address its live stream comes from; empty: no stream open
    qint64 streamSinceMs = -1; // when that stream opened
    bool streaming() const { return streamSinceMs >= 0; }
};

struct Webhook
{
    QString id;
    QString agentId;
    Provider provider = Provider::Generic;
    QString description;
    bool enabled = true;
    qint64 createdAtMs = 0;
    int secretVersion = 0;                           // the current signing secret
    std::optional<qint64> previousSecretExpiresAtMs; // set while the previous secret is in its grace period
    // The signing secret the provider generated (Stripe's, Slack's, a Standard Webhooks sender's), if imported.
    int providerSecretVersion = 0; // 0: none
    std::optional<qint64> previousProviderSecretExpiresAtMs;
    // How far a provider's signed timestamp may be from now, either way.
    int toleranceSeconds = 300;
};

} // namespace Alfe
