// alfe listen: opens the agent's live stream (GET /v1/agents/me/stream, SPEC §12) with the agent's token and
// forwards each delivery to a local URL (--forward-to), or prints it (--print), until SIGINT/SIGTERM. The
// options are checked here; ListenCommandStream.cpp keeps the stream.
#include "CliContext.h"
#include "Commands.h"
#include "ListenCommandStream.h"
#include "SignalWatcher.h"
#include "crypto/Secrets.h"
#include "ingress/TlsCredentials.h"
#include "store/AgentStore.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QUrlQuery>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace Alfe::Cli {

namespace {
const QString StreamPath = QStringLiteral("/v1/agents/me/stream");
const QString TokenFromFile = QStringLiteral(
    "The agent token is read from a file (--token-file FILE), never from the command line, where it would stay in "
    "the shell's history and the process list.");

CommandSpec listenSpec()
{
    CommandSpec command;
    command.description = QStringLiteral(
        "Open the agent's live stream on an alfe server (GET /v1/agents/me/stream, a WebSocket) and hand each "
        "delivery to a local URL with the exact body and all forwarding headers (X-Alfe-Signature-256, "
        "webhook-signature...): a 2xx acknowledges it, anything else is a failed attempt that the server retries. "
        "Or print each delivery as a JSON line (--print). Reconnects with backoff until SIGINT or SIGTERM; stops "
        "when another listener of the same agent replaces the stream, or when the server refuses the token.");
    command.dataDir = false;
    command.json = false;
    command.maxArguments = 1; // to say why a token given as an argument is refused
    command.options << QCommandLineOption(QStringLiteral("server"),
                                          QStringLiteral("Base URL of the alfe server, e.g. http://127.0.0.1:8787 "
                                                         "(https://, ws:// and wss:// too)."),
                                          QStringLiteral("URL"))
                    << QCommandLineOption(QStringLiteral("token-file"),
                                          QStringLiteral("File that holds the agent's token (alfe_..., printed once "
                                                         "by 'alfe agent add')."),
                                          QStringLiteral("FILE"))
                    << QCommandLineOption(QStringLiteral("forward-to"),
                                          QStringLiteral("POST each delivery to this local http:// or https:// URL."),
                                          QStringLiteral("URL"))
                    << QCommandLineOption(QStringLiteral("print"),
                                          QStringLiteral("Print each delivery as one JSON line instead (the frame, "
                                                         "body in base64, plus bodyText when it is UTF-8) and "
                                                         "acknowledge it."))
                    << QCommandLineOption(QStringLiteral("window"),
                                          QStringLiteral("Deliveries handled at once, 1 to 256 (default: the "
                                                         "server's, 16)."),
                                          QStringLiteral("N"))
                    << QCommandLineOption(QStringLiteral("ca-file"),
                                          QStringLiteral("Also trust the CA certificates in this PEM file for an "
                                                         "https:// server (a private CA); the system's CAs are "
                                                         "always trusted."),
                                          QStringLiteral("FILE"));
    QCommandLineOption token(QStringLiteral("token"), QStringLiteral("Refused: use --token-file."),
                             QStringLiteral("TOKEN"));
    token.setFlags(QCommandLineOption::HiddenFromHelp);
    command.options << token;
    return command;
}

// --server as the stream's ws:// or wss:// URL.
Result<QUrl> streamUrl(const QString& text, std::optional<int> window)
{
    QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    static const QStringList schemes{QStringLiteral("http"), QStringLiteral("https"), QStringLiteral("ws"),
                                     QStringLiteral("wss")};
    if (!url.isValid() || url.host().isEmpty() || !schemes.contains(scheme) || url.hasQuery() || url.hasFragment() ||
        !url.userInfo().isEmpty()) {
        return Errors::invalid(QStringLiteral("--server \"%1\" is not the base URL of an alfe server, such as "
                                              "http://127.0.0.1:8787 (http://, https://, ws:// or wss://).")
                                   .arg(text));
    }
    url.setScheme(scheme == u"https" || scheme == u"wss" ? QStringLiteral("wss") : QStringLiteral("ws"));
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (!path.endsWith(StreamPath))
        path += StreamPath;
    url.setPath(path);
    if (window) {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("window"), QString::number(*window));
        url.setQuery(query);
    }
    return url;
}

