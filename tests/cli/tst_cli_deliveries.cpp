// alfe deliveries list | show | retry over deliveries stored the way the ingress stores them.
#include "CliRunner.h"

#include "Engine.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
// Stores a delivery the way the ingress would, in the test's own engine.
QString storeDelivery(Engine& engine, const QString& webhookId, const QByteArray& body, const QString& dedupKey,
                      const QString& eventType = QStringLiteral("push"))
{
    IncomingDelivery in;
    in.webhookId = webhookId;
    in.provider = Provider::GitHub;
    in.eventType = eventType;
    in.dedupKey = dedupKey;
    in.contentType = QStringLiteral("application/json");
    in.headers = {{"Content-Type", "application/json"}, {"X-GitHub-Event", eventType.toUtf8()}};
    in.body = body;
    QString id;
    const auto stored = engine.database().transaction([&]() -> Result<void> {
        auto inserted = engine.deliveries().insert(in);
        if (!inserted)
            return inserted.error();
        id = inserted->deliveryId;
        return {};
    });
    return stored ? id : QString();
}
} // namespace

class TestCliDeliveries final : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_cli = std::make_unique<CliRunner>(); }
    void cleanup() { m_cli.reset(); }

    void deliveriesListShowRetry();
    void deliveriesListFilters();
    void deliveriesErrors();

private:
    std::unique_ptr<CliRunner> m_cli;
};

void TestCliDeliveries::deliveriesListShowRetry()
{
    const auto webhook = m_cli->createWebhook(m_cli->addAgent(), QStringLiteral("github"));
    QVERIFY(!webhook.first.isEmpty());
    const QByteArray jsonBody = R"({"zen":"Keep it logically awesome.","hook_id":1})";
    static const char raw[] = "\xff\xfe\x00\x01 not text";
    const QByteArray binaryBody(raw, sizeof raw - 1);
    QString first;
    QString binary;
    QString duplicate;
    {
        auto engine = m_cli->openEngine();
        first = storeDelivery(*engine, webhook.first, jsonBody, QStringLiteral("gh-1"));
        binary = storeDelivery(*engine, webhook.first, binaryBody, QStringLiteral("gh-2"), QStringLiteral("ping"));
        duplicate = storeDelivery(*engine, webhook.first, jsonBody, QStringLiteral("gh-1"));
    }
    QVERIFY(!first.isEmpty() && !binary.isEmpty() && !duplicate.isEmpty());

    const CliResult list = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list")});
    ALFE_VERIFY_OK(list);
    const QList<QByteArray> lines = list.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines.at(0).startsWith("ID") && lines.at(0).contains("STATUS"));
    for (const QString& id : {first, binary, duplicate})
        QVERIFY2(list.out.contains(id.toUtf8()), list.describe().constData());
    QVERIFY(list.out.contains("duplicate") && list.out.contains("queued") && list.out.contains("ping"));

    const CliResult listJson =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(listJson);
    const QJsonArray array = listJson.json().array();
    QCOMPARE(array.size(), 3);
    for (const char* key : {"id", "webhookId", "receivedAt", "provider", "eventType", "status", "attemptCount"})
        QVERIFY2(array.at(0).toObject().contains(QLatin1String(key)), key);

    const CliResult show = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), first});
    ALFE_VERIFY_OK(show);
    QCOMPARE(show.field(QStringLiteral("id")), first);
    QCOMPARE(show.field(QStringLiteral("webhook")), webhook.first);
    QCOMPARE(show.field(QStringLiteral("event")), QStringLiteral("push"));
    QCOMPARE(show.field(QStringLiteral("status")), QStringLiteral("queued"));
    QVERIFY(show.out.contains("\nHeaders:\n  Content-Type: application/json\n  X-GitHub-Event: push\n"));
    QVERIFY(show.out.contains("\nBody (" + QByteArray::number(jsonBody.size()) + " bytes):\n" + jsonBody + "\n"));
    QVERIFY(show.out.contains("\nAttempts:\n  (none)\n"));

    const CliResult showBinary = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), binary});
    ALFE_VERIFY_OK(showBinary);
    QVERIFY2(showBinary.out.contains("Body: 13 bytes, not UTF-8 text"), showBinary.describe().constData());
    QVERIFY(!showBinary.out.contains(binaryBody));
    const CliResult showBinaryJson =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), binary, QStringLiteral("--json")});
    ALFE_VERIFY_OK(showBinaryJson);
    QCOMPARE(
        QByteArray::fromBase64(showBinaryJson.json().object().value(QLatin1String("bodyBase64")).toString().toLatin1()),
        binaryBody);

    const CliResult showDuplicate = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), duplicate});
    QCOMPARE(showDuplicate.field(QStringLiteral("duplicate of")), first);

    const CliResult retried = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), binary});
    ALFE_VERIFY_OK(retried);
    QVERIFY(retried.out.contains("Delivery " + binary.toUtf8() + " is queued"));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), duplicate}), 1,
                      QStringLiteral("is a duplicate of %1; retry the original").arg(first));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), QStringLiteral("dlv_nope")}),
                      1, QStringLiteral("No delivery with id dlv_nope"));
}

