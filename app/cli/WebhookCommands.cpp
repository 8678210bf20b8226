// alfe webhook create | list | show | rotate | disable | enable | delete (set-provider-secret:
// ProviderSecretCommand.cpp)
#include "CliContext.h"
#include "Commands.h"
#include "Engine.h"
#include "WebhookCli.h"
#include "api/ApiJson.h"
#include "domain/Duration.h"
#include "store/AgentStore.h"
#include "store/WebhookStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Alfe::Cli {

CommandSpec webhookSpec(const QString& description, const QString& arguments, int count)
{
    CommandSpec spec;
    spec.description = description;
    spec.arguments = arguments;
    spec.minArguments = count;
    spec.maxArguments = count;
    spec.keyFile = true;
    return spec;
}

QJsonObject webhookJson(Engine& engine, const Webhook& webhook)
{
    QJsonObject object = ApiJson::webhook(webhook, engine.webhookUrl(webhook.id));
    object.insert(QStringLiteral("agentId"), webhook.agentId);
    return object;
}

QString graceText(qint64 seconds)
{
    return seconds == 0 ? QStringLiteral("0") : Duration::formatSeconds(seconds);
}

// "0", "90s", "30m", "1h", "24h", "7d" or plain seconds; at most WebhookStore::MaxGraceSeconds.
Result<qint64> parseGrace(const QString& text)
{
    const auto seconds = Duration::parseSeconds(text, /*unitRequired*/ false);
    if (!seconds) {
        return Errors::invalid(QStringLiteral("--grace \"%1\" is not a duration; use a number of seconds or one "
                                              "with a unit: 0, 90s, 30m, 1h, 24h, 7d.")
                                   .arg(text));
    }
    if (*seconds > WebhookStore::MaxGraceSeconds) {
        return Errors::invalid(QStringLiteral("--grace %1 is too long: the previous secret can stay valid for at most "
                                              "7d (%2 seconds).")
                                   .arg(text)
                                   .arg(WebhookStore::MaxGraceSeconds));
    }
    return *seconds;
}

static QString previousSecretText(const Webhook& webhook)
{
    return webhook.previousSecretExpiresAtMs
               ? QStringLiteral("verifies until %1").arg(CliContext::localTime(*webhook.previousSecretExpiresAtMs))
               : QStringLiteral("-");
}

static QString providerSecretText(const Webhook& webhook)
{
    if (webhook.providerSecretVersion == 0)
        return QStringLiteral("not imported");
    QString text = QStringLiteral("imported (version %1)").arg(webhook.providerSecretVersion);
    if (webhook.previousProviderSecretExpiresAtMs) {
        text += QStringLiteral("; the previous one verifies until %1")
                    .arg(CliContext::localTime(*webhook.previousProviderSecretExpiresAtMs));
    }
    return text;
}

void printWebhook(Engine& engine, const Webhook& w)
{
    CliContext::out(
        CliContext::fields(
            {
                {QStringLiteral("id"), w.id},
                {QStringLiteral("url"), engine.webhookUrl(w.id)},
                {QStringLiteral("agent"), w.agentId},
                {QStringLiteral("provider"), providerName(w.provider)},
                {QStringLiteral("description"), w.description.isEmpty() ? QStringLiteral("-") : w.description},
                {QStringLiteral("state"), w.enabled ? QStringLiteral("enabled") : QStringLiteral("disabled")},
                {QStringLiteral("created"), CliContext::localTime(w.createdAtMs)},
                {QStringLiteral("secret version"), QString::number(w.secretVersion)},
                {QStringLiteral("previous secret"), previousSecretText(w)},
                {QStringLiteral("provider secret"), providerSecretText(w)},
                {QStringLiteral("tolerance"), QStringLiteral("%1 s").arg(w.toleranceSeconds)},
            })
            .toUtf8());
}

namespace {
CommandSpec spec(const QString& description, const QString& arguments = {}, int count = 0)
{
    return webhookSpec(description, arguments, count);
}

int create(CliContext& context)
{
    CommandSpec command = spec(QStringLiteral("Create a webhook for an agent. Prints its id, URL and signing secret; "
                                              "the secret is shown only this once."));
    command.options << QCommandLineOption(QStringLiteral("agent"), QStringLiteral("The owning agent (required)."),
                                          QStringLiteral("ID"))
                    << QCommandLineOption(QStringLiteral("provider"),
                                          QStringLiteral("The sender: %1 (default: generic).")
                                              .arg(providerNames().join(QStringLiteral(", "))),
                                          QStringLiteral("P"))
                    << QCommandLineOption(QStringLiteral("description"), QStringLiteral("What the webhook is for."),
                                          QStringLiteral("TEXT"));
    if (auto done = context.parse(2, command))
        return *done;
    if (!context.isSet(QStringLiteral("agent")))
        return CliContext::usageError(QStringLiteral("webhook create needs --agent ID (see 'alfe agent list')."));
    Provider provider = Provider::Generic;
    if (context.isSet(QStringLiteral("provider"))) {
        const QString name = context.value(QStringLiteral("provider"));
        const auto known = providerFromName(name);
        if (!known) {
            return CliContext::usageError(QStringLiteral("Unknown provider \"%1\"; use one of: %2.")
                                              .arg(name, providerNames().join(QStringLiteral(", "))));
        }
        provider = *known;
    }
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());