// The token from --token-file: one line, whitespace around it trimmed. Errors never show the file's content.
Result<QByteArray> readToken(const QString& path)
{
    QFile file(path);
    const QFileInfo info(path);
    if (!info.exists()) {
        if (path.startsWith(QLatin1String("alfe_"))) // the token itself, given where its file belongs
            return Errors::invalid(TokenFromFile);
        return Errors::invalid(QStringLiteral("The token file %1 does not exist.").arg(path));
    }
    if (info.isDir())
        return Errors::invalid(
            QStringLiteral("The token file %1 is a directory; give the file that holds the token.").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        return Errors::invalid(QStringLiteral("Cannot read the token file %1: %2.").arg(path, file.errorString()));
    QByteArray content = file.read(64 * 1024 + 1);
    QByteArray token = content.trimmed();
    Secrets::cleanse(content);
    const auto refuse = [&token](const QString& message) -> Result<QByteArray> {
        Secrets::cleanse(token);
        return Errors::invalid(message);
    };
    if (token.isEmpty())
        return refuse(QStringLiteral("The token file %1 is empty; put the agent's token (alfe_..., printed once by "
                                     "'alfe agent add') in it.")
                          .arg(path));
    if (token.size() > 64 * 1024)
        return refuse(QStringLiteral("The token file %1 is too large to hold an agent token.").arg(path));
    for (const char c : std::as_const(token)) {
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f)
            return refuse(QStringLiteral("The token file %1 holds more than one word, or characters a token never "
                                         "has; it must hold the agent's token alone.")
                              .arg(path));
    }
    if (token.startsWith("whsec_"))
        return refuse(QStringLiteral("The token file %1 holds a webhook signing secret (whsec_...), not an agent "
                                     "token (alfe_..., printed once by 'alfe agent add').")
                          .arg(path));
    return token;
}

Result<ListenOptions> parseOptions(const CliContext& context)
{
    if (context.isSet(QStringLiteral("token")) || !context.arguments().isEmpty()) {
        if (context.isSet(QStringLiteral("token")) || context.arguments().constFirst().startsWith(u"alfe_"))
            return Errors::invalid(TokenFromFile);
        return Errors::invalid(QStringLiteral("unexpected argument \"%1\" (see 'alfe listen --help').")
                                   .arg(context.arguments().constFirst()));
    }
    if (!context.isSet(QStringLiteral("server")))
        return Errors::invalid(QStringLiteral("listen needs --server URL, the base URL of the alfe server (e.g. "
                                              "http://127.0.0.1:8787)."));
    if (!context.isSet(QStringLiteral("token-file")))
        return Errors::invalid(QStringLiteral("listen needs --token-file FILE, a file that holds the agent's "
                                              "token."));
    const bool print = context.isSet(QStringLiteral("print"));
    const bool forward = context.isSet(QStringLiteral("forward-to"));
    if (print == forward) {
        return Errors::invalid(print ? QStringLiteral("Give either --forward-to URL or --print, not both.")
                                     : QStringLiteral("listen needs --forward-to URL (a local receiver) or "
                                                      "--print."));
    }
    ListenOptions options;
    if (context.isSet(QStringLiteral("window"))) {
        auto window = context.integer(QStringLiteral("window"), 1, 256);
        if (!window)
            return window.error();
        options.window = int(window.value());
    }
    auto url = streamUrl(context.value(QStringLiteral("server")), options.window);
    if (!url)
        return url.error();
    options.streamUrl = url.value();
    if (context.isSet(QStringLiteral("ca-file"))) {
        if (options.streamUrl.scheme() != u"wss")
            return Errors::invalid(QStringLiteral("--ca-file is for an https:// (or wss://) --server; %1 is not one.")
                                       .arg(context.value(QStringLiteral("server"))));
        auto certificates =
            TlsCredentials::loadCertificates(context.value(QStringLiteral("ca-file")), QStringLiteral("CA file"));
        if (!certificates)
            return certificates.error();
        options.caCertificates = certificates.value();
    }
    if (forward) {
        auto target = AgentStore::validateForwardUrl(context.value(QStringLiteral("forward-to")));
        if (!target || target->isEmpty()) {
            return Errors::invalid(QStringLiteral("--forward-to \"%1\" is not an absolute http:// or https:// URL.")
                                       .arg(context.value(QStringLiteral("forward-to"))));
        }
        options.forwardTo = QUrl(target.value());
    }
    options.tokenFile = context.value(QStringLiteral("token-file"));
    auto token = readToken(options.tokenFile);
    if (!token)
        return token.error();
    options.token = token.value();
    return options;
}
} // namespace

int runListen(CliContext& context)
{
    if (auto done = context.parse(1, listenSpec()))
        return *done;
    auto options = parseOptions(context);
    if (!options)
        return CliContext::fail(options.error());

    SignalWatcher signalWatcher;
    if (!signalWatcher.watch({SIGINT, SIGTERM})) {
        return CliContext::error(QStringLiteral("Cannot install the SIGINT/SIGTERM handlers: %1.")
                                     .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    ::signal(SIGPIPE, SIG_IGN); // a closed stdout is an error to report, not a silent death

    int exitCode = ExitOk;
    ListenStream stream(options.value());
    Secrets::cleanse(options->token);
    QObject::connect(&stream, &ListenStream::finished, &stream, [&exitCode](int code) {
        exitCode = code;
        QCoreApplication::quit();
    });
    QObject::connect(&signalWatcher, &SignalWatcher::received, &stream, [&stream] { stream.stop(); });
    stream.start();
    QCoreApplication::exec();
    return exitCode;
}

} // namespace Alfe::Cli
