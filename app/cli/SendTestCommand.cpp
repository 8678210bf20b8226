// alfe send-test: signs a sample event (or a file) with the webhook's stored secret and posts it to the
// running ingress, the way a real sender would.
#include "CliContext.h"
#include "Commands.h"
#include "Engine.h"
#include "crypto/Secrets.h"
#include "crypto/SignatureSchemes.h"
#include "domain/Clock.h"
#include "domain/Ids.h"
#include "domain/SamplePayloads.h"
#include "ingress/TlsCredentials.h"
#include "store/Settings.h"
#include "store/WebhookStore.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace Alfe::Cli {

namespace {
constexpr int TimeoutMs = 30'000;

CommandSpec sendTestSpec()
{
    CommandSpec command;
    command.description = QStringLiteral(
        "Sign a sample event for the webhook's provider (GitHub push, Stripe invoice.paid, Slack app_mention, "
        "generic alfe.test) or the bytes of --file with the webhook's current secret, and POST it to the running "
        "ingress, as a real sender would.");
    command.arguments = QStringLiteral("WEBHOOK_ID");
    command.minArguments = 1;
    command.maxArguments = 1;
    command.keyFile = true;
    command.options << QCommandLineOption(QStringLiteral("file"),
                                          QStringLiteral("Send the exact bytes of FILE (JSON) instead of a sample."),
                                          QStringLiteral("FILE"))
                    << QCommandLineOption(QStringLiteral("event"),
                                          QStringLiteral("Event type header to send with --file (X-GitHub-Event for "
                                                         "github webhooks, X-Alfe-Event otherwise)."),
                                          QStringLiteral("TYPE"))
                    << QCommandLineOption(QStringLiteral("port"),
                                          QStringLiteral("Port of the local ingress (default: the configured port)."),
                                          QStringLiteral("N"))
                    << QCommandLineOption(
                           QStringLiteral("url"),
                           QStringLiteral("Base URL of the ingress instead, e.g. http://127.0.0.1:8787."),
                           QStringLiteral("BASE"));
    return command;
}

// The local address the ingress listens on, from the settings (an "any" address is reached on loopback).
QString localHost(const Settings& settings)
{
    QHostAddress address;
    if (!address.setAddress(settings.get(Settings::Key::BindAddress).toString()) ||
        address == QHostAddress(QHostAddress::AnyIPv4) || address == QHostAddress(QHostAddress::Any))
        return QStringLiteral("127.0.0.1");
    if (address == QHostAddress(QHostAddress::AnyIPv6))
        return QStringLiteral("[::1]");
    return address.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(address.toString())
                                                               : address.toString();
}

QString reasonOf(QNetworkReply* reply)
{
    return QString::fromUtf8(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
}

// The message of an error body, or its first line.
QString serverMessage(const QByteArray& body)
{
    const QJsonObject error = QJsonDocument::fromJson(body).object().value(QLatin1String("error")).toObject();
    const QString message = error.value(QLatin1String("message")).toString();
    if (!message.isEmpty())
        return message;
    return QString::fromUtf8(body).simplified().left(200);
}

struct Request
{
    QUrl url;
    QByteArray body;
    HeaderList headers;
    QSslCertificate pinned; // the running server's own certificate, trusted on its local URL
};

struct Answer
{
    int status = 0;
    QString reason;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorText;
};

Answer post(const Request& request)
{
    QNetworkAccessManager manager;
    const QHostAddress host(request.url.host());
    if (host.isLoopback() || request.url.host() == QLatin1String("localhost"))
        manager.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest networkRequest(request.url);
    networkRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    networkRequest.setTransferTimeout(TimeoutMs);
    for (const auto& [name, value] : request.headers)
        networkRequest.setRawHeader(name, value);
    QNetworkReply* reply = manager.post(networkRequest, request.body);
    TlsCredentials::acceptPinned(reply, request.pinned);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    Answer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.reason = reasonOf(reply);
    answer.body = reply->readAll();
    answer.error = reply->error();
    answer.errorText = reply->errorString();
    delete reply;
    return answer;
}
} // namespace

int runSendTest(CliContext& context)
{
    if (auto done = context.parse(1, sendTestSpec()))
        return *done;
    const QString webhookId = context.arguments().at(0);
    if (context.isSet(QStringLiteral("port")) && context.isSet(QStringLiteral("url")))
        return CliContext::usageError(QStringLiteral("Give either --port or --url, not both."));
    std::optional<quint16> port;
    if (context.isSet(QStringLiteral("port"))) {
        auto parsed = context.integer(QStringLiteral("port"), 1, 65535);
        if (!parsed)
            return CliContext::fail(parsed.error());
        port = quint16(parsed.value());
    }
    QUrl base;
    if (context.isSet(QStringLiteral("url"))) {
        base = QUrl(context.value(QStringLiteral("url")), QUrl::StrictMode);
        if (!base.isValid() || base.host().isEmpty() ||
            (base.scheme() != QLatin1String("http") && base.scheme() != QLatin1String("https"))) {
            return CliContext::usageError(QStringLiteral("--url \"%1\" is not an absolute http:// or https:// URL.")
                                              .arg(context.value(QStringLiteral("url"))));
        }
    }
    QByteArray fileBody;
    const QString filePath = context.value(QStringLiteral("file"));
    if (context.isSet(QStringLiteral("file"))) {
        QFile file(filePath);
        if (!file.open(QIODevice::ReadOnly))
            return CliContext::error(QStringLiteral("Cannot read %1: %2.").arg(filePath, file.errorString()));
        fileBody = file.readAll();
    }

    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    Engine& engine = context.engine();
    auto webhook = engine.webhooks().get(webhookId);
    if (!webhook)
        return CliContext::fail(webhook.error());

    Request request;
    QString eventType;
    if (context.isSet(QStringLiteral("file"))) {
        request.body = fileBody;
        eventType = context.value(QStringLiteral("event"));
        if (!eventType.isEmpty()) {
            request.headers << qMakePair(webhook->provider == Provider::GitHub ? QByteArray("X-GitHub-Event")
                                                                               : QByteArray("X-Alfe-Event"),
                                         eventType.toUtf8());
        }
    } else {
        SampleEvent sample = samplePayload(webhook->provider, webhookId, engine.clock().nowMs());
        request.body = sample.body;
        request.headers = sample.headers;
        eventType = sample.eventType;
    }
    request.headers << qMakePair(QByteArray("Content-Type"), QByteArray("application/json"));
    bool hasUserAgent = false;
    for (const auto& header : request.headers)
        hasUserAgent |= header.first == "User-Agent";
    if (!hasUserAgent) {
        request.headers << qMakePair(QByteArray("User-Agent"),
                                     "alfe-send-test/" + QCoreApplication::applicationVersion().toUtf8());
    }

    // Signed the way the provider's own sender would (Stripe-Signature for a stripe webhook with an imported
    // secret, X-Slack-Signature for slack, X-Hub-Signature-256 for github…), so the whole path is tried.
    QString scheme;
    {
        auto secrets = engine.webhooks().validSecrets(webhookId);
        if (!secrets)
            return CliContext::fail(secrets.error());
        auto providerSecrets = engine.webhooks().validProviderSecrets(webhookId);
        if (!providerSecrets) {
            for (QByteArray& s : secrets.value())
                Secrets::cleanse(s);
            return CliContext::fail(providerSecrets.error());
        }
        const SchemeKeys keys{secrets.value(), providerSecrets.value()};
        const SignatureScheme& sender = SignatureSchemes::senderScheme(webhook->provider, keys);
        scheme = sender.name();
        request.headers << sender.sign(request.body, keys, engine.clock().nowMs(),
                                       "msg_" + Ids::newDeliveryId(engine.clock().nowMs()).mid(4).toLatin1());
        for (QList<QByteArray>* list : {&secrets.value(), &providerSecrets.value()}) {
            for (QByteArray& s : *list)
                Secrets::cleanse(s);
        }
    }

    if (base.isEmpty() && !port) { // the server that runs on this data directory, if one does
        base = QUrl(engine.runningIngressLocalUrl());
        request.pinned = engine.runningIngressCertificate();
    }
    if (base.isEmpty()) {
        base = QUrl(QStringLiteral("http://%1:%2")
                        .arg(localHost(engine.settings()))
                        .arg(port.value_or(quint16(engine.settings().get(Settings::Key::Port).toUInt()))));
    }
    const Provider provider = webhook->provider;
    engine.close(); // nothing else needs the data directory

    QString path = base.path();
    if (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    request.url = base;
    request.url.setPath(path + QStringLiteral("/v1/hooks/") + webhookId);
    const QString baseText = base.toString(QUrl::RemovePath | QUrl::StripTrailingSlash);

    const Answer answer = post(request);
    if (answer.status == 0) {
        if (answer.error == QNetworkReply::ConnectionRefusedError) {
            return CliContext::error(QStringLiteral("The ingress at %1 is not reachable (connection refused). Is "
                                                    "'alfe serve' running? Pass --port or --url if it listens "
                                                    "elsewhere.")
                                         .arg(baseText));
        }
        return CliContext::error(QStringLiteral("The ingress at %1 is not reachable (%2). Is 'alfe serve' running?")
                                     .arg(baseText, answer.errorText));
    }
    if (answer.status < 200 || answer.status > 299) {
        return CliContext::error(QStringLiteral("The ingress answered HTTP %1 %2: %3")
                                     .arg(answer.status)
                                     .arg(answer.reason, serverMessage(answer.body)));
    }

    if (context.json()) {
        const QJsonDocument parsed = QJsonDocument::fromJson(answer.body);
        CliContext::outJson(QJsonObject{
            {QStringLiteral("url"), request.url.toString()},
            {QStringLiteral("provider"), providerName(provider)},
            {QStringLiteral("eventType"), eventType},
            {QStringLiteral("signedWith"), scheme},
            {QStringLiteral("bytes"), qint64(request.body.size())},
            {QStringLiteral("status"), answer.status},
            {QStringLiteral("response"),
             parsed.isObject() ? QJsonValue(parsed.object()) : QJsonValue(QString::fromUtf8(answer.body))},
        });
        return ExitOk;
    }
    QString text = QStringLiteral("Sent test event %1 (%2 bytes), signed with %3, to %4\nHTTP %5 %6\n")
                       .arg(eventType.isEmpty() ? providerName(provider) : eventType,
                            QString::number(request.body.size()), SignatureSchemes::describe(scheme),
                            request.url.toString(), QString::number(answer.status), answer.reason);
    if (!answer.body.isEmpty())
        text += QString::fromUtf8(answer.body).trimmed() + QLatin1Char('\n');
    CliContext::out(text.toUtf8());
    return ExitOk;
}

} // namespace Alfe::Cli