    Engine& engine = context.engine();
    auto created = engine.webhooks().create(context.value(QStringLiteral("agent")), provider,
                                            context.value(QStringLiteral("description")));
    if (!created)
        return CliContext::fail(created.error());
    CreatedWebhook& webhook = created.value();
    const QString secret = CliContext::secretPlaceholder();
    QString text;
    if (context.json()) {
        QJsonObject object = webhookJson(engine, webhook.webhook);
        object.insert(QStringLiteral("secret"), secret);
        text = QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    } else {
        const Webhook& w = webhook.webhook;
        text = QStringLiteral("Created webhook %1 for agent %2.\n").arg(w.id, w.agentId) +
               CliContext::fields({
                   {QStringLiteral("id"), w.id},
                   {QStringLiteral("url"), engine.webhookUrl(w.id)},
                   {QStringLiteral("provider"), providerName(w.provider)},
                   {QStringLiteral("description"), w.description.isEmpty() ? QStringLiteral("-") : w.description},
                   {QStringLiteral("secret"), secret},
               }) +
               QStringLiteral("\nThe secret is shown only this once: keep it now. Senders sign each request body "
                              "with it (X-Alfe-Signature-256: sha256=<HMAC-SHA256 hex>).\n");
    }
    CliContext::outWithSecrets(text, {{secret, &webhook.secret}});
    return ExitOk;
}

int list(CliContext& context)
{
    CommandSpec command = spec(QStringLiteral("List the webhooks (never their secrets)."));
    command.options << QCommandLineOption(QStringLiteral("agent"), QStringLiteral("Only this agent's webhooks."),
                                          QStringLiteral("ID"));
    if (auto done = context.parse(2, command))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    Engine& engine = context.engine();
    const QString agentId = context.value(QStringLiteral("agent"));
    if (context.isSet(QStringLiteral("agent"))) {
        if (auto agent = engine.agents().get(agentId); !agent)
            return CliContext::fail(agent.error());
    }
    const QList<Webhook> webhooks = engine.webhooks().list(agentId);
    if (context.json()) {
        QJsonArray array;
        for (const Webhook& webhook : webhooks)
            array.append(webhookJson(engine, webhook));
        CliContext::outJson(array);
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const Webhook& w : webhooks) {
        rows << QStringList{w.id,
                            w.agentId,
                            providerName(w.provider),
                            w.enabled ? QStringLiteral("enabled") : QStringLiteral("disabled"),
                            CliContext::localTime(w.createdAtMs),
                            w.description.isEmpty() ? QStringLiteral("-") : w.description.simplified()};
    }
    CliContext::out(
        CliContext::table({QStringLiteral("ID"), QStringLiteral("AGENT"), QStringLiteral("PROVIDER"),
                           QStringLiteral("STATE"), QStringLiteral("CREATED"), QStringLiteral("DESCRIPTION")},
                          rows)
            .toUtf8());
    return ExitOk;
}

