// The console in remote mode (SPEC §13) against a real `alfe serve` process: every action goes through the admin
// API, the screens follow the events socket, and a lost connection or a lost answer is said, not hidden.
#include "CliRunner.h"
#include "Engine.h"
#include "HttpClient.h"
#include "ModalDialogs.h"
#include "TestReceiver.h"
#include "backend/RemoteBackend.h"
#include "common/Translations.h"
#include "crypto/Signature.h"
#include "deliveries/DeliveriesView.h"
#include "deliveries/DeliveryListModel.h"
#include "main/ConnectDialog.h"
#include "main/MainWindow.h"
#include "main/RemoteSession.h"
#include "store/DeliveryStore.h"
#include "store/Settings.h"
#include "store/WebhookStore.h"
#include "webhooks/SendTestDialog.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace Alfe;
using Alfe::Test::anyWidgetShows;
using Alfe::Test::child;
using Alfe::Test::CliRunner;
using Alfe::Test::HttpClient;
using Alfe::Test::onNextModal;
using Alfe::Test::takeSecretAndClose;

namespace {
// Between the console and the server: passes everything through, or (dropAnswers) lets the next POST reach the
// server but closes the console's connection instead of passing its answer back (once; reads pass, so the
// screens can refresh).
class Proxy final : public QObject
{
public:
    explicit Proxy(quint16 target)
        : m_target(target)
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* client = m_server.nextPendingConnection()) {
                auto* upstream = new QTcpSocket(client);
                upstream->connectToHost(QHostAddress::LocalHost, m_target);
                QObject::connect(client, &QTcpSocket::readyRead, upstream, [client, upstream] {
                    const QByteArray request = client->readAll();
                    if (request.startsWith("POST "))
                        client->setProperty("posted", true);
                    upstream->write(request);
                });
                QObject::connect(upstream, &QTcpSocket::readyRead, client, [this, client, upstream] {
                    const QByteArray answer = upstream->readAll();
                    if (m_dropAnswers && client->property("posted").toBool()) {
                        m_dropAnswers = false; // one answer lost, not every one
                        client->abort();
                    } else
                        client->write(answer);
                });
                QObject::connect(upstream, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
                QObject::connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
            }
        });
        m_server.listen(QHostAddress::LocalHost);
    }
    quint16 port() const { return m_server.serverPort(); }
    void setDropAnswers(bool drop) { m_dropAnswers = drop; }

private:
    quint16 m_target;
    QTcpServer m_server;
    bool m_dropAnswers = false;
};

QAction* action(MainWindow& window, const char* name)
{
    return window.findChild<QAction*>(QString::fromLatin1(name));
}

bool verifies(Engine& engine, const QString& webhookId, const QByteArray& secret)
{
    const QByteArray body = "{\"hello\":\"remote console\"}";
    auto secrets = engine.webhooks().validSecrets(webhookId);
    return secrets && Signature::verify(Signature::sign(secret, body), body, secrets.value());
}

// The answer status of a WebSocket upgrade to the events socket with `authorization`.
int eventsUpgradeStatus(quint16 port, const QByteArray& authorization)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return -1;
    QByteArray request = "GET /v1/admin/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n";
    if (!authorization.isEmpty())
        request += "Authorization: " + authorization + "\r\n";
    socket.write(request + "\r\n");
    QByteArray line;
    for (int i = 0; i < 50 && !line.contains("\r\n"); ++i) {
        socket.waitForReadyRead(100);
        line += socket.readAll();
    }
    return line.mid(9, 3).toInt();
}
} // namespace

class TestRemoteConsole : public QObject
{
    Q_OBJECT

private:
    CliRunner m_cli;
    std::unique_ptr<QProcess> m_serve;
    quint16 m_port = 0;
    QByteArray m_token;
    QString m_agentId;
    Test::TestReceiver m_receiver;

    QUrl server() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }

    // A session on the server through `port` (the server's own by default), ready to use.
    std::unique_ptr<RemoteSession> connect(quint16 port = 0)
    {
        auto session = std::make_unique<RemoteSession>(
            QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port ? port : m_port)), m_token);
        QSignalSpy ready(session.get(), &RemoteSession::ready);
        session->start();
        if (!ready.wait(10000))
            qWarning("the remote console did not become ready");
        return session;
    }

