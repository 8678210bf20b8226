// alfe agent add | list | show | set | remove
#include "CliContext.h"
#include "Commands.h"
#include "Engine.h"
#include "api/ApiJson.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Alfe::Cli {

namespace {
QCommandLineOption forwardToOption()
{
    return {QStringLiteral("forward-to"),
            QStringLiteral("Forward every accepted delivery to URL (http:// or https://); an empty URL stops "
                           "forwarding."),
            QStringLiteral("URL")};
}

CommandSpec spec(const QString& description, const QString& arguments = {}, int count = 0)
{
    CommandSpec spec;
    spec.description = description;
    spec.arguments = arguments;
    spec.minArguments = count;
    spec.maxArguments = count;
    spec.keyFile = true;
    return spec;
}

QString forwardText(const Agent& agent)
{
    return agent.forwardUrl.isEmpty() ? QStringLiteral("- (deliveries are stored, not forwarded)") : agent.forwardUrl;
}

// "streaming" while its live stream is open (its deliveries go over it, whatever its forwarding status).
QString statusText(const Agent& agent)
{
    return agent.streaming() ? QStringLiteral("streaming") : agentStatusName(agent.status);
}

// Where its live stream comes from and since when, or "-".
QString streamText(const Agent& agent)
{
    if (!agent.streaming())
        return QStringLiteral("-");
    return QStringLiteral("%1 since %2").arg(agent.streamPeer, CliContext::localTime(agent.streamSinceMs));
}

int add(CliContext& context)
{
    CommandSpec command =
        spec(QStringLiteral("Add an agent. Prints its id and API token; the token is shown only this once."),
             QStringLiteral("NAME"), 1);
    command.options << forwardToOption();
    if (auto done = context.parse(2, command))
        return *done;
    auto name = AgentStore::validateName(context.arguments().at(0));
    if (!name)
        return CliContext::fail(name.error());
    auto forwardUrl = AgentStore::validateForwardUrl(context.value(QStringLiteral("forward-to")));
    if (!forwardUrl)
        return CliContext::fail(forwardUrl.error());
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());

    auto created = context.engine().agents().create(name.value(), forwardUrl.value());
    if (!created)
        return CliContext::fail(created.error());
    CreatedAgent& agent = created.value();
    const QString token = CliContext::secretPlaceholder();
    QString text;
    if (context.json()) {
        QJsonObject object = ApiJson::agent(agent.agent, 0);
        object.insert(QStringLiteral("token"), token);
        text = QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    } else {
        text = QStringLiteral("Created agent %1.\n").arg(agent.agent.name) +
               CliContext::fields({
                   {QStringLiteral("id"), agent.agent.id},
                   {QStringLiteral("name"), agent.agent.name},
                   {QStringLiteral("forward to"), forwardText(agent.agent)},
                   {QStringLiteral("token"), token},
               }) +
               QStringLiteral("\nThe token is shown only this once: keep it now. The agent sends it to the management "
                              "API as \"Authorization: Bearer <token>\".\n");
    }
    CliContext::outWithSecrets(text, {{token, &agent.token}});
    return ExitOk;
}

int list(CliContext& context)
{
    if (auto done = context.parse(2, spec(QStringLiteral("List the agents."))))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    const QList<Agent> agents = context.engine().agents().list();
    if (context.json()) {
        QJsonArray array;
        for (const Agent& agent : agents)
            array.append(ApiJson::agent(agent, context.engine().agents().backlog(agent.id)));
        CliContext::outJson(array);
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const Agent& agent : agents) {
        rows << QStringList{agent.id,
                            agent.name,
                            statusText(agent),
                            QString::number(context.engine().agents().backlog(agent.id)),
                            agent.forwardUrl.isEmpty() ? QStringLiteral("-") : agent.forwardUrl,
                            streamText(agent),
                            CliContext::localTime(agent.createdAtMs)};
    }
    CliContext::out(CliContext::table({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("STATUS"),
                                       QStringLiteral("BACKLOG"), QStringLiteral("FORWARD TO"),
                                       QStringLiteral("STREAM"), QStringLiteral("CREATED")},
                                      rows)
                        .toUtf8());
    return ExitOk;
}

