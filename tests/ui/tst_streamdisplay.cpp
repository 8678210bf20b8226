// The console shows agents' live streams (SPEC §12): an agent with its stream open reads "Streaming" with the
// peer and since when in the agents list and the status bar, and the attempts timeline says how each attempt
// went out. The stream columns and attempts are written straight into the test engine's SQLite file
// (StreamRows.h), as the delivery thread records them.
#include "Engine.h"
#include "StreamRows.h"
#include "TestEngine.h"
#include "agents/AgentListModel.h"
#include "backend/LocalBackend.h"
#include "common/StatusStyle.h"
#include "common/Translations.h"
#include "deliveries/DeliveryDetailsPane.h"
#include "main/MainWindow.h"
#include "store/AgentStore.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QDateTime>
#include <QGuiApplication>
#include <QLabel>
#include <QListView>
#include <QTest>
#include <QTreeWidget>

using namespace Alfe;

namespace {
const QString Peer = QStringLiteral("127.0.0.1:53422");
constexpr qint64 SinceMs = 1'750'000'000'000;

QModelIndex agentRow(QAbstractItemModel* model, const QString& agentId)
{
    for (int r = 1; r < model->rowCount(); ++r) {
        if (model->index(r, 0).data(AgentListModel::AgentIdRole).toString() == agentId)
            return model->index(r, 0);
    }
    return {};
}

QColor dotColour(const QModelIndex& index)
{
    return index.data(Qt::DecorationRole).value<QIcon>().pixmap(16, 16).toImage().pixelColor(8, 8);
}
} // namespace