private slots:
    void initTestCase()
    {
        Translations::install();
        {
            // One attempt, then failed: "retry a failed one" needs a failure without waiting out a schedule.
            auto engine = m_cli.openEngine();
            engine->settings().set(Settings::Key::RetrySchedule, QStringLiteral("0s"));
        }
        const auto token = m_cli.run(
            {QStringLiteral("admin"), QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--json")});
        QCOMPARE(token.exitCode, 0);
        m_token = token.json().object().value(QLatin1String("token")).toString().toLatin1();
        QVERIFY(m_token.startsWith("alfeadm_"));
        m_agentId = m_cli.addAgent(QStringLiteral("forwarding bot"));
        QCOMPARE(m_cli
                     .run({QStringLiteral("agent"), QStringLiteral("set"), m_agentId, QStringLiteral("--forward-to"),
                           m_receiver.url()})
                     .exitCode,
                 0);
        m_serve = m_cli.startServe(&m_port);
        QVERIFY(m_port > 0);
    }

    void cleanupTestCase()
    {
        if (m_serve) {
            m_serve->terminate();
            m_serve->waitForFinished(10000);
        }
    }

    void titleNamesTheServer()
    {
        auto session = connect();
        QCOMPARE(session->window().windowTitle(), QStringLiteral("127.0.0.1:%1 \u2014 Alfe Console").arg(m_port));
        QVERIFY(session->window().tabs());
    }

    void wrongTokenSaysSoAndShowsNothing()
    {
        RemoteSession session(server(), "alfeadm_not-a-token");
        QSignalSpy failed(&session, &RemoteSession::failed);
        session.start();
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.first().first().toString().contains(QLatin1String("refused the admin token")),
                 qPrintable(failed.first().first().toString()));
        QVERIFY(!session.window().tabs());
        QVERIFY(child<QLabel>(&session.window(), "stateMessage")->text().contains(QLatin1String("Cannot connect")));
    }

    void createWebhookAndSeeTheSecretOnce()
    {
        auto session = connect();
        MainWindow& window = session->window();
        QByteArray shown;
        onNextModal([&](QDialog* dialog) {
            auto* agent = child<QComboBox>(dialog, "agentCombo");
            agent->setCurrentIndex(agent->findData(QString()));
            QTest::keyClicks(child<QLineEdit>(dialog, "agentNameEdit"), QStringLiteral("remote bot"));
            QTest::keyClicks(child<QLineEdit>(dialog, "descriptionEdit"), QStringLiteral("made from afar"));
            onNextModal([&](QDialog* secretDialog) {
                if (auto* box = qobject_cast<QMessageBox*>(secretDialog))
                    qWarning("unexpected message: %s", qPrintable(box->text()));
                shown = takeSecretAndClose(secretDialog);
            });
            QTest::mouseClick(child<QPushButton>(dialog, "createButton"), Qt::LeftButton);
        });
        action(window, "newAction")->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), 10000);
        QVERIFY(shown.startsWith("whsec_"));

        auto engine = m_cli.openEngine();
        Webhook made;
        for (const Webhook& w : engine->webhooks().list()) {
            if (w.description == u"made from afar")
                made = w;
        }
        QVERIFY(!made.id.isEmpty());
        QVERIFY(verifies(*engine, made.id, shown));
        QTRY_VERIFY(!QApplication::activeModalWidget());
        QVERIFY(!anyWidgetShows(shown));
        QTRY_COMPARE(window.selectedWebhookId(), made.id);
    }

    void rotateFromAfar()
    {
        const auto [webhookId, oldSecret] = m_cli.createWebhook(m_agentId);
        auto session = connect();
        MainWindow& window = session->window();
        // The list comes with the window's first refresh, a round trip after it shows.
        QTRY_VERIFY_WITH_TIMEOUT((window.selectWebhook(webhookId), window.selectedWebhookId() == webhookId), 10000);
        QByteArray newSecret;
        onNextModal([&](QDialog* dialog) {
            auto* grace = child<QComboBox>(dialog, "graceCombo");
            grace->setCurrentIndex(grace->findData(3600));
            onNextModal([&](QDialog* secretDialog) { newSecret = takeSecretAndClose(secretDialog); });
            QTest::mouseClick(child<QPushButton>(dialog, "rotateButton"), Qt::LeftButton);
        });
        action(window, "rotateAction")->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!newSecret.isEmpty(), 10000);
        auto engine = m_cli.openEngine();
        QVERIFY(newSecret != oldSecret);
        QVERIFY(verifies(*engine, webhookId, newSecret));
        QVERIFY(verifies(*engine, webhookId, oldSecret)); // its grace hour
    }

    void filterDeliveriesAndRetryAFailedOne()
    {
        const auto [webhookId, secret] = m_cli.createWebhook(m_agentId);
        auto session = connect();
        MainWindow& window = session->window();
        window.tabs()->setCurrentIndex(MainWindow::DeliveriesTab);
        auto* view = window.findChild<DeliveriesView*>();
        QVERIFY(view);

        // The agent answers 500 once: with one attempt allowed, the delivery fails.
        m_receiver.script({Test::TestReceiver::status(500)});
        m_receiver.setFallback(Test::TestReceiver::ok());
        HttpClient http(server());
        const auto posted = http.postSigned(QStringLiteral("/v1/hooks/") + webhookId, "{\"n\":1}", secret);
        QCOMPARE(posted.status, 202);
        const QString deliveryId = posted.json().value(QLatin1String("deliveryId")).toString();

        // The Failed filter, from the server: the failed delivery, and nothing else.
        child<QAbstractButton>(view, "failedOnly")->click();
        DeliveryListModel* model = view->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(deliveryId) >= 0, 15000);
        for (int r = 0; r < model->rowCount(); ++r)
            QCOMPARE(model->index(r, 0).data(DeliveryListModel::StatusRole).toString(), QStringLiteral("failed"));

        // Retry it: it turns delivered on screen, told by the events socket.
        view->table()->selectRow(model->rowOf(deliveryId));
        QTRY_COMPARE(view->detailsPane()->deliveryId(), deliveryId);
        child<QPushButton>(view->detailsPane(), "retryDelivery")->click();
        QTRY_COMPARE_WITH_TIMEOUT(
            model->index(model->rowOf(deliveryId), 0).data(DeliveryListModel::StatusRole).toString(),
            QStringLiteral("delivered"), 15000);
    }

    void sendTestEventThroughTheServer()
    {
        const auto [webhookId, secret] = m_cli.createWebhook(m_agentId);
        auto session = connect();
        MainWindow& window = session->window();
        QTRY_VERIFY_WITH_TIMEOUT((window.selectWebhook(webhookId), window.selectedWebhookId() == webhookId), 10000);
        action(window, "sendTestAction")->trigger();
        QDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = window.findChild<SendTestDialog*>()) != nullptr);
        QTest::mouseClick(child<QPushButton>(dialog, "sendButton"), Qt::LeftButton);
        auto* result = child<QLabel>(dialog, "resultLabel");
        QTRY_VERIFY_WITH_TIMEOUT(result->text().contains(QLatin1String("stored as dlv_")), 10000);
        // Stored on the server, signed with the webhook's secret and verified by its ingress.
        const QString id = result->text().section(QLatin1String("stored as "), 1).section(QLatin1Char('.'), 0, 0);
        auto engine = m_cli.openEngine();
        auto stored = engine->deliveries().get(id);
        QVERIFY2(stored, qPrintable(id));
        QCOMPARE(stored->webhookId, webhookId);
        QCOMPARE(stored->verifiedBy, QStringLiteral("alfe"));
        dialog->close();
    }

    void retryAllFailedIsAJobOnTheServer()
    {
        const auto [webhookId, secret] = m_cli.createWebhook(m_agentId);
        m_receiver.script(
            {Test::TestReceiver::status(500), Test::TestReceiver::status(500), Test::TestReceiver::status(500)});
        m_receiver.setFallback(Test::TestReceiver::ok());
        HttpClient http(server());
        QStringList ids;
        for (int i = 0; i < 3; ++i) {
            const auto posted = http.postSigned(QStringLiteral("/v1/hooks/") + webhookId,
                                                QByteArray("{\"bulk\":") + QByteArray::number(i) + '}', secret);
            QCOMPARE(posted.status, 202);
            ids << posted.json().value(QLatin1String("deliveryId")).toString();
        }
        auto engine = m_cli.openEngine();
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(ids.cbegin(), ids.cend(),
                                             [&engine](const QString& id) {
                                                 return engine->deliveries().get(id)->status == DeliveryStatus::Failed;
                                             }),
                                 15000);
        auto session = connect();
        MainWindow& window = session->window();
        window.tabs()->setCurrentIndex(MainWindow::DeliveriesTab);
        auto* view = window.findChild<DeliveriesView*>();
        QTest::mouseClick(view->retryAllButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(view->retryAllButton()->isEnabled(), 15000); // the job ended
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(ids.cbegin(), ids.cend(),
                                             [&engine](const QString& id) {
                                                 return engine->deliveries().get(id)->status ==
                                                        DeliveryStatus::Delivered;
                                             }),
                                 15000);
    }

    void refusedRequestsFromTheServer()
    {
        const auto [webhookId, secret] = m_cli.createWebhook(m_agentId);
        HttpClient http(server());
        QCOMPARE(http.post(QStringLiteral("/v1/hooks/") + webhookId, "{\"unsigned\":true}",
                           {{"Content-Type", "application/json"}})
                     .status,
                 401);
        auto session = connect();
        MainWindow& window = session->window();
        window.tabs()->setCurrentIndex(MainWindow::RefusedTab);
        auto* table = child<QTableView>(&window, "refusedTable");
        QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() > 0, 10000);
        table->selectRow(0);
        auto* summary = child<QLabel>(&window, "refusedSummary");
        QTRY_VERIFY_WITH_TIMEOUT(summary->text().contains(QLatin1String("invalid_signature")), 10000);
        QVERIFY(child<QPlainTextEdit>(&window, "refusedBody")->toPlainText().contains(QLatin1String("unsigned")));
    }

    void tokenKeptInTheKeychainNotInTheSettings()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().remove(QStringLiteral("remote"));
        RemoteSession* first = nullptr;
        ConnectDialog::open(server(), m_token, QString(), true, nullptr, [&first](RemoteSession* s) { first = s; });
        QTRY_VERIFY_WITH_TIMEOUT(first && first->window().tabs(), 15000);
        first->window().close();
        // Connecting again with no token: the keychain's is used.
        RemoteSession* second = nullptr;
        QString problem;
        QTRY_VERIFY_WITH_TIMEOUT(
            ConnectDialog::recentServers().contains(RemoteSession::normalized(server()).toString()), 5000);
        ConnectDialog::open(
            server(), QByteArray(), QString(), false, nullptr, [&second](RemoteSession* s) { second = s; },
            [&problem](const QString& message) { problem = message; });
        QTRY_VERIFY_WITH_TIMEOUT((second && second->window().tabs()) || !problem.isEmpty(), 15000);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        second->window().close();
        // The settings hold the server's URL, never the token.
        QSettings settings;
        settings.sync();
        QFile file(settings.fileName());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray written = file.readAll();
        QVERIFY(written.contains(QByteArray::number(m_port)));
        QVERIFY(!written.contains(m_token));
    }

    void eventsSocketRefusesOtherTokens()
    {
        QCOMPARE(eventsUpgradeStatus(m_port, {}), 401);
        QCOMPARE(eventsUpgradeStatus(m_port, "Bearer alfeadm_wrong"), 401);
        const auto agentToken = m_cli.run(
            {QStringLiteral("agent"), QStringLiteral("add"), QStringLiteral("an agent"), QStringLiteral("--json")});
        const QByteArray token = agentToken.json().object().value(QLatin1String("token")).toString().toLatin1();
        QCOMPARE(eventsUpgradeStatus(m_port, "Bearer " + token), 403);
        const auto revoked = m_cli.run(
            {QStringLiteral("admin"), QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--json")});
        const QJsonObject object = revoked.json().object();
        QCOMPARE(eventsUpgradeStatus(m_port, "Bearer " + object.value(QLatin1String("token")).toString().toLatin1()),
                 101);
        QCOMPARE(m_cli
                     .run({QStringLiteral("admin"), QStringLiteral("token"), QStringLiteral("revoke"),
                           object.value(QLatin1String("id")).toString()})
                     .exitCode,
                 0);
        QCOMPARE(eventsUpgradeStatus(m_port, "Bearer " + object.value(QLatin1String("token")).toString().toLatin1()),
                 401);
        QCOMPARE(eventsUpgradeStatus(m_port, "Bearer " + m_token), 101);
    }

    void eventsSocketSeesADeliveryAtOnce()
    {
        const auto [webhookId, secret] = m_cli.createWebhook(m_agentId);
        RemoteBackend backend(server(), m_token);
        QSignalSpy connected(&backend, &Backend::connectionChanged);
        QSignalSpy arrived(&backend, &Backend::deliveriesArrived);
        backend.startEvents();
        QTRY_VERIFY_WITH_TIMEOUT(backend.isConnected(), 10000);
        HttpClient http(server());
        // From the ingress's 202 to the event: the median of 15 is under 100 ms (one slow turn of a busy
        // machine does not decide it).
        QList<qint64> waits;
        for (int i = 0; i < 15; ++i) {
            arrived.clear();
            const auto posted = http.postSigned(QStringLiteral("/v1/hooks/") + webhookId,
                                                QByteArray("{\"i\":") + QByteArray::number(i) + '}', secret);
            QCOMPARE(posted.status, 202);
            QElapsedTimer timer;
            timer.start();
            QTRY_VERIFY_WITH_TIMEOUT(!arrived.isEmpty(), 5000);
            waits << timer.elapsed();
        }
        std::sort(waits.begin(), waits.end());
        qInfo("202 -> event, ms: median %lld, max %lld", waits.at(waits.size() / 2), waits.last());
        QVERIFY2(waits.at(waits.size() / 2) < 100, qPrintable(QString::number(waits.at(waits.size() / 2))));
    }

    void rotateWhoseAnswerWasLostSaysSo()
    {
        const auto [webhookId, oldSecret] = m_cli.createWebhook(m_agentId);
        Proxy proxy(m_port);
        auto session = connect(proxy.port());
        MainWindow& window = session->window();
        // The list comes with the window's first refresh, a round trip after it shows.
        QTRY_VERIFY_WITH_TIMEOUT((window.selectWebhook(webhookId), window.selectedWebhookId() == webhookId), 10000);
        QString told;
        bool offered = false;
        onNextModal([&](QDialog* dialog) {
            proxy.setDropAnswers(true); // the rotation reaches the server; its answer never comes back
            onNextModal([&](QDialog* box) {
                told = static_cast<QMessageBox*>(box)->text();
                offered = Test::clickButton(box, QStringLiteral("Show current state"));
            });
            QTest::mouseClick(child<QPushButton>(dialog, "rotateButton"), Qt::LeftButton);
        });
        action(window, "rotateAction")->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!told.isEmpty(), 20000);
        // Qt sends the POST again when the answer is lost; the server refuses the copy (Idempotency-Key), so the
        // console knows the rotation was done, once.
        QVERIFY2(told.contains(QLatin1String("answer was lost")) && told.contains(QLatin1String("It was done")),
                 qPrintable(told));
        QVERIFY(offered);
        auto engine = m_cli.openEngine();
        QCOMPARE(engine->webhooks().get(webhookId)->secretVersion, 2);
    }

    void lostConnectionShowsABannerAndComesBack()
    {
        auto session = connect();
        MainWindow& window = session->window();
        auto* banner = child<QLabel>(&window, "connectionBanner");
        QTRY_VERIFY_WITH_TIMEOUT(qobject_cast<RemoteBackend*>(&session->backend())->isConnected(), 10000);
        QVERIFY(banner->isHidden());
        m_serve->kill();
        m_serve->waitForFinished(5000);
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 10000);
        QVERIFY(banner->text().contains(QLatin1String("Reconnecting")));
        m_serve = m_cli.startServe(&m_port, {}, m_port);
        QVERIFY(m_port > 0);
        QTRY_VERIFY_WITH_TIMEOUT(banner->isHidden(), 40000);
    }
};

QTEST_MAIN(TestRemoteConsole)
#include "tst_remoteconsole.moc"
