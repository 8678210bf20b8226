#include "domain/SamplePayloads.h"

#include "domain/Random.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace Alfe {

namespace {
// n random characters from `alphabet` (ids only, not secrets).
QString randomText(int n, QLatin1String alphabet)
{
    const QByteArray bytes = Random::bytes(n);
    QString text;
    text.reserve(n);
    for (char byte : bytes)
        text += QLatin1Char(alphabet.at(qsizetype(uchar(byte)) % alphabet.size()));
    return text;
}

QString alphanumeric(int n)
{
    return randomText(n, QLatin1String("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"));
}

QString upperAlphanumeric(int n)
{
    return randomText(n, QLatin1String("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

SampleEvent gitHubPush(qint64 nowMs)
{
    const QString before = QString::fromLatin1(Random::bytes(20).toHex());
    const QString after = QString::fromLatin1(Random::bytes(20).toHex());
    const QString repoUrl = QStringLiteral("https://github.com/octocat/hello-world");
    const QJsonObject person{{QStringLiteral("name"), QStringLiteral("The Octocat")},
                             {QStringLiteral("email"), QStringLiteral("octocat@github.com")},
                             {QStringLiteral("username"), QStringLiteral("octocat")}};
    const QJsonObject commit{
        {QStringLiteral("id"), after},
        {QStringLiteral("tree_id"), QString::fromLatin1(Random::bytes(20).toHex())},
        {QStringLiteral("distinct"), true},
        {QStringLiteral("message"), QStringLiteral("Update README.md (test event from alfe send-test)")},
        {QStringLiteral("timestamp"), isoTime(nowMs)},
        {QStringLiteral("url"), repoUrl + QStringLiteral("/commit/") + after},
        {QStringLiteral("author"), person},
        {QStringLiteral("committer"), person},
        {QStringLiteral("added"), QJsonArray()},
        {QStringLiteral("removed"), QJsonArray()},
        {QStringLiteral("modified"), QJsonArray{QStringLiteral("README.md")}},
    };
    const QJsonObject user{{QStringLiteral("login"), QStringLiteral("octocat")},
                           {QStringLiteral("id"), 583231},
                           {QStringLiteral("type"), QStringLiteral("User")},
                           {QStringLiteral("html_url"), QStringLiteral("https://github.com/octocat")}};
    const QJsonObject body{
        {QStringLiteral("ref"), QStringLiteral("refs/heads/main")},
        {QStringLiteral("before"), before},
        {QStringLiteral("after"), after},
        {QStringLiteral("created"), false},
        {QStringLiteral("deleted"), false},
        {QStringLiteral("forced"), false},
        {QStringLiteral("base_ref"), QJsonValue()},
        {QStringLiteral("compare"), repoUrl + QStringLiteral("/compare/%1...%2").arg(before.left(12), after.left(12))},
        {QStringLiteral("commits"), QJsonArray{commit}},
        {QStringLiteral("head_commit"), commit},
        {QStringLiteral("repository"), QJsonObject{{QStringLiteral("id"), 1296269},
                                                   {QStringLiteral("name"), QStringLiteral("hello-world")},
                                                   {QStringLiteral("full_name"), QStringLiteral("octocat/hello-world")},
                                                   {QStringLiteral("private"), false},
                                                   {QStringLiteral("owner"), user},
                                                   {QStringLiteral("html_url"), repoUrl},
                                                   {QStringLiteral("default_branch"), QStringLiteral("main")}}},
        {QStringLiteral("pusher"), QJsonObject{{QStringLiteral("name"), QStringLiteral("octocat")},
                                               {QStringLiteral("email"), QStringLiteral("octocat@github.com")}}},
        {QStringLiteral("sender"), user},
    };
    return {QStringLiteral("push"),
            compact(body),
            {{"X-GitHub-Event", "push"},
             {"X-GitHub-Delivery", QUuid::createUuid().toByteArray(QUuid::WithoutBraces)},
             {"X-GitHub-Hook-ID", "alfe-test"}}};
}

SampleEvent stripeInvoicePaid(qint64 nowMs)
{
    const qint64 created = nowMs / 1000;
    const QString invoiceId = QStringLiteral("in_") + alphanumeric(24);
    const QString customer = QStringLiteral("cus_") + alphanumeric(14);
    const QString subscription = QStringLiteral("sub_") + alphanumeric(24);
    const QJsonObject line{
        {QStringLiteral("id"), QStringLiteral("il_") + alphanumeric(24)},
        {QStringLiteral("object"), QStringLiteral("line_item")},
        {QStringLiteral("amount"), 2000},
        {QStringLiteral("currency"), QStringLiteral("usd")},
        {QStringLiteral("description"), QStringLiteral("1 × Agent plan (at $20.00 / month)")},
        {QStringLiteral("period"),
         QJsonObject{{QStringLiteral("start"), created}, {QStringLiteral("end"), created + 30 * 86400}}},
        {QStringLiteral("quantity"), 1},
        {QStringLiteral("subscription"), subscription},
        {QStringLiteral("type"), QStringLiteral("subscription")},
    };
    const QJsonObject invoice{
        {QStringLiteral("id"), invoiceId},
        {QStringLiteral("object"), QStringLiteral("invoice")},
        {QStringLiteral("account_country"), QStringLiteral("US")},
        {QStringLiteral("amount_due"), 2000},
        {QStringLiteral("amount_paid"), 2000},
        {QStringLiteral("amount_remaining"), 0},
        {QStringLiteral("attempt_count"), 1},
        {QStringLiteral("attempted"), true},
        {QStringLiteral("billing_reason"), QStringLiteral("subscription_cycle")},
        {QStringLiteral("collection_method"), QStringLiteral("charge_automatically")},
        {QStringLiteral("created"), created},
        {QStringLiteral("currency"), QStringLiteral("usd")},
        {QStringLiteral("customer"), customer},
        {QStringLiteral("customer_email"), QStringLiteral("jenny.rosen@example.com")},
        {QStringLiteral("hosted_invoice_url"), QStringLiteral("https://invoice.stripe.com/i/acct_test/") + invoiceId},
        {QStringLiteral("lines"),
         QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                     {QStringLiteral("data"), QJsonArray{line}},
                     {QStringLiteral("has_more"), false},
                     {QStringLiteral("total_count"), 1},
                     {QStringLiteral("url"), QStringLiteral("/v1/invoices/%1/lines").arg(invoiceId)}}},
        {QStringLiteral("livemode"), false},
        {QStringLiteral("number"), QStringLiteral("ALFE-%1-0001").arg(upperAlphanumeric(6))},
        {QStringLiteral("paid"), true},
        {QStringLiteral("status"), QStringLiteral("paid")},
        {QStringLiteral("subscription"), subscription},
        {QStringLiteral("subtotal"), 2000},
        {QStringLiteral("total"), 2000},
    };
    const QJsonObject body{
        {QStringLiteral("id"), QStringLiteral("evt_") + alphanumeric(24)},
        {QStringLiteral("object"), QStringLiteral("event")},
        {QStringLiteral("api_version"), QStringLiteral("2024-06-20")},
        {QStringLiteral("created"), created},
        {QStringLiteral("data"), QJsonObject{{QStringLiteral("object"), invoice}}},
        {QStringLiteral("livemode"), false},
        {QStringLiteral("pending_webhooks"), 1},
        {QStringLiteral("request"),
         QJsonObject{{QStringLiteral("id"), QJsonValue()}, {QStringLiteral("idempotency_key"), QJsonValue()}}},
        {QStringLiteral("type"), QStringLiteral("invoice.paid")},
    };
    return {QStringLiteral("invoice.paid"),
            compact(body),
            {{"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}}};
}

SampleEvent slackAppMention(qint64 nowMs)
{
    const qint64 seconds = nowMs / 1000;
    const QString ts = QStringLiteral("%1.%2").arg(seconds).arg(nowMs % 1000 * 1000, 6, 10, QLatin1Char('0'));
    const QString team = QStringLiteral("T") + upperAlphanumeric(10);
    const QString botUser = QStringLiteral("U") + upperAlphanumeric(10);
    const QJsonObject body{
        {QStringLiteral("token"), QStringLiteral("alfe-test-verification-token")},
        {QStringLiteral("team_id"), team},
        {QStringLiteral("api_app_id"), QStringLiteral("A") + upperAlphanumeric(10)},
        {QStringLiteral("event"),
         QJsonObject{
             {QStringLiteral("type"), QStringLiteral("app_mention")},
             {QStringLiteral("user"), QStringLiteral("U") + upperAlphanumeric(10)},
             {QStringLiteral("text"), QStringLiteral("<@%1> is the build green? (test event from alfe)").arg(botUser)},
             {QStringLiteral("ts"), ts},
             {QStringLiteral("channel"), QStringLiteral("C") + upperAlphanumeric(10)},
             {QStringLiteral("event_ts"), ts}}},
        {QStringLiteral("type"), QStringLiteral("event_callback")},
        {QStringLiteral("event_id"), QStringLiteral("Ev") + upperAlphanumeric(10)},
        {QStringLiteral("event_time"), seconds},
        {QStringLiteral("authorizations"), QJsonArray{QJsonObject{{QStringLiteral("enterprise_id"), QJsonValue()},
                                                                  {QStringLiteral("team_id"), team},
                                                                  {QStringLiteral("user_id"), botUser},
                                                                  {QStringLiteral("is_bot"), true},
                                                                  {QStringLiteral("is_enterprise_install"), false}}}},
        {QStringLiteral("is_ext_shared_channel"), false},
    };
    return {
        QStringLiteral("app_mention"), compact(body), {{"User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"}}};
}

SampleEvent generic(const QString& webhookId, qint64 nowMs)
{
    const QJsonObject body{
        {QStringLiteral("type"), QStringLiteral("alfe.test")},
        {QStringLiteral("id"), QStringLiteral("evt_") + alphanumeric(24)},
        {QStringLiteral("sentAt"), QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC).toString(Qt::ISODateWithMs)},
        {QStringLiteral("webhookId"), webhookId},
        {QStringLiteral("message"), QStringLiteral("A test event sent by alfe send-test.")},
    };
    return {QStringLiteral("alfe.test"), compact(body), {}};
}
} // namespace

SampleEvent samplePayload(Provider provider, const QString& webhookId, qint64 nowMs)
{
    switch (provider) {
    case Provider::GitHub:
        return gitHubPush(nowMs);
    case Provider::Stripe:
        return stripeInvoicePaid(nowMs);
    case Provider::Slack:
        return slackAppMention(nowMs);
    case Provider::Generic:
        break;
    }
    return generic(webhookId, nowMs);
}

} // namespace Alfe
