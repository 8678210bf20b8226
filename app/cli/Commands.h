#pragma once

namespace Alfe::Cli {

class CliContext;

// The entry point of each command group; each returns the process exit code (see ExitCode).
int runServe(CliContext& context);           // ServeCommand.cpp
int runAgentCommand(CliContext& context);    // AgentCommands.cpp
int runWebhookCommand(CliContext& context);  // WebhookCommands.cpp
int runDeliveryCommand(CliContext& context); // DeliveryCommands.cpp
int runSendTest(CliContext& context);        // SendTestCommand.cpp
int runListen(CliContext& context);          // ListenCommand.cpp
int runAdminCommand(CliContext& context);    // AdminTokenCommand.cpp
int runMigrate(CliContext& context);         // MigrateCommand.cpp

} // namespace Alfe::Cli
