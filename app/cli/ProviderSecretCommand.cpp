// alfe webhook set-provider-secret ID [--grace D] [--tolerance S] | ID --clear; alfe webhook set-tolerance ID S
#include "CliContext.h"
#include "Engine.h"
#include "WebhookCli.h"
#include "crypto/Secrets.h"
#include "store/WebhookStore.h"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace Alfe::Cli {

namespace {
// More than any provider's secret; what is longer is not one (a file piped by mistake).
constexpr qsizetype MaxInputBytes = 4096;

// The terminal's settings while echo is off, and a handler that puts them back if the prompt is interrupted
// (Ctrl+C), then lets the signal do what it does by default.
termios savedTerminal{};

void restoreTerminalAndRaise(int signal)
{
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &savedTerminal);
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

// Reads the secret from standard input: on a terminal, one line typed or pasted with echo off; otherwise all
// of it (one line and its newline, as `printf %s "$SECRET" |` or `< file` give it). Surrounding white space
// and the line break go. The caller cleanses the result.
Result<QByteArray> readSecret()
{
    const bool terminal = isatty(STDIN_FILENO) == 1;
    bool echoOff = false;
    if (terminal) {
        std::fputs("Paste the provider's signing secret (input hidden), then press Enter: ", stderr);
        std::fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &savedTerminal) == 0) {
            for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
                std::signal(signal, restoreTerminalAndRaise);
            termios quiet = savedTerminal;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            echoOff = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    QByteArray raw(MaxInputBytes + 1, '\0');
    qsizetype size = 0;
    while (size < raw.size()) {
        const ssize_t got = ::read(STDIN_FILENO, raw.data() + size, size_t(raw.size() - size));
        if (got <= 0)
            break;
        size += got;
        if (terminal && raw.at(size - 1) == '\n')
            break;
    }
    if (echoOff)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &savedTerminal);
    if (terminal) {
        for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
            std::signal(signal, SIG_DFL);
        std::fputs("\n", stderr);
    }
    if (size > MaxInputBytes) {
        Secrets::cleanse(raw);
        return Errors::invalid(QStringLiteral("More than %1 bytes on standard input: that is not a signing secret. "
                                              "Pipe in the secret alone.")
                                   .arg(MaxInputBytes));
    }
    qsizetype begin = 0;
    qsizetype end = size;
    while (begin < end && std::isspace(static_cast<unsigned char>(raw.at(begin))))
        ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(raw.at(end - 1))))
        --end;
    QByteArray secret(raw.constData() + begin, end - begin);
    Secrets::cleanse(raw);
    if (secret.isEmpty()) {
        return Errors::invalid(QStringLiteral("No secret on standard input. Pipe it in, e.g. printf %s \"$SECRET\" | "
                                              "alfe webhook set-provider-secret ID (never on the command line)."));
    }
    return secret;
}

void printImported(Engine& engine, const Webhook& w, qint64 grace, bool hadOne)
{
    QString text = QStringLiteral("Imported the %1 signing secret of webhook %2 (version %3).\n")
                       .arg(providerName(w.provider), w.id)
                       .arg(w.providerSecretVersion);
    if (hadOne) {
        text += grace == 0 ? QStringLiteral("The previous one stopped verifying now.\n")
                           : QStringLiteral("The previous one verifies until %1 (%2 from now).\n")
                                 .arg(CliContext::localTime(w.previousProviderSecretExpiresAtMs), graceText(grace));
    }
    CliContext::out(text.toUtf8());
    printWebhook(engine, w);
}
} // namespace