void TestCliDeliveries::deliveriesListFilters()
{
    const auto a = m_cli->createWebhook(m_cli->addAgent(), QStringLiteral("github"));
    const auto b = m_cli->createWebhook(m_cli->addAgent(QStringLiteral("other")), QStringLiteral("github"));
    QVERIFY(!a.first.isEmpty() && !b.first.isEmpty());
    QStringList ofA;
    QString ofB;
    {
        auto engine = m_cli->openEngine();
        for (int i = 0; i < 3; ++i)
            ofA << storeDelivery(*engine, a.first, R"({"n":)" + QByteArray::number(i) + '}',
                                 QStringLiteral("a-%1").arg(i));
        ofB = storeDelivery(*engine, b.first, R"({"n":"b"})", QStringLiteral("b-1"));
        storeDelivery(*engine, a.first, R"({"n":0})", QStringLiteral("a-0")); // a duplicate
    }

    const CliResult byWebhook = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"),
                                            QStringLiteral("--webhook"), b.first, QStringLiteral("--json")});
    ALFE_VERIFY_OK(byWebhook);
    QCOMPARE(byWebhook.json().array().size(), 1);
    QCOMPARE(byWebhook.json().array().at(0).toObject().value(QLatin1String("id")).toString(), ofB);

    const CliResult byStatus =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--status"),
                    QStringLiteral("duplicate"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(byStatus);
    QCOMPARE(byStatus.json().array().size(), 1);
    QCOMPARE(byStatus.json().array().at(0).toObject().value(QLatin1String("duplicateOf")).toString(), ofA.at(0));

    const CliResult limited = m_cli->run(
        {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"), QStringLiteral("2")});
    ALFE_VERIFY_OK(limited);
    QCOMPARE(limited.out.trimmed().split('\n').size(), 4); // header, 2 rows, the "more" line
    const QRegularExpression more(QStringLiteral("More deliveries: add --cursor (\\S+)"));
    const auto cursor = more.match(QString::fromUtf8(limited.out));
    QVERIFY2(cursor.hasMatch(), limited.describe().constData());
    const CliResult next =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"),
                    QStringLiteral("2"), QStringLiteral("--cursor"), cursor.captured(1), QStringLiteral("--json")});
    ALFE_VERIFY_OK(next);
    QCOMPARE(next.json().array().size(), 2);
    const CliResult last = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--limit"),
                                       QStringLiteral("4"), QStringLiteral("--json")});
    QCOMPARE(last.json().array().size(), 4);

    const CliResult none = m_cli->run(
        {QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--status"), QStringLiteral("failed")});
    ALFE_VERIFY_OK(none);
    QCOMPARE(none.out, QByteArray("(none)\n"));
}

void TestCliDeliveries::deliveriesErrors()
{
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), QStringLiteral("dlv_nope")}), 1,
                      QStringLiteral("No delivery with id dlv_nope."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--webhook"),
                                  QStringLiteral("whk_nope")}),
                      1, QStringLiteral("No webhook with id whk_nope."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--cursor"),
                                  QStringLiteral("garbage")}),
                      2, QStringLiteral("The cursor \"garbage\" is not one this server gave out."));
    ALFE_VERIFY_ERROR(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), QStringLiteral("dlv_x"),
                                  QStringLiteral("--all-failed")}),
                      2, QStringLiteral("either a delivery ID or --all-failed"));
    const CliResult all =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), QStringLiteral("--all-failed")});
    ALFE_VERIFY_OK(all);
    QVERIFY2(all.out.startsWith("Queued 0 failed deliveries again"), all.out.constData());
}

QTEST_GUILESS_MAIN(TestCliDeliveries)
#include "tst_cli_deliveries.moc"
