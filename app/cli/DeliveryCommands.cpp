// alfe deliveries list | show | retry | refused
#include "CliContext.h"
#include "Commands.h"
#include "Engine.h"
#include "api/ApiJson.h"
#include "crypto/SignatureSchemes.h"
#include "delivery/BulkRetry.h"
#include "domain/HeaderRedaction.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringDecoder>

namespace Alfe::Cli {

namespace {
constexpr int DefaultLimit = 50;

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

QCommandLineOption webhookOption(const QString& description)
{
    return {QStringLiteral("webhook"), description, QStringLiteral("ID")};
}

QStringList statusNames()
{
    QStringList names;
    for (auto status : {DeliveryStatus::Queued, DeliveryStatus::Delivering, DeliveryStatus::Retrying,
                        DeliveryStatus::Delivered, DeliveryStatus::Failed, DeliveryStatus::Duplicate})
        names << deliveryStatusName(status);
    return names;
}

QString orDash(const QString& text)
{
    return text.isEmpty() ? QStringLiteral("-") : text;
}

template <typename T>
QString orDash(const std::optional<T>& value)
{
    return value ? QString::number(*value) : QStringLiteral("-");
}

// The webhook a filter names must exist (deleted ones count: their deliveries stay readable).
Result<void> checkWebhook(Engine& engine, const QString& id)
{
    if (engine.webhooks().ownerOf(id).isEmpty())
        return Errors::notFound(QStringLiteral("No webhook with id %1.").arg(id));
    return {};
}

int list(CliContext& context)
{
    CommandSpec command = spec(QStringLiteral("List received deliveries, newest first."));
    command.options
        << webhookOption(QStringLiteral("Only this webhook's deliveries."))
        << QCommandLineOption(
               QStringLiteral("status"),
               QStringLiteral("Only deliveries in this status: %1.").arg(statusNames().join(QStringLiteral(", "))),
               QStringLiteral("S"))
        << QCommandLineOption(QStringLiteral("limit"),
                              QStringLiteral("At most N deliveries, 1 to %1 (default %2).")
                                  .arg(DeliveryStore::MaxPageSize)
                                  .arg(DefaultLimit),
                              QStringLiteral("N"))
        << QCommandLineOption(QStringLiteral("cursor"),
                              QStringLiteral("Continue after the last page (printed with it)."), QStringLiteral("C"));
    if (auto done = context.parse(2, command))
        return *done;

    DeliveryFilter filter;
    filter.limit = DefaultLimit;
    filter.webhookId = context.value(QStringLiteral("webhook"));
    filter.cursor = context.value(QStringLiteral("cursor"));
    if (context.isSet(QStringLiteral("status"))) {
        const QString name = context.value(QStringLiteral("status"));
        filter.status = deliveryStatusFromName(name);
        if (!filter.status) {
            return CliContext::usageError(QStringLiteral("Unknown status \"%1\"; use one of: %2.")
                                              .arg(name, statusNames().join(QStringLiteral(", "))));
        }
    }
    if (context.isSet(QStringLiteral("limit"))) {
        auto limit = context.integer(QStringLiteral("limit"), 1, DeliveryStore::MaxPageSize);
        if (!limit)
            return CliContext::fail(limit.error());
        filter.limit = int(limit.value());
    }
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    Engine& engine = context.engine();
    if (context.isSet(QStringLiteral("webhook"))) {
        if (auto known = checkWebhook(engine, filter.webhookId); !known)
            return CliContext::fail(known.error());
    }
    auto page = engine.deliveries().list(filter);
    if (!page)
        return CliContext::fail(page.error());

    if (context.json()) {
        QJsonArray array;
        for (const Delivery& delivery : page->items)
            array.append(ApiJson::deliverySummary(delivery));
        CliContext::outJson(array);
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const Delivery& d : page->items) {
        rows << QStringList{d.id,
                            CliContext::localTime(d.receivedAtMs),
                            d.webhookId,
                            providerName(d.provider),
                            orDash(d.eventType),
                            deliveryStatusName(d.status),
                            QString::number(d.attemptCount),
                            orDash(d.lastStatusCode)};
    }
    QString text = CliContext::table({QStringLiteral("ID"), QStringLiteral("RECEIVED"), QStringLiteral("WEBHOOK"),
                                      QStringLiteral("PROVIDER"), QStringLiteral("EVENT"), QStringLiteral("STATUS"),
                                      QStringLiteral("ATTEMPTS"), QStringLiteral("LAST CODE")},
                                     rows);
    if (!page->nextCursor.isEmpty())
        text += QStringLiteral("More deliveries: add --cursor %1\n").arg(page->nextCursor);
    CliContext::out(text.toUtf8());
    return ExitOk;
}

// "#2  2024-05-01 14:02:11  via stream  HTTP 200  12 ms": via is "http" (the forward URL) or "stream" (the
// agent's live stream), where an ack that names no status code of the agent's own reads "acknowledged".
QString attemptText(const Attempt& attempt)
{
    QString text = QStringLiteral("#%1  %2  via %3")
                       .arg(attempt.n)
                       .arg(CliContext::localTime(attempt.startedAtMs), orDash(attempt.via));
    if (attempt.statusCode)
        text += QStringLiteral("  HTTP %1").arg(*attempt.statusCode);
    if (!attempt.error.isEmpty())
        text += QStringLiteral("  %1").arg(attempt.error);
    const bool answered = attempt.statusCode || !attempt.error.isEmpty();
    if (attempt.durationMs && !answered && attempt.via == QLatin1String("stream"))
        text += QStringLiteral("  acknowledged");
    if (attempt.durationMs)
        text += QStringLiteral("  %1 ms").arg(*attempt.durationMs);
    else if (!answered)
        text += QStringLiteral("  (in progress)");
    return text;
}

int show(CliContext& context)
{
    if (auto done =
            context.parse(2, spec(QStringLiteral("Show one delivery: summary, request headers, body and attempts."),
                                  QStringLiteral("ID"), 1)))
        return *done;
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    auto delivery = context.engine().deliveries().get(context.arguments().at(0));
    if (!delivery)
        return CliContext::fail(delivery.error());
    const Delivery& d = delivery.value();
    if (context.json()) {
        CliContext::outJson(ApiJson::deliveryDetail(d));
        return ExitOk;
    }

    QList<QPair<QString, QString>> summary{
        {QStringLiteral("id"), d.id},
        {QStringLiteral("webhook"), d.webhookId},
        {QStringLiteral("received"), CliContext::localTime(d.receivedAtMs)},
        {QStringLiteral("provider"), providerName(d.provider)},
        {QStringLiteral("verified by"), orDash(SignatureSchemes::describe(d.verifiedBy))},
        {QStringLiteral("event"), orDash(d.eventType)},
        {QStringLiteral("status"), deliveryStatusName(d.status)},
        {QStringLiteral("attempts"), QString::number(d.attemptCount)},
        {QStringLiteral("last code"), orDash(d.lastStatusCode)},
        {QStringLiteral("next attempt"), CliContext::localTime(d.nextAttemptAtMs)},
        {QStringLiteral("content type"), orDash(d.contentType)},
        {QStringLiteral("dedup key"), orDash(d.dedupKey)},
    };
    if (!d.duplicateOf.isEmpty())
        summary << QPair<QString, QString>(QStringLiteral("duplicate of"), d.duplicateOf);
    QString text = CliContext::fields(summary);

    text += QStringLiteral("\nHeaders:\n");
    for (const auto& [name, value] : HeaderRedaction::forDisplay(d.headers))
        text += QStringLiteral("  %1: %2\n").arg(QString::fromLatin1(name), QString::fromUtf8(value));
    if (d.headers.isEmpty())
        text += QStringLiteral("  (none)\n");

    auto decoder = QStringDecoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString body = decoder.decode(d.body);
    if (decoder.hasError()) {
        text += QStringLiteral("\nBody: %1 bytes, not UTF-8 text (use --json for its base64).\n").arg(d.body.size());
    } else {
        text += QStringLiteral("\nBody (%1 bytes):\n").arg(d.body.size()) + body;
        if (!body.endsWith(QLatin1Char('\n')))
            text += QLatin1Char('\n');
    }

    text += QStringLiteral("\nAttempts:\n");
    for (const Attempt& attempt : d.attempts)
        text += QStringLiteral("  ") + attemptText(attempt) + QLatin1Char('\n');
    if (d.attempts.isEmpty())
        text += QStringLiteral("  (none)\n");
    CliContext::out(text.toUtf8());
    return ExitOk;
}

int retryAllFailed(CliContext& context)
{
    Engine& engine = context.engine();
    DeliveryFilter filter;
    filter.status = DeliveryStatus::Failed;
    filter.webhookId = context.value(QStringLiteral("webhook"));
    if (context.isSet(QStringLiteral("webhook"))) {
        if (auto known = checkWebhook(engine, filter.webhookId); !known)
            return CliContext::fail(known.error());
    }
    BulkRetry bulk(engine.deliveries(), filter);
    QString error;
    bool ended = false;
    QEventLoop loop;
    QObject::connect(&bulk, &BulkRetry::finished, &loop, [&](int, bool, const QString& message) {
        error = message;
        ended = true;
        loop.quit();
    });
    bulk.start();
    if (!ended)
        loop.exec();
    if (!error.isEmpty())
        return CliContext::fail(Errors::storage(error));
    if (context.json()) {
        CliContext::outJson(QJsonObject{{QStringLiteral("queued"), bulk.done()}});
    } else {
        CliContext::outLine(QStringLiteral("Queued %1 failed deliveries again; a running alfe serve sends them "
                                           "within a second.")
                                .arg(bulk.done()));
    }
    return ExitOk;
}

int retry(CliContext& context)
{
    CommandSpec command = spec(QStringLiteral("Queue a delivery to be sent to its agent again, whatever its status "
                                              "(a replay when it was delivered), or every failed one."),
                               QStringLiteral("[ID]"));
    command.maxArguments = 1;
    command.options << QCommandLineOption(QStringLiteral("all-failed"), QStringLiteral("Queue every failed delivery."))
                    << webhookOption(QStringLiteral("With --all-failed: only this webhook's deliveries."));
    if (auto done = context.parse(2, command))
        return *done;
    const bool all = context.isSet(QStringLiteral("all-failed"));
    if (all == !context.arguments().isEmpty()) {
        return CliContext::usageError(QStringLiteral("deliveries retry needs either a delivery ID or --all-failed."));
    }
    if (!all && context.isSet(QStringLiteral("webhook")))
        return CliContext::usageError(QStringLiteral("--webhook goes with --all-failed, not with a delivery ID."));
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    if (all)
        return retryAllFailed(context);

    auto queued = context.engine().deliveries().requeue(context.arguments().at(0));
    if (!queued)
        return CliContext::fail(queued.error());
    if (context.json())
        CliContext::outJson(ApiJson::deliverySummary(queued.value()));
    else
        CliContext::outLine(QStringLiteral("Delivery %1 is queued to be sent again.").arg(queued->id));
    return ExitOk;
}

int refused(CliContext& context)
{
    CommandSpec command = spec(QStringLiteral("List requests the ingress refused (bad signature, unknown or disabled "
                                              "webhook, too large, …), newest first: why a sender fails."));
    command.options << webhookOption(QStringLiteral("Only requests to this webhook."))
                    << QCommandLineOption(QStringLiteral("limit"),
                                          QStringLiteral("At most N requests, 1 to %1 (default %2).")
                                              .arg(DeliveryStore::MaxPageSize)
                                              .arg(DefaultLimit),
                                          QStringLiteral("N"));
    if (auto done = context.parse(2, command))
        return *done;
    int limit = DefaultLimit;
    if (context.isSet(QStringLiteral("limit"))) {
        auto parsed = context.integer(QStringLiteral("limit"), 1, DeliveryStore::MaxPageSize);
        if (!parsed)
            return CliContext::fail(parsed.error());
        limit = int(parsed.value());
    }
    if (auto opened = context.openEngine(false); !opened)
        return CliContext::fail(opened.error());
    DeliveryStore::RefusedQuery query;
    query.webhookId = context.value(QStringLiteral("webhook"));
    query.limit = limit;
    query.withBodies = context.json(); // the table shows no headers or bodies
    auto entries = context.engine().deliveries().refused(query);
    if (!entries)
        return CliContext::fail(entries.error());
    if (context.json()) {
        QJsonArray array;
        for (const RefusedEntry& e : entries.value())
            array.append(ApiJson::refused(e));
        CliContext::outJson(array);
        return ExitOk;
    }
    QList<QStringList> rows;
    for (const RefusedEntry& e : entries.value()) {
        rows << QStringList{CliContext::localTime(e.receivedAtMs),
                            QString::number(e.status),
                            e.reason,
                            e.method,
                            e.path,
                            orDash(e.remoteAddress),
                            orDash(e.detail)};
    }
    CliContext::out(CliContext::table({QStringLiteral("RECEIVED"), QStringLiteral("STATUS"), QStringLiteral("REASON"),
                                       QStringLiteral("METHOD"), QStringLiteral("PATH"), QStringLiteral("FROM"),
                                       QStringLiteral("WHY")},
                                      rows)
                        .toUtf8());
    return ExitOk;
}

} // namespace

int runDeliveryCommand(CliContext& context)
{
    static const QList<SubcommandHelp> subcommands{
        {QStringLiteral("list"), QStringLiteral("[--webhook ID] [--status S] [--limit N]: newest first"), list},
        {QStringLiteral("show"), QStringLiteral("ID: summary, headers, body and attempts"), show},
        {QStringLiteral("retry"), QStringLiteral("ID | --all-failed: queue again"), retry},
        {QStringLiteral("refused"), QStringLiteral("[--webhook ID] [--limit N]: requests the ingress refused, and why"),
         refused},
    };
    return context.dispatch(1, QStringLiteral("Deliveries: the requests the ingress accepted."), subcommands);
}

} // namespace Alfe::Cli
