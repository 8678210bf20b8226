#include "domain/Domain.h"

#include <array>
#include <utility>

namespace Alfe {

namespace {
const std::array<std::pair<Provider, const char*>, 4> ProviderNames{{
    {Provider::Generic, "generic"},
    {Provider::GitHub, "github"},
    {Provider::Stripe, "stripe"},
    {Provider::Slack, "slack"},
}};

const std::array<std::pair<AgentStatus, const char*>, 3> StatusNames{{
    {AgentStatus::Offline, "offline"},
    {AgentStatus::Online, "online"},
    {AgentStatus::Paused, "paused"},
}};

template <typename Enum, size_t N>
QString nameOf(const std::array<std::pair<Enum, const char*>, N>& table, Enum value)
{
    for (const auto& [v, name] : table) {
        if (v == value)
            return QString::fromLatin1(name);
    }
    return {};
}

template <typename Enum, size_t N>
std::optional<Enum> valueOf(const std::array<std::pair<Enum, const char*>, N>& table, const QString& name)
{
    for (const auto& [v, n] : table) {
        if (name == QLatin1String(n))
            return v;
    }
    return std::nullopt;
}
} // namespace

QString providerName(Provider provider)
{
    return nameOf(ProviderNames, provider);
}
std::optional<Provider> providerFromName(const QString& name)
{
    return valueOf(ProviderNames, name);
}

QStringList providerNames()
{
    QStringList names;
    for (const auto& entry : ProviderNames)
        names << QString::fromLatin1(entry.second);
    return names;
}

QString agentStatusName(AgentStatus status)
{
    return nameOf(StatusNames, status);
}
std::optional<AgentStatus> agentStatusFromName(const QString& name)
{
    return valueOf(StatusNames, name);
}

bool isOneLineOfText(const QString& text)
{
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control || c == QChar::LineSeparator || c == QChar::ParagraphSeparator)
            return false;
    }
    return true;
}

} // namespace Alfe