int setProviderSecret(CliContext& context)
{
    CommandSpec command = webhookSpec(
        QStringLiteral("Import the signing secret a provider generated (Stripe's whsec_…, a Slack app's Signing "
                       "Secret, a Standard Webhooks sender's whsec_…), read from standard input, never from the "
                       "command line. A secret imported before keeps verifying for the grace period."),
        QStringLiteral("ID"), 1);
    command.maxArguments = 2; // to say why a secret given as an argument is refused
    command.options << QCommandLineOption(QStringLiteral("grace"),
                                          QStringLiteral("How long the previous provider secret stays valid: 0 "
                                                         "(ends now), 90s, 30m, 1h, 24h (default) ... 7d."),
                                          QStringLiteral("DURATION"))
                    << QCommandLineOption(QStringLiteral("tolerance"),
                                          QStringLiteral("How far a signed timestamp may be from now, in seconds "
                                                         "(default 300)."),
                                          QStringLiteral("SECONDS"))
                    << QCommandLineOption(QStringLiteral("clear"),
                                          QStringLiteral("Remove the provider secret (every version) instead."));
    if (auto done = context.parse(2, command))
        return *done;
    if (context.arguments().size() > 1) {
        return CliContext::usageError(QStringLiteral(
            "The secret is read from standard input, never from the command line (there it would stay in the shell's "
            "history and in the process list): printf %s \"$SECRET\" | alfe webhook set-provider-secret ID"));
    }
    const bool clear = context.isSet(QStringLiteral("clear"));
    if (clear && (context.isSet(QStringLiteral("grace")) || context.isSet(QStringLiteral("tolerance"))))
        return CliContext::usageError(QStringLiteral("--clear takes no --grace or --tolerance."));
    qint64 grace = WebhookStore::DefaultGraceSeconds;
    if (context.isSet(QStringLiteral("grace"))) {
        auto parsed = parseGrace(context.value(QStringLiteral("grace")));
        if (!parsed)
            return CliContext::fail(parsed.error());
        grace = parsed.value();
    }
    std::optional<int> tolerance;
    if (context.isSet(QStringLiteral("tolerance"))) {
        auto parsed = context.integer(QStringLiteral("tolerance"), WebhookStore::MinToleranceSeconds,
                                      WebhookStore::MaxToleranceSeconds);
        if (!parsed)
            return CliContext::fail(parsed.error());
        tolerance = int(parsed.value());
    }
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    WebhookStore& webhooks = context.engine().webhooks();
    const QString id = context.arguments().at(0);
    auto current = webhooks.get(id);
    if (!current)
        return CliContext::fail(current.error());

    if (clear) {
        auto cleared = webhooks.clearProviderSecret(id);
        if (!cleared)
            return CliContext::fail(cleared.error());
        if (context.json()) {
            CliContext::outJson(webhookJson(context.engine(), cleared.value()));
        } else {
            CliContext::outLine(
                current->providerSecretVersion == 0
                    ? QStringLiteral("Webhook %1 had no provider secret; nothing changed.").arg(id)
                    : QStringLiteral("Removed the provider secret of webhook %1: only Alfe's own secret verifies now.")
                          .arg(id));
        }
        return ExitOk;
    }

    auto read = readSecret();
    if (!read)
        return CliContext::fail(read.error());
    QByteArray secret = std::move(read.value());
    const Secrets::Wipe wipe(secret);
    // Both checked before anything is stored: a refused secret leaves the tolerance as it was.
    if (auto problem = WebhookStore::providerSecretProblem(current->provider, secret))
        return CliContext::usageError(*problem);
    auto imported = webhooks.setProviderSecret(id, secret, grace);
    if (!imported)
        return CliContext::fail(imported.error());
    if (tolerance) {
        imported = webhooks.setToleranceSeconds(id, *tolerance);
        if (!imported)
            return CliContext::fail(imported.error());
    }
    if (context.json())
        CliContext::outJson(webhookJson(context.engine(), imported.value()));
    else
        printImported(context.engine(), imported.value(), grace, current->providerSecretVersion > 0);
    return ExitOk;
}

int setTolerance(CliContext& context)
{
    if (auto done = context.parse(
            2, webhookSpec(QStringLiteral("Set how far a provider's signed timestamp (Stripe, Slack, Standard "
                                          "Webhooks) may be from now, either way, in seconds (default 300)."),
                           QStringLiteral("ID SECONDS"), 2)))
        return *done;
    bool ok = false;
    const QString text = context.arguments().at(1);
    const int seconds = text.toInt(&ok);
    if (!ok || seconds < WebhookStore::MinToleranceSeconds || seconds > WebhookStore::MaxToleranceSeconds) {
        return CliContext::usageError(QStringLiteral("SECONDS must be a whole number from %1 to %2, got \"%3\".")
                                          .arg(WebhookStore::MinToleranceSeconds)
                                          .arg(WebhookStore::MaxToleranceSeconds)
                                          .arg(text));
    }
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    auto updated = context.engine().webhooks().setToleranceSeconds(context.arguments().at(0), seconds);
    if (!updated)
        return CliContext::fail(updated.error());
    if (context.json())
        CliContext::outJson(webhookJson(context.engine(), updated.value()));
    else
        CliContext::outLine(QStringLiteral("Webhook %1 accepts signed timestamps up to %2 s from now, either way.")
                                .arg(updated->id)
                                .arg(seconds));
    return ExitOk;
}

} // namespace Alfe::Cli
