// alfe admin token create | list | revoke
#include "CliContext.h"
#include "Commands.h"
#include "Engine.h"
#include "WebhookCli.h"
#include "api/ApiJson.h"
#include "store/AdminTokenStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Alfe::Cli {

namespace {
// A command of `count` positional arguments with --data-dir, --key-file and --json, as the webhook commands.
CommandSpec spec(const QString& description, const QString& arguments = {}, int count = 0)
{
    return webhookSpec(description, arguments, count);
}

QString orDash(const QString& text)
{
    return text.isEmpty() ? QStringLiteral("-") : text;
}

QString timeOrDash(const std::optional<qint64>& ms)
{
    return ms ? CliContext::localTime(*ms) : QStringLiteral("-");
}

int create(CliContext& context)
{
    CommandSpec command = spec(QStringLiteral("Create an admin API token. Prints it; it is shown only this once."));
    command.options << QCommandLineOption(QStringLiteral("name"),
                                          QStringLiteral("What the token is for (shown by 'admin token list')."),
                                          QStringLiteral("N"));
    if (auto done = context.parse(3, command))
        return *done;
    auto name = AdminTokenStore::validateName(context.value(QStringLiteral("name")));
    if (!name)
        return CliContext::fail(name.error());
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    AdminTokenStore tokens(context.engine().database(), context.engine().clock());
    auto created = tokens.create(name.value());
    if (!created)
        return CliContext::fail(created.error());
    const QString token = CliContext::secretPlaceholder();
    QString text;
    if (context.json()) {
        QJsonObject object = ApiJson::adminToken(created->info);
        object.insert(QStringLiteral("token"), token);
        text = QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    } else {
        text = QStringLiteral("Created admin token %1.\n").arg(created->info.id) +
               CliContext::fields({
                   {QStringLiteral("id"), created->info.id},
                   {QStringLiteral("name"), orDash(created->info.name)},
                   {QStringLiteral("token"), token},
               }) +
               QStringLiteral("\nThe token is shown only this once and cannot be shown again: keep it now. It opens "
                              "the admin API as \"Authorization: Bearer <token>\"; 'alfe admin token revoke %1' "
                              "closes it.\n")
                   .arg(created->info.id);
    }
    CliContext::outWithSecrets(text, {{token, &created->token}});
    return ExitOk;
}

int list(CliContext& context)
{
    if (auto done = context.parse(3, spec(QStringLiteral("List the admin API tokens (never the tokens themselves)."))))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    AdminTokenStore tokens(context.engine().database(), context.engine().clock());
    auto all = tokens.list();
    if (!all)
        return CliContext::fail(all.error());
    if (context.json()) {
        QJsonArray array;
        for (const AdminToken& token : all.value())
            array.append(ApiJson::adminToken(token));
        CliContext::outJson(array);
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const AdminToken& token : all.value()) {
        rows << QStringList{token.id, orDash(token.name), CliContext::localTime(token.createdAtMs),
                            timeOrDash(token.lastUsedAtMs), timeOrDash(token.revokedAtMs)};
    }
    CliContext::out(CliContext::table({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("CREATED"),
                                       QStringLiteral("LAST USED"), QStringLiteral("REVOKED")},
                                      rows)
                        .toUtf8());
    return ExitOk;
}

int revoke(CliContext& context)
{
    if (auto done = context.parse(
            3, spec(QStringLiteral("Revoke an admin API token: it no longer opens the admin API, at once. Revoking "
                                   "a revoked token changes nothing."),
                    QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    AdminTokenStore tokens(context.engine().database(), context.engine().clock());
    const QString id = context.arguments().at(0);
    auto before = tokens.get(id);
    if (!before)
        return CliContext::fail(before.error());
    auto revoked = tokens.revoke(id);
    if (!revoked)
        return CliContext::fail(revoked.error());
    if (context.json())
        CliContext::outJson(ApiJson::adminToken(revoked.value()));
    else if (before->revoked())
        CliContext::outLine(QStringLiteral("Admin token %1 was already revoked (%2).")
                                .arg(id, CliContext::localTime(*revoked->revokedAtMs)));
    else
        CliContext::outLine(QStringLiteral("Revoked admin token %1; it no longer opens the admin API.").arg(id));
    return ExitOk;
}

int runToken(CliContext& context)
{
    static const QList<SubcommandHelp> subcommands{
        {QStringLiteral("create"), QStringLiteral("[--name N]: create a token; prints it once"), create},
        {QStringLiteral("list"), QStringLiteral("list the tokens: id, name, created, last used, revoked"), list},
        {QStringLiteral("revoke"), QStringLiteral("ID: revoke a token"), revoke},
    };
    return context.dispatch(2, QStringLiteral("Admin API tokens: bearer tokens of the /v1/admin routes."), subcommands);
}
} // namespace

int runAdminCommand(CliContext& context)
{
    static const QList<SubcommandHelp> subcommands{
        {QStringLiteral("token"), QStringLiteral("create, list and revoke admin API tokens"), runToken},
    };
    return context.dispatch(1, QStringLiteral("Administration of the server's admin API."), subcommands);
}

} // namespace Alfe::Cli
