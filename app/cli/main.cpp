// alfe: the command line and headless server. Dispatch only; each command group lives in its own file.
#include "CliContext.h"
#include "Commands.h"

#include <QCoreApplication>

using namespace Alfe::Cli;

namespace {
struct Command
{
    const char* name;
    const char* summary;
    int (*run)(CliContext&);
};

const Command Commands[] = {
    {"serve", "Run the ingress (and management API) on this data directory until stopped.", runServe},
    {"agent", "Add, list, show, change and remove agents.", runAgentCommand},
    {"webhook", "Create, list, show, rotate, enable, disable and delete webhooks.", runWebhookCommand},
    {"deliveries", "List and show received deliveries, and queue them again.", runDeliveryCommand},
    {"send-test", "Sign a sample event with a webhook's secret and post it to the running ingress.", runSendTest},
    {"listen", "Receive an agent's deliveries over its live stream and forward them to a local URL.", runListen},
    {"admin", "Create, list and revoke admin API tokens.", runAdminCommand},
    {"migrate", "Copy an embedded data directory's store into an empty PostgreSQL database.", runMigrate},
};

QList<SubcommandHelp> commandHelp()
{
    QList<SubcommandHelp> help;
    for (const Command& command : Commands)
        help << SubcommandHelp{QString::fromLatin1(command.name), QString::fromLatin1(command.summary), {}};
    return help;
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("alfe"));
    QCoreApplication::setOrganizationName(QStringLiteral("Alfe"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ALFE_VERSION));

    CliContext context(QCoreApplication::arguments());
    const QStringList words = context.words();
    if (!words.isEmpty()) {
        for (const Command& command : Commands) {
            if (words.first() == QLatin1String(command.name))
                return command.run(context);
        }
    }
    if (words.isEmpty() && context.versionRequested()) {
        CliContext::outLine(QStringLiteral("alfe %1").arg(QCoreApplication::applicationVersion()));
        return ExitOk;
    }
    if (words.isEmpty() && context.helpRequested()) {
        return context.groupHelp(0,
                                 QStringLiteral("Receive, verify and debug webhooks that feed software agents.\n\n"
                                                "Every command takes --help; those that use a data directory take "
                                                "--data-dir DIR,\nthose that print take --json, those that need the "
                                                "master key take --key-file FILE.\n"
                                                "'alfe --version' prints the version."),
                                 commandHelp());
    }
    return context.unknownSubcommand(0, commandHelp());
}
