// Agents' live streams (SPEC §12) in the CLI's listings: `alfe agent list | show` say which agent streams, from
// which peer and since when (and --json has the API's "stream"), and `alfe deliveries show` says how each attempt
// went out. The stream columns and attempts are written into the data directory's SQLite file by the test's own
// engine (StreamRows.h), as the delivery thread records them.
#include "CliRunner.h"

#include "Engine.h"
#include "StreamRows.h"
#include "store/DeliveryStore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
const QString Peer = QStringLiteral("127.0.0.1:53422");
constexpr qint64 SinceMs = 1'750'000'000'000;

QString localTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QByteArray lineWith(const QByteArray& text, const QString& fragment)
{
    for (const QByteArray& line : text.split('\n')) {
        if (line.contains(fragment.toUtf8()))
            return line;
    }
    return {};
}

QJsonObject byId(const QJsonArray& array, const QString& id)
{
    for (const QJsonValue& value : array) {
        if (value.toObject().value(QLatin1String("id")).toString() == id)
            return value.toObject();
    }
    return {};
}
} // namespace

class TestCliStreamListings final : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_cli = std::make_unique<CliRunner>(); }
    void cleanup() { m_cli.reset(); }

    void agentListAndShowSayWhoStreams();
    void deliveriesShowSaysHowAttemptsWentOut();

private:
    std::unique_ptr<CliRunner> m_cli;
};

void TestCliStreamListings::agentListAndShowSayWhoStreams()
{
    const QString listener = m_cli->addAgent(QStringLiteral("laptop-agent"));
    const CliResult added = m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("server-agent"),
                                        QStringLiteral("--forward-to"), QStringLiteral("http://127.0.0.1:9/hook"),
                                        QStringLiteral("--json")});
    ALFE_VERIFY_OK(added);
    const QString poster = added.json().object().value(QLatin1String("id")).toString();
    QVERIFY(!listener.isEmpty() && !poster.isEmpty());
    {
        auto engine = m_cli->openEngine();
        QVERIFY(setAgentStream(*engine, listener, Peer, SinceMs));
    }
    const QString since = localTime(SinceMs);

    const CliResult list = m_cli->run({QStringLiteral("agent"), QStringLiteral("list")});
    ALFE_VERIFY_OK(list);
    const QByteArray header = list.out.left(list.out.indexOf('\n'));
    QVERIFY2(header.contains("STATUS") && header.contains("STREAM"), list.describe().constData());
    const QByteArray streaming = lineWith(list.out, listener);
    QVERIFY2(streaming.contains(" streaming ") &&
                 streaming.contains((Peer + QStringLiteral(" since ") + since).toUtf8()),
             list.describe().constData());
    // The STREAM column lines up with its header.
    QCOMPARE(streaming.indexOf(Peer.toUtf8()), header.indexOf("STREAM"));
    const QByteArray plain = lineWith(list.out, poster);
    QVERIFY2(plain.contains(" online ") && !plain.contains("streaming") && !plain.contains(" since "),
             list.describe().constData());

    const CliResult listJson = m_cli->run({QStringLiteral("agent"), QStringLiteral("list"), QStringLiteral("--json")});
    ALFE_VERIFY_OK(listJson);
    const QJsonObject stream = byId(listJson.json().array(), listener).value(QLatin1String("stream")).toObject();
    QCOMPARE(stream.value(QLatin1String("peer")).toString(), Peer);
    QCOMPARE(
        QDateTime::fromString(stream.value(QLatin1String("since")).toString(), Qt::ISODateWithMs).toMSecsSinceEpoch(),
        SinceMs);
    QVERIFY(byId(listJson.json().array(), poster).value(QLatin1String("stream")).isNull());

    const CliResult show = m_cli->run({QStringLiteral("agent"), QStringLiteral("show"), listener});
    ALFE_VERIFY_OK(show);
    QCOMPARE(show.field(QStringLiteral("status")), QStringLiteral("streaming"));
    QCOMPARE(show.field(QStringLiteral("stream")), Peer + QStringLiteral(" since ") + since);
    const CliResult showPlain = m_cli->run({QStringLiteral("agent"), QStringLiteral("show"), poster});
    ALFE_VERIFY_OK(showPlain);
    QCOMPARE(showPlain.field(QStringLiteral("status")), QStringLiteral("online"));
    QCOMPARE(showPlain.field(QStringLiteral("stream")), QStringLiteral("-"));
}

void TestCliStreamListings::deliveriesShowSaysHowAttemptsWentOut()
{
    const auto webhook = m_cli->createWebhook(m_cli->addAgent());
    QVERIFY(!webhook.first.isEmpty());
    QString id;
    {
        auto engine = m_cli->openEngine();
        IncomingDelivery in;
        in.webhookId = webhook.first;
        in.contentType = QStringLiteral("application/json");
        in.body = "{\"n\":1}";
        auto stored = engine->deliveries().insert(in);
        QVERIFY(stored);
        id = stored->deliveryId;
        QVERIFY(addAttempt(*engine, id, 1, SinceMs, 30, QStringLiteral("http"), 502));
        QVERIFY(addAttempt(*engine, id, 2, SinceMs + 5000, 12, QStringLiteral("stream")));
        QVERIFY(addAttempt(*engine, id, 3, SinceMs + 9000, 8, QStringLiteral("stream"), std::nullopt,
                           QStringLiteral("nacked by the agent: busy")));
    }

    const CliResult show = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), id});
    ALFE_VERIFY_OK(show);
    const QByteArray attempts = show.out.mid(show.out.indexOf("\nAttempts:\n"));
    QVERIFY2(
        attempts.contains(QStringLiteral("  #1  %1  via http  HTTP 502  30 ms\n").arg(localTime(SinceMs)).toUtf8()),
        show.describe().constData());
    QVERIFY2(attempts.contains(
                 QStringLiteral("  #2  %1  via stream  acknowledged  12 ms\n").arg(localTime(SinceMs + 5000)).toUtf8()),
             show.describe().constData());
    QVERIFY2(attempts.contains(QStringLiteral("  #3  %1  via stream  nacked by the agent: busy  8 ms\n")
                                   .arg(localTime(SinceMs + 9000))
                                   .toUtf8()),
             show.describe().constData());

    const CliResult json =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), id, QStringLiteral("--json")});
    ALFE_VERIFY_OK(json);
    const QJsonArray list = json.json().object().value(QLatin1String("attempts")).toArray();
    QCOMPARE(list.size(), 3);
    QCOMPARE(list.at(0).toObject().value(QLatin1String("via")).toString(), QStringLiteral("http"));
    QCOMPARE(list.at(1).toObject().value(QLatin1String("via")).toString(), QStringLiteral("stream"));
}

QTEST_MAIN(TestCliStreamListings)
#include "tst_cli_streamlistings.moc"