int show(CliContext& context)
{
    if (auto done =
            context.parse(2, spec(QStringLiteral("Show one agent (never its token)."), QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    auto agent = context.engine().agents().get(context.arguments().at(0));
    if (!agent)
        return CliContext::fail(agent.error());
    QStringList webhookIds;
    for (const Webhook& webhook : context.engine().webhooks().list(agent->id))
        webhookIds << webhook.id;
    if (context.json()) {
        QJsonObject object = ApiJson::agent(agent.value(), context.engine().agents().backlog(agent->id));
        object.insert(QStringLiteral("webhooks"), QJsonArray::fromStringList(webhookIds));
        CliContext::outJson(object);
        return ExitOk;
    }
    CliContext::out(CliContext::fields(
                        {
                            {QStringLiteral("id"), agent->id},
                            {QStringLiteral("name"), agent->name},
                            {QStringLiteral("status"), statusText(agent.value())},
                            {QStringLiteral("backlog"),
                             QStringLiteral("%1 waiting").arg(context.engine().agents().backlog(agent->id))},
                            {QStringLiteral("forward to"), forwardText(agent.value())},
                            {QStringLiteral("stream"), streamText(agent.value())},
                            {QStringLiteral("created"), CliContext::localTime(agent->createdAtMs)},
                            {QStringLiteral("webhooks"),
                             webhookIds.isEmpty() ? QStringLiteral("(none)") : webhookIds.join(QStringLiteral(", "))},
                        })
                        .toUtf8());
    return ExitOk;
}

int set(CliContext& context)
{
    CommandSpec command =
        spec(QStringLiteral("Change an agent: where its deliveries are forwarded."), QStringLiteral("ID"), 1);
    command.options << forwardToOption();
    if (auto done = context.parse(2, command))
        return *done;
    if (!context.isSet(QStringLiteral("forward-to"))) {
        return CliContext::usageError(
            QStringLiteral("agent set needs --forward-to URL (an empty URL stops forwarding)."));
    }
    auto forwardUrl = AgentStore::validateForwardUrl(context.value(QStringLiteral("forward-to")));
    if (!forwardUrl)
        return CliContext::fail(forwardUrl.error());
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    const QString id = context.arguments().at(0);
    if (auto changed = context.engine().agents().setForwardUrl(id, forwardUrl.value()); !changed)
        return CliContext::fail(changed.error());
    auto agent = context.engine().agents().get(id);
    if (!agent)
        return CliContext::fail(agent.error());
    if (context.json())
        CliContext::outJson(ApiJson::agent(agent.value(), context.engine().agents().backlog(id)));
    else if (agent->forwardUrl.isEmpty())
        CliContext::outLine(QStringLiteral("Agent %1 no longer forwards deliveries.").arg(id));
    else
        CliContext::outLine(QStringLiteral("Agent %1 now forwards deliveries to %2.").arg(id, agent->forwardUrl));
    return ExitOk;
}

int remove(CliContext& context)
{
    if (auto done = context.parse(
            2, spec(QStringLiteral("Remove an agent with its tokens and webhooks (their secrets are destroyed)."),
                    QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    const QString id = context.arguments().at(0);
    auto agent = context.engine().agents().get(id);
    if (!agent)
        return CliContext::fail(agent.error());
    const qsizetype webhooks = context.engine().webhooks().list(id).size();
    if (auto removed = context.engine().agents().remove(id); !removed)
        return CliContext::fail(removed.error());
    if (context.json()) {
        CliContext::outJson(QJsonObject{{QStringLiteral("id"), id},
                                        {QStringLiteral("removed"), true},
                                        {QStringLiteral("webhooksRemoved"), qint64(webhooks)}});
    } else {
        CliContext::outLine(QStringLiteral("Removed agent %1 (%2) and its %3 webhook(s).")
                                .arg(id, agent->name, QString::number(webhooks)));
    }
    return ExitOk;
}

int resume(CliContext& context)
{
    if (auto done =
            context.parse(2, spec(QStringLiteral("Forward to an agent again: after a 410 paused it, or to probe "
                                                 "an offline agent now."),
                                  QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    const QString id = context.arguments().at(0);
    if (auto resumed = context.engine().agents().resume(id); !resumed)
        return CliContext::fail(resumed.error());
    const int backlog = context.engine().agents().backlog(id);
    if (context.json())
        CliContext::outJson(ApiJson::agent(context.engine().agents().get(id).value(), backlog));
    else
        CliContext::outLine(
            QStringLiteral("Agent %1 is online again; %2 waiting deliveries go out now.").arg(id).arg(backlog));
    return ExitOk;
}

} // namespace

int runAgentCommand(CliContext& context)
{
    static const QList<SubcommandHelp> subcommands{
        {QStringLiteral("add"), QStringLiteral("NAME [--forward-to URL]: add an agent; prints its token once"), add},
        {QStringLiteral("list"), QStringLiteral("list the agents"), list},
        {QStringLiteral("show"), QStringLiteral("ID: show one agent"), show},
        {QStringLiteral("set"), QStringLiteral("ID --forward-to URL: change where its deliveries go"), set},
        {QStringLiteral("resume"), QStringLiteral("ID: forward again after a 410 paused it"), resume},
        {QStringLiteral("remove"), QStringLiteral("ID: remove an agent with its webhooks"), remove},
    };
    return context.dispatch(1, QStringLiteral("Agents: the programs that receive deliveries."), subcommands);
}

} // namespace Alfe::Cli
