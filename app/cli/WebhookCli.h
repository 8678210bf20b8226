#pragma once

#include "CliContext.h"
#include "domain/Domain.h"
#include "domain/Result.h"

#include <QJsonObject>

namespace Alfe {
class Engine;
}

// What the `alfe webhook` commands share (WebhookCommands.cpp) and the ones that live in files of their own.
namespace Alfe::Cli {

// A command that takes `count` positional arguments and the usual --data-dir, --key-file and --json.
CommandSpec webhookSpec(const QString& description, const QString& arguments = {}, int count = 0);
QJsonObject webhookJson(Engine& engine, const Webhook& webhook);
void printWebhook(Engine& engine, const Webhook& webhook);
// "0", "90s", "30m", "1h", "24h", "7d" or plain seconds; at most WebhookStore::MaxGraceSeconds.
Result<qint64> parseGrace(const QString& text);
QString graceText(qint64 seconds);

// alfe webhook set-provider-secret ID [--grace D] [--tolerance S] | --clear (ProviderSecretCommand.cpp)
int setProviderSecret(CliContext& context);
// alfe webhook set-tolerance ID SECONDS (ProviderSecretCommand.cpp)
int setTolerance(CliContext& context);

} // namespace Alfe::Cli