int show(CliContext& context)
{
    if (auto done =
            context.parse(2, spec(QStringLiteral("Show one webhook (never its secret)."), QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    auto webhook = context.engine().webhooks().get(context.arguments().at(0));
    if (!webhook)
        return CliContext::fail(webhook.error());
    if (context.json())
        CliContext::outJson(webhookJson(context.engine(), webhook.value()));
    else
        printWebhook(context.engine(), webhook.value());
    return ExitOk;
}

int rotate(CliContext& context)
{
    CommandSpec command = spec(QStringLiteral("Give a webhook a new signing secret, shown only this once. The "
                                              "previous secret keeps verifying for the grace period."),
                               QStringLiteral("ID"), 1);
    command.options << QCommandLineOption(QStringLiteral("grace"),
                                          QStringLiteral("How long the previous secret stays valid: 0 (ends now), "
                                                         "90s, 30m, 1h, 24h (default) ... 7d."),
                                          QStringLiteral("DURATION"));
    if (auto done = context.parse(2, command))
        return *done;
    qint64 grace = WebhookStore::DefaultGraceSeconds;
    if (context.isSet(QStringLiteral("grace"))) {
        auto parsed = parseGrace(context.value(QStringLiteral("grace")));
        if (!parsed)
            return CliContext::fail(parsed.error());
        grace = parsed.value();
    }
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());

    Engine& engine = context.engine();
    auto rotated = engine.webhooks().rotate(context.arguments().at(0), grace);
    if (!rotated)
        return CliContext::fail(rotated.error());
    RotatedSecret& result = rotated.value();
    const Webhook& w = result.webhook;
    const QString secret = CliContext::secretPlaceholder();
    QString text;
    if (context.json()) {
        QJsonObject object = webhookJson(engine, w);
        object.insert(QStringLiteral("secret"), secret);
        object.insert(QStringLiteral("graceSeconds"), grace);
        object.insert(QStringLiteral("previousSecretExpiresAt"), ApiJson::timestamp(result.previousSecretExpiresAtMs));
        text = QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    } else {
        const QString previous =
            grace == 0 ? QStringLiteral("stopped verifying now")
                       : QStringLiteral("verifies until %1 (%2 from now)")
                             .arg(CliContext::localTime(result.previousSecretExpiresAtMs), graceText(grace));
        text = QStringLiteral("Rotated the secret of webhook %1 (now version %2).\n").arg(w.id).arg(w.secretVersion) +
               CliContext::fields({
                   {QStringLiteral("id"), w.id},
                   {QStringLiteral("url"), engine.webhookUrl(w.id)},
                   {QStringLiteral("secret"), secret},
                   {QStringLiteral("previous secret"), previous},
               }) +
               QStringLiteral("\nThe new secret is shown only this once: keep it now.\n");
    }
    CliContext::outWithSecrets(text, {{secret, &result.secret}});
    return ExitOk;
}

int setEnabled(CliContext& context, bool enabled)
{
    const QString description = enabled ? QStringLiteral("Enable a webhook: the ingress accepts its deliveries again.")
                                        : QStringLiteral("Disable a webhook: the ingress answers 410 Gone until it is "
                                                         "enabled again.");
    if (auto done = context.parse(2, spec(description, QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    const QString id = context.arguments().at(0);
    if (auto changed = context.engine().webhooks().setEnabled(id, enabled); !changed)
        return CliContext::fail(changed.error());
    auto webhook = context.engine().webhooks().get(id);
    if (!webhook)
        return CliContext::fail(webhook.error());
    if (context.json())
        CliContext::outJson(webhookJson(context.engine(), webhook.value()));
    else if (enabled)
        CliContext::outLine(QStringLiteral("Webhook %1 is enabled.").arg(id));
    else
        CliContext::outLine(QStringLiteral("Webhook %1 is disabled: the ingress answers 410 Gone.").arg(id));
    return ExitOk;
}

int remove(CliContext& context)
{
    if (auto done = context.parse(
            2, spec(QStringLiteral("Delete a webhook and destroy its secrets. Its deliveries stay readable until "
                                   "retention purges them."),
                    QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    const QString id = context.arguments().at(0);
    if (auto removed = context.engine().webhooks().remove(id); !removed)
        return CliContext::fail(removed.error());
    if (context.json())
        CliContext::outJson(QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("deleted"), true}});
    else
        CliContext::outLine(QStringLiteral("Deleted webhook %1; its secrets are destroyed.").arg(id));
    return ExitOk;
}

} // namespace

int runWebhookCommand(CliContext& context)
{
    static const QList<SubcommandHelp> subcommands{
        {QStringLiteral("create"),
         QStringLiteral("--agent ID [--provider P] [--description T]: prints the secret once"), create},
        {QStringLiteral("list"), QStringLiteral("[--agent ID]: list webhooks"), list},
        {QStringLiteral("show"), QStringLiteral("ID: show one webhook"), show},
        {QStringLiteral("rotate"), QStringLiteral("ID [--grace 0|30m|1h|24h|7d]: new secret, shown once"), rotate},
        {QStringLiteral("disable"), QStringLiteral("ID: refuse its deliveries (410)"),
         [](CliContext& c) {
             return setEnabled(c, false);
         }},
        {QStringLiteral("enable"), QStringLiteral("ID: accept its deliveries again"),
         [](CliContext& c) {
             return setEnabled(c, true);
         }},
        {QStringLiteral("set-provider-secret"),
         QStringLiteral("ID [--grace D] [--tolerance S] | ID --clear: import the provider's signing secret (stdin)"),
         setProviderSecret},
        {QStringLiteral("set-tolerance"),
         QStringLiteral("ID SECONDS: how old a provider's signed timestamp may be (default 300)"), setTolerance},
        {QStringLiteral("delete"), QStringLiteral("ID: delete it and its secrets"), remove},
    };
    return context.dispatch(1, QStringLiteral("Webhooks: the signed URLs senders post to, each owned by an agent."),
                            subcommands);
}

} // namespace Alfe::Cli