class TestStreamDisplay : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { Translations::install(); }

    // A streaming agent reads "Streaming from <peer>" whatever its forwarding status, since when in its tooltip
    // and its spoken sentence, with the good dot; an agent without a stream reads as before.
    void agentsListShowsTheStream()
    {
        Test::TestEngine engine;
        // No forward URL: offline as far as forwarding goes, yet it receives over its stream.
        const QString listener = engine->agents().create(QStringLiteral("laptop agent"))->agent.id;
        const QString poster = engine->agents()
                                   .create(QStringLiteral("server agent"), QStringLiteral("http://127.0.0.1:9/hooks"))
                                   ->agent.id;
        QVERIFY(Test::setAgentStream(*engine, listener, Peer, SinceMs));
        MainWindow window(*engine);
        window.show();
        window.showReady();
        QAbstractItemModel* model = window.findChild<QListView*>(QStringLiteral("agentList"))->model();

        const QModelIndex streaming = agentRow(model, listener);
        QVERIFY(streaming.isValid());
        const QString since = QDateTime::fromMSecsSinceEpoch(SinceMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        QCOMPARE(streaming.data(AgentListModel::DetailRole).toString(), QStringLiteral("Streaming from ") + Peer);
        QCOMPARE(streaming.data(AgentListModel::StreamPeerRole).toString(), Peer);
        QCOMPARE(streaming.data(AgentListModel::StreamSinceRole).toLongLong(), SinceMs);
        const QString tip = streaming.data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("Streaming from %1 since %2").arg(Peer, since)), qPrintable(tip));
        QVERIFY2(tip.contains(QLatin1String("wait for the agent")), qPrintable(tip));
        const QString spoken = streaming.data(Qt::AccessibleTextRole).toString();
        QVERIFY2(spoken.contains(QStringLiteral("streaming from %1 since %2").arg(Peer, since)), qPrintable(spoken));
        const QPalette palette = QGuiApplication::palette();
        QCOMPARE(dotColour(streaming), StatusStyle::color(StatusStyle::Tone::Good, palette));

        const QModelIndex plain = agentRow(model, poster);
        QCOMPARE(plain.data(AgentListModel::DetailRole).toString(),
                 QStringLiteral("Online \u00b7 to 127.0.0.1:9/hooks"));
        QVERIFY(plain.data(AgentListModel::StreamPeerRole).toString().isEmpty());
        QCOMPARE(plain.data(AgentListModel::StreamSinceRole).toLongLong(), -1);
        QVERIFY(!plain.data(Qt::ToolTipRole).toString().contains(QLatin1String("Streaming")));
        QVERIFY(!plain.data(Qt::AccessibleTextRole).toString().contains(QLatin1String("streaming")));

        // The status bar counts the streaming agent as online, and says how many stream.
        QCOMPARE(window.findChild<QLabel*>(QStringLiteral("agentsLabel"))->text(),
                 QStringLiteral("Agents: 2 online (1 streaming), 0 offline or paused"));
    }

    // The list follows a stream that closes and one that opens, on the engine's agentStreamChanged.
    void agentsListFollowsTheStream()
    {
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("laptop agent"))->agent.id;
        QVERIFY(Test::setAgentStream(*engine, agent, Peer, SinceMs));
        MainWindow window(*engine);
        window.show();
        window.showReady();
        QAbstractItemModel* model = window.findChild<QListView*>(QStringLiteral("agentList"))->model();
        auto* agents = window.findChild<QLabel*>(QStringLiteral("agentsLabel"));
        QCOMPARE(agentRow(model, agent).data(AgentListModel::DetailRole).toString(),
                 QStringLiteral("Streaming from ") + Peer);

        QVERIFY(Test::setAgentStream(*engine, agent, {}));
        emit engine->agentStreamChanged(agent);
        QTRY_COMPARE(agentRow(model, agent).data(AgentListModel::DetailRole).toString(),
                     QStringLiteral("Offline \u00b7 stores only"));
        QCOMPARE(agents->text(), QStringLiteral("Agents: 0 online, 1 offline or paused"));

        QVERIFY(Test::setAgentStream(*engine, agent, QStringLiteral("[::1]:40000"), SinceMs + 1000));
        emit engine->agentStreamChanged(agent);
        QTRY_COMPARE(agentRow(model, agent).data(AgentListModel::StreamPeerRole).toString(),
                     QStringLiteral("[::1]:40000"));
        QCOMPARE(agents->text(), QStringLiteral("Agents: 1 online (1 streaming), 0 offline or paused"));
    }

    // Each attempt says how it went out: HTTP to the forward URL or over the stream, where an ack without a
    // status code of the agent's own reads "acknowledged".
    void attemptsSayHowTheyWentOut()
    {
        Test::TestEngine engine;
        const QString agent = engine->agents().create(QStringLiteral("laptop agent"))->agent.id;
        const QString webhook = engine->webhooks().create(agent)->webhook.id;
        IncomingDelivery in;
        in.webhookId = webhook;
        in.contentType = QStringLiteral("application/json");
        in.body = "{\"n\":1}";
        auto stored = engine->deliveries().insert(in);
        QVERIFY(stored);
        const QString id = stored->deliveryId;
        QVERIFY(Test::addAttempt(*engine, id, 1, SinceMs, 30, QStringLiteral("http"), 502));
        QVERIFY(Test::addAttempt(*engine, id, 2, SinceMs + 5000, 12, QStringLiteral("stream")));
        QVERIFY(Test::addAttempt(*engine, id, 3, SinceMs + 9000, 8, QStringLiteral("stream"), 200));

        LocalBackend paneBackend(*engine);
        DeliveryDetailsPane pane(paneBackend);
        pane.showDelivery(id);
        QTreeWidget* attempts = pane.attemptsList();
        QCOMPARE(attempts->headerItem()->text(2), QStringLiteral("Via"));
        QCOMPARE(attempts->headerItem()->text(3), QStringLiteral("Result"));
        QCOMPARE(attempts->topLevelItemCount(), 3);
        QCOMPARE(attempts->topLevelItem(0)->text(2), QStringLiteral("HTTP"));
        QCOMPARE(attempts->topLevelItem(0)->text(3), QStringLiteral("HTTP 502"));
        QCOMPARE(attempts->topLevelItem(1)->text(2), QStringLiteral("stream"));
        QCOMPARE(attempts->topLevelItem(1)->text(3), QStringLiteral("acknowledged"));
        QCOMPARE(attempts->topLevelItem(1)->text(4), QStringLiteral("12 ms"));
        QCOMPARE(attempts->topLevelItem(2)->text(2), QStringLiteral("stream"));
        QCOMPARE(attempts->topLevelItem(2)->text(3), QStringLiteral("HTTP 200"));
        const QPalette palette = pane.palette();
        QCOMPARE(attempts->topLevelItem(0)->foreground(3).color(), StatusStyle::color(StatusStyle::Tone::Bad, palette));
        QCOMPARE(attempts->topLevelItem(1)->foreground(3).color(),
                 StatusStyle::color(StatusStyle::Tone::Good, palette));
    }
};

QTEST_MAIN(TestStreamDisplay)
#include "tst_streamdisplay.moc"
