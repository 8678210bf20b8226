// `alfe listen` as a real process between a real `alfe serve` and a local receiver: deliveries posted (signed)
// to the ingress reach the receiver over the agent's live stream with the exact body and every forwarding header,
// both signatures valid with the webhook's secret; acks and nacks follow the receiver's answers; a listener killed
// mid-stream and started again loses nothing; --print writes JSON lines; a wrong token and bad options are
// refused with precise messages.
#include "CliRunner.h"

#include "HttpClient.h"
#include "TestReceiver.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTest>

#include <csignal>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
const QString ListeningLine = QStringLiteral("^alfe: listening on http://127\\.0\\.0\\.1:(\\d+)$");
constexpr int WaitMs = 60'000;

// X-Alfe-Signature-256 as docs/signatures.md defines it: the key is the whole secret string, prefix included.
QByteArray alfeSignature(const QByteArray& secret, const QByteArray& body)
{
    return "sha256=" + QMessageAuthenticationCode::hash(body, secret, QCryptographicHash::Sha256).toHex();
}

// Standard Webhooks: base64(HMAC-SHA256(base64-decoded part after whsec_, "id.timestamp.body")), as "v1,<sig>".
QByteArray standardSignature(const QByteArray& secret, const QByteArray& id, const QByteArray& timestamp,
                             const QByteArray& body)
{
    const QByteArray key = QByteArray::fromBase64(secret.mid(int(qstrlen("whsec_"))));
    return "v1," + QMessageAuthenticationCode::hash(id + '.' + timestamp + '.' + body, key, QCryptographicHash::Sha256)
                       .toBase64();
}

// A started `alfe listen` and everything it printed so far (collected while the test's event loop runs, so the
// receiver in this process keeps answering while we wait).
struct Listener
{
    std::unique_ptr<QProcess> process = std::make_unique<QProcess>();
    QByteArray out;
    QByteArray err;

    QList<QByteArray> lines() const { return out.split('\n').mid(0, out.count('\n')); }
    // The stdout lines that name `id`.
    QList<QByteArray> linesOf(const QString& id) const
    {
        QList<QByteArray> found;
        for (const QByteArray& line : lines()) {
            if (line.contains(id.toLatin1()))
                found << line;
        }
        return found;
    }
    QByteArray describe() const { return "--- listen stdout:\n" + out + "--- listen stderr:\n" + err; }
};
} // namespace

class TestCliListen final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void forwardsDeliveriesWithValidSignatures();
    void killedListenerLosesNothing();
    void stoppedWithADeliveryInFlight();
    void printWritesJsonLines();
    void replacedStreamStopsTheOlderListener();
    void reconnectsWhenTheServerComesBack();
    void wrongTokenExitsNonZero();

private:
    quint16 startServer(const QStringList& arguments = {});
    // A new agent (no forward URL: its deliveries wait for the stream), its token in a file, and a webhook.
    bool newAgent(const QString& name = QStringLiteral("stream-bot"));
    // Starts `alfe listen --server <this server> --token-file <the agent's> ARGS`; the test owns it until cleanup().
    Listener* startListen(const QStringList& arguments, const QString& tokenFile = {});
    // Waits for "alfe: connected to …" (or "reconnected") on its stderr.
    bool waitConnected(Listener& listener, const QByteArray& what = "alfe: connected to ");
    QString post(const QByteArray& body, QList<QPair<QByteArray, QByteArray>> headers = {});
    // The status of each delivery `alfe deliveries list --json` shows.
    QHash<QString, QString> statuses();
    // "id=status" for each of `ids` that is not delivered.
    QStringList notDelivered(const QStringList& ids);
    void stopListener(Listener& listener, int signalNumber);

    std::unique_ptr<CliRunner> m_cli;
    std::unique_ptr<QProcess> m_server;
    std::unique_ptr<HttpClient> m_http;
    std::vector<std::unique_ptr<Listener>> m_listeners;
    quint16 m_port = 0;
    QString m_agentId;
    QString m_tokenFile;
    QByteArray m_token;
    QString m_webhookId;
    QByteArray m_secret;
};

void TestCliListen::init()
{
    m_cli = std::make_unique<CliRunner>();
    m_port = 0;
}

void TestCliListen::cleanup()
{
    for (const auto& listener : m_listeners) {
        if (listener->process->state() != QProcess::NotRunning) {
            listener->process->kill();
            listener->process->waitForFinished();
        }
    }
    m_listeners.clear();
    if (m_server && m_server->state() != QProcess::NotRunning) {
        m_server->terminate();
        if (!m_server->waitForFinished(20'000))
            m_server->kill();
    }
    m_server.reset();
    m_http.reset();
    m_cli.reset();
}

quint16 TestCliListen::startServer(const QStringList& arguments)
{
    m_server = m_cli->start(QStringList{QStringLiteral("serve"), QStringLiteral("--port"),
                                        m_port ? QString::number(m_port) : QStringLiteral("0"),
                                        QStringLiteral("--rate-limit"), QStringLiteral("0")} +
                            arguments);
    QByteArray seen;
    const QString port = waitForLine(*m_server, ListeningLine, &seen);
    if (port.isEmpty()) {
        qWarning("serve did not start: %s / %s", seen.constData(), m_server->readAllStandardError().constData());
        return 0;
    }
    m_port = quint16(port.toUInt());
    m_http = std::make_unique<HttpClient>(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)));
    return m_port;
}

bool TestCliListen::newAgent(const QString& name)
{
    const CliResult added =
        m_cli->run({QStringLiteral("agent"), QStringLiteral("add"), name, QStringLiteral("--json")});
    if (added.exitCode != 0) {
        qWarning("agent add: %s", added.describe().constData());
        return false;
    }
    m_agentId = added.json().object().value(QLatin1String("id")).toString();
    m_token = added.json().object().value(QLatin1String("token")).toString().toLatin1();
    m_tokenFile = m_cli->path(name + QStringLiteral(".token"));
    QFile file(m_tokenFile);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write("  " + m_token + "\n\n"); // whitespace around it is trimmed
    file.close();
    const auto webhook = m_cli->createWebhook(m_agentId);
    m_webhookId = webhook.first;
    m_secret = webhook.second;
    return m_token.startsWith("alfe_") && m_secret.startsWith("whsec_");
}

Listener* TestCliListen::startListen(const QStringList& arguments, const QString& tokenFile)
{
    m_listeners.push_back(std::make_unique<Listener>());
    Listener* raw = m_listeners.back().get();
    QObject::connect(raw->process.get(), &QProcess::readyReadStandardOutput, raw->process.get(),
                     [raw] { raw->out += raw->process->readAllStandardOutput(); });
    QObject::connect(raw->process.get(), &QProcess::readyReadStandardError, raw->process.get(),
                     [raw] { raw->err += raw->process->readAllStandardError(); });
    raw->process->start(CliRunner::program(),
                        QStringList{QStringLiteral("listen"), QStringLiteral("--server"),
                                    QStringLiteral("http://127.0.0.1:%1").arg(m_port), QStringLiteral("--token-file"),
                                    tokenFile.isEmpty() ? m_tokenFile : tokenFile} +
                            arguments);
    raw->process->closeWriteChannel();
    return raw;
}

bool TestCliListen::waitConnected(Listener& listener, const QByteArray& what)
{
    (void)QTest::qWaitFor(
        [&] { return listener.err.contains(what) || listener.process->state() == QProcess::NotRunning; }, WaitMs);
    if (!listener.err.contains(what))
        qWarning("listen did not connect:\n%s", listener.describe().constData());
    return listener.err.contains(what);
}

QString TestCliListen::post(const QByteArray& body, QList<QPair<QByteArray, QByteArray>> headers)
{
    const HttpResponse answer =
        m_http->postSigned(QStringLiteral("/v1/hooks/") + m_webhookId, body, m_secret, std::move(headers));
    if (answer.status != 202) {
        qWarning() << "post answered" << answer.status << answer.body << answer.error;
        return {};
    }
    return answer.json().value(QLatin1String("deliveryId")).toString();
}

QHash<QString, QString> TestCliListen::statuses()
{
    const CliResult list = m_cli->run({QStringLiteral("deliveries"), QStringLiteral("list"), QStringLiteral("--json"),
                                       QStringLiteral("--limit"), QStringLiteral("500")});
    QHash<QString, QString> out;
    for (const QJsonValue& value : list.json().array()) {
        const QJsonObject delivery = value.toObject();
        out.insert(delivery.value(QLatin1String("id")).toString(), delivery.value(QLatin1String("status")).toString());
    }
    return out;
}

QStringList TestCliListen::notDelivered(const QStringList& ids)
{
    const auto now = statuses();
    QStringList out;
    for (const QString& id : ids) {
        if (now.value(id) != u"delivered")
            out << id + QLatin1Char('=') + now.value(id);
    }
    return out;
}

void TestCliListen::stopListener(Listener& listener, int signalNumber)
{
    QCOMPARE(::kill(pid_t(listener.process->processId()), signalNumber), 0);
    QTRY_VERIFY_WITH_TIMEOUT(listener.process->state() == QProcess::NotRunning, WaitMs);
    listener.out += listener.process->readAllStandardOutput();
    listener.err += listener.process->readAllStandardError();
}

void TestCliListen::forwardsDeliveriesWithValidSignatures()
{
    TestReceiver receiver;
    QVERIFY(startServer() != 0);
    QVERIFY(newAgent());
    Listener* listener =
        startListen({QStringLiteral("--forward-to"), receiver.url(QStringLiteral("/hooks/in?src=alfe"))});
    QVERIFY(waitConnected(*listener));
    // Said only once the server's hello arrived, with what it said.
    QVERIFY2(listener->err.contains(QStringLiteral("alfe: connected to ws://127.0.0.1:%1/v1/agents/me/stream as agent "
                                                   "%2, window 16; forwarding to ")
                                        .arg(m_port)
                                        .arg(m_agentId)
                                        .toUtf8()),
             listener->describe().constData());
    QVERIFY2(!listener->err.contains(m_token), "the token is never printed");

    // Bodies with UTF-8 and escapes, a header of the sender's own: all of it reaches the receiver as it was sent.
    QList<QByteArray> bodies;
    QStringList ids;
    for (int i = 0; i < 5; ++i) {
        bodies << "{\"type\":\"order.paid\",\"n\":" + QByteArray::number(i) +
                      ",\"text\":\"caf\xc3\xa9 \\u2603 \\\"quoted\\\"\",\"list\":[1,2,3]}";
        ids << post(bodies.last(), {{"X-Custom-Trace", "trace-" + QByteArray::number(i)}});
        QVERIFY(!ids.last().isEmpty());
    }
    QTRY_VERIFY_WITH_TIMEOUT(receiver.count() >= 5, WaitMs);
    for (int i = 0; i < 5; ++i) {
        const TestReceiver::Received* got = nullptr;
        for (const TestReceiver::Received& request : receiver.received()) {
            if (request.header("X-Alfe-Delivery-Id") == ids.at(i).toLatin1())
                got = &request;
        }
        QVERIFY2(got, qPrintable(ids.at(i)));
        QCOMPARE(got->path, QByteArray("/hooks/in"));
        QCOMPARE(got->body, bodies.at(i));
        QCOMPARE(got->header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(got->header("X-Custom-Trace"), "trace-" + QByteArray::number(i));
        QCOMPARE(got->header("X-Alfe-Webhook-Id"), m_webhookId.toLatin1());
        QCOMPARE(got->header("X-Alfe-Event"), QByteArray("order.paid"));
        QCOMPARE(got->header("X-Alfe-Attempt"), QByteArray("1"));
        // Both signatures verify with the webhook's secret, which `alfe listen` never had.
        QCOMPARE(got->header("X-Alfe-Signature-256"), alfeSignature(m_secret, bodies.at(i)));
        QCOMPARE(got->header("webhook-id"), ids.at(i).toLatin1());
        const QByteArray timestamp = got->header("webhook-timestamp");
        QVERIFY(qAbs(timestamp.toLongLong() - QDateTime::currentSecsSinceEpoch()) < 600);
        QCOMPARE(got->header("webhook-signature"),
                 standardSignature(m_secret, ids.at(i).toLatin1(), timestamp, bodies.at(i)));
        QVERIFY(got->header("Authorization").isEmpty());
    }
    // One line a delivery on stdout: time, event, id, "200 ack", latency.
    const QRegularExpression line(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  order\\.paid  (dlv_\\w+)  200 ack  \\d+ ms$"));
    for (const QString& id : std::as_const(ids)) {
        QTRY_VERIFY_WITH_TIMEOUT(!listener->linesOf(id).isEmpty(), WaitMs);
        const QByteArray printed = listener->linesOf(id).constFirst();
        QVERIFY2(line.match(QString::fromUtf8(printed)).captured(1) == id, printed.constData());
    }
    // Acknowledged: delivered.
    QTRY_COMPARE_WITH_TIMEOUT(notDelivered(ids), QStringList(), WaitMs);

    // The receiver is busy (503 with Retry-After): a nack with the status; the server retries and the retry is acked.
    receiver.script({TestReceiver::status(503, {{"Retry-After", "1"}})});
    const QString failing = post(R"({"type":"order.paid","n":"fails once"})");
    QVERIFY(!failing.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(listener->linesOf(failing).size() >= 2, WaitMs);
    QVERIFY2(listener->linesOf(failing).at(0).contains("  503 nack  "), listener->describe().constData());
    QVERIFY2(listener->linesOf(failing).at(1).contains("  200 ack  "), listener->describe().constData());
    QVERIFY2(listener->linesOf(failing).at(1).contains("  attempt 2"), listener->describe().constData());
    QTRY_COMPARE_WITH_TIMEOUT(statuses().value(failing), QStringLiteral("delivered"), WaitMs);
    const CliResult shown =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), failing, QStringLiteral("--json")});
    const QJsonArray attempts = shown.json().object().value(QLatin1String("attempts")).toArray();
    QVERIFY2(attempts.size() == 2, shown.describe().constData());
    QCOMPARE(attempts.at(0).toObject().value(QLatin1String("statusCode")).toInt(), 503);

    // The receiver does not answer: a nack before the server's own ack timeout, and the retry gets through.
    receiver.script({TestReceiver::hang()});
    const QString slow = post(R"({"type":"order.paid","n":"hangs once"})");
    QVERIFY(!slow.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(listener->linesOf(slow).size() >= 2, WaitMs);
    QVERIFY2(listener->linesOf(slow).at(0).contains("  timeout nack  "), listener->describe().constData());
    QVERIFY2(listener->linesOf(slow).at(1).contains("  200 ack  "), listener->describe().constData());
    QTRY_COMPARE_WITH_TIMEOUT(statuses().value(slow), QStringLiteral("delivered"), WaitMs);

    // SIGTERM: the stream closes cleanly, exit 0, every line whole.
    stopListener(*listener, SIGTERM);
    QCOMPARE(listener->process->exitStatus(), QProcess::NormalExit);
    QVERIFY2(listener->process->exitCode() == 0, listener->describe().constData());
    QVERIFY(listener->out.endsWith('\n'));
    QVERIFY2(!listener->err.contains(m_token), "the token is never printed");
    // The server saw a normal close: deliveries wait for the next stream.
    const QString waiting = post(R"({"type":"order.paid","n":"after stop"})");
    QVERIFY(!waiting.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statuses().value(waiting), QStringLiteral("queued"), WaitMs);

    // Nothing listens at the local URL: a nack that says so.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 nobody = closed.serverPort();
    closed.close();
    Listener* refusing =
        startListen({QStringLiteral("--forward-to"), QStringLiteral("http://127.0.0.1:%1/in").arg(nobody)});
    QVERIFY(waitConnected(*refusing));
    QTRY_VERIFY_WITH_TIMEOUT(!refusing->linesOf(waiting).isEmpty(), WaitMs);
    QVERIFY2(refusing->linesOf(waiting).at(0).contains("  refused nack  "), refusing->describe().constData());
    stopListener(*refusing, SIGINT);
    QVERIFY2(refusing->process->exitCode() == 0, refusing->describe().constData());
    const CliResult shownRefused =
        m_cli->run({QStringLiteral("deliveries"), QStringLiteral("show"), waiting, QStringLiteral("--json")});
    QVERIFY2(shownRefused.out.contains("refused"), shownRefused.describe().constData());

    // A listener to the real receiver again, and a manual retry: delivered.
    Listener* again = startListen({QStringLiteral("--forward-to"), receiver.url(QStringLiteral("/hooks/in"))});
    QVERIFY(waitConnected(*again));
    ALFE_VERIFY_OK(m_cli->run({QStringLiteral("deliveries"), QStringLiteral("retry"), waiting}));
    QTRY_COMPARE_WITH_TIMEOUT(statuses().value(waiting), QStringLiteral("delivered"), WaitMs);
    // The line follows the ack it reports.
    QTRY_VERIFY_WITH_TIMEOUT(!again->linesOf(waiting).isEmpty(), WaitMs);
    QVERIFY2(again->linesOf(waiting).constLast().contains("  200 ack  "), again->describe().constData());
}

void TestCliListen::killedListenerLosesNothing()
{
    TestReceiver receiver;
    QVERIFY(startServer() != 0);
    QVERIFY(newAgent());
    // The first three requests hang: they are in flight at the receiver when the listener dies.
    receiver.script({TestReceiver::hang(), TestReceiver::hang(), TestReceiver::hang()});
    Listener* first = startListen({QStringLiteral("--forward-to"), receiver.url()});
    QVERIFY(waitConnected(*first));

    QStringList posted;
    for (int i = 0; i < 10; ++i) {
        posted << post("{\"type\":\"load\",\"n\":" + QByteArray::number(i) + "}");
        QVERIFY(!posted.last().isEmpty());
    }
    QTRY_VERIFY_WITH_TIMEOUT(receiver.count() >= 3, WaitMs);
    stopListener(*first, SIGKILL);
    QCOMPARE(first->process->exitStatus(), QProcess::CrashExit);

    // More arrive while no listener runs: they wait.
    for (int i = 10; i < 20; ++i) {
        posted << post("{\"type\":\"load\",\"n\":" + QByteArray::number(i) + "}");
        QVERIFY(!posted.last().isEmpty());
    }
    Listener* second = startListen({QStringLiteral("--forward-to"), receiver.url()});
    QVERIFY(waitConnected(*second));

    // Every posted delivery reaches the receiver at least once and ends delivered.
    const auto missing = [&] {
        QSet<QString> got;
        for (const TestReceiver::Received& request : receiver.received())
            got.insert(QString::fromLatin1(request.header("X-Alfe-Delivery-Id")));
        QStringList out;
        for (const QString& id : std::as_const(posted)) {
            if (!got.contains(id))
                out << id;
        }
        return out;
    };
    QTRY_COMPARE_WITH_TIMEOUT(missing(), QStringList(), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(notDelivered(posted), QStringList(), WaitMs);
    // What only the second listener can have handled has its line there: the three that hung at the receiver
    // while the first died, and those posted while none ran.
    QStringList secondOnly = posted.mid(10);
    for (int i = 0; i < 3; ++i)
        secondOnly << QString::fromLatin1(receiver.received().at(i).header("X-Alfe-Delivery-Id"));
    for (const QString& id : std::as_const(secondOnly)) {
        QTRY_VERIFY_WITH_TIMEOUT(!second->linesOf(id).isEmpty(), WaitMs);
        QVERIFY2(second->linesOf(id).constLast().contains("  200 ack  "), second->describe().constData());
    }
}

// SIGTERM while the receiver still works on a delivery: the listener says it leaves it unacknowledged, exits 0
// without a line for it, and the next listener gets it again.
void TestCliListen::stoppedWithADeliveryInFlight()
{
    TestReceiver receiver;
    receiver.script({TestReceiver::hang()});
    QVERIFY(startServer() != 0);
    QVERIFY(newAgent());
    Listener* first = startListen({QStringLiteral("--forward-to"), receiver.url()});
    QVERIFY(waitConnected(*first));
    const QString id = post(R"({"type":"slow.work"})");
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 1, WaitMs);
    stopListener(*first, SIGTERM);
    QVERIFY2(first->process->exitStatus() == QProcess::NormalExit && first->process->exitCode() == 0,
             first->describe().constData());
    QVERIFY2(first->err.endsWith("alfe: stopping: 1 delivery in flight not acknowledged; the server sends it again "
                                 "on the next stream\n"),
             first->describe().constData());
    QCOMPARE(first->out, QByteArray());

    Listener* second = startListen({QStringLiteral("--forward-to"), receiver.url()});
    QVERIFY(waitConnected(*second));
    QTRY_COMPARE_WITH_TIMEOUT(receiver.count(), 2, WaitMs);
    QCOMPARE(receiver.received().at(1).header("X-Alfe-Delivery-Id"), id.toLatin1());
    QTRY_COMPARE_WITH_TIMEOUT(notDelivered({id}), QStringList(), WaitMs);
}

void TestCliListen::printWritesJsonLines()
{
    QVERIFY(startServer() != 0);
    QVERIFY(newAgent());
    Listener* listener = startListen({QStringLiteral("--print"), QStringLiteral("--window"), QStringLiteral("4")});
    QVERIFY(waitConnected(*listener));
    QVERIFY2(listener->err.contains(", window 4; printing deliveries as JSON lines"), listener->describe().constData());

    QList<QByteArray> bodies{R"({"type":"a","x":1})", "{\"type\":\"b\",\"text\":\"\xe2\x98\x83 snow\"}",
                             R"({"type":"c","nested":{"k":[true,null]}})"};
    QStringList ids;
    for (const QByteArray& body : std::as_const(bodies)) {
        ids << post(body);
        QVERIFY(!ids.last().isEmpty());
    }
    QTRY_VERIFY_WITH_TIMEOUT(listener->lines().size() >= 3, WaitMs);
    QCOMPARE(listener->lines().size(), 3);
    for (int i = 0; i < 3; ++i) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(listener->lines().at(i), &error);
        QVERIFY2(error.error == QJsonParseError::NoError && document.isObject(), listener->lines().at(i).constData());
        const QJsonObject frame = document.object();
        const int k = int(ids.indexOf(frame.value(QLatin1String("deliveryId")).toString()));
        QVERIFY2(k >= 0, listener->lines().at(i).constData());
        QCOMPARE(frame.value(QLatin1String("type")).toString(), QStringLiteral("delivery"));
        QCOMPARE(frame.value(QLatin1String("webhookId")).toString(), m_webhookId);
        const QByteArray body = QByteArray::fromBase64(frame.value(QLatin1String("body")).toString().toLatin1());
        QCOMPARE(body, bodies.at(k));
        QCOMPARE(frame.value(QLatin1String("bodyText")).toString(), QString::fromUtf8(bodies.at(k)));
        QCOMPARE(frame.value(QLatin1String("signature")).toString().toLatin1(), alfeSignature(m_secret, body));
        const QJsonObject headers = frame.value(QLatin1String("headers")).toObject();
        QCOMPARE(headers.value(QLatin1String("X-Alfe-Signature-256")).toString().toLatin1(),
                 alfeSignature(m_secret, body));
    }
    // Each was acknowledged once printed.
    QTRY_COMPARE_WITH_TIMEOUT(notDelivered(ids), QStringList(), WaitMs);

    stopListener(*listener, SIGINT);
    QVERIFY2(listener->process->exitStatus() == QProcess::NormalExit && listener->process->exitCode() == 0,
             listener->describe().constData());
    QCOMPARE(listener->lines().size(), 3);
    QVERIFY(listener->out.endsWith('\n'));
}

void TestCliListen::replacedStreamStopsTheOlderListener()
{
    QVERIFY(startServer() != 0);
    QVERIFY(newAgent());
    Listener* older = startListen({QStringLiteral("--print")});
    QVERIFY(waitConnected(*older));
    Listener* newer = startListen({QStringLiteral("--print")});
    QVERIFY(waitConnected(*newer));
    // The older one says why and exits 1 instead of taking the stream back; the newer one keeps it.
    QTRY_VERIFY_WITH_TIMEOUT(older->process->state() == QProcess::NotRunning, WaitMs);
    QVERIFY2(older->process->exitCode() == 1, older->describe().constData());
    QVERIFY2(older->err.contains("alfe: stream closed (code 4000: "), older->describe().constData());
    QVERIFY2(older->err.endsWith("this one stops rather than take it back.\n"), older->describe().constData());
    QCOMPARE(newer->process->state(), QProcess::Running);
    const QString id = post(R"({"type":"after.replace"})");
    QTRY_VERIFY_WITH_TIMEOUT(!newer->linesOf(id).isEmpty(), WaitMs);
    QVERIFY(older->linesOf(id).isEmpty());
}

void TestCliListen::reconnectsWhenTheServerComesBack()
{
    TestReceiver receiver;
    QVERIFY(startServer() != 0);
    QVERIFY(newAgent());
    Listener* listener = startListen({QStringLiteral("--forward-to"), receiver.url()});
    QVERIFY(waitConnected(*listener));

    // The server stops: the listener says so and keeps trying.
    m_server->terminate();
    QVERIFY(m_server->waitForFinished(20'000));
    (void)QTest::qWaitFor([&] { return listener->err.contains("retrying in 2 s\n"); }, WaitMs);
    // The protocol says the server closes with 1001 as it stops; the server of issue 12 drops the connection
    // without a close frame so far, which the listener reports as a lost connection. Either way it reconnects.
    QVERIFY2(listener->err.contains("alfe: stream closed (code 1001: the server is stopping); reconnecting in 1 s\n") ||
                 listener->err.contains("alfe: connection lost (The remote host closed the connection); reconnecting "
                                        "in 1 s\n"),
             listener->describe().constData());
    QVERIFY2(listener->err.contains(" (Connection refused); retrying in 2 s\n"), listener->describe().constData());
    QCOMPARE(listener->process->state(), QProcess::Running);

    // Back on the same port: the listener reconnects and deliveries flow again.
    QVERIFY(startServer() != 0);
    QVERIFY(waitConnected(*listener, "alfe: reconnected as agent " + m_agentId.toLatin1() + ", window 16\n"));
    const QString id = post(R"({"type":"after.restart"})");
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!listener->linesOf(id).isEmpty(), WaitMs);
    QVERIFY(listener->linesOf(id).constFirst().contains("  200 ack  "));
}

void TestCliListen::wrongTokenExitsNonZero()
{
    QVERIFY(startServer() != 0);
    QVERIFY(newAgent());
    const QString wrongFile = m_cli->path(QStringLiteral("wrong.token"));
    QFile file(wrongFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("alfe_thisIsNotTheTokenOfAnyAgent0123456789\n");
    file.close();
    const CliResult result = CliRunner::runRaw({QStringLiteral("listen"), QStringLiteral("--server"),
                                                QStringLiteral("http://127.0.0.1:%1").arg(m_port),
                                                QStringLiteral("--token-file"), wrongFile, QStringLiteral("--print")});
    ALFE_VERIFY_ERROR(result, 1, QStringLiteral("The server refused the agent token in %1 (HTTP 401)").arg(wrongFile));
    QVERIFY(!result.err.contains("alfe_thisIsNot"));

    // The agent is removed while its listener streams: the listener stops (4001); its token is refused from then on.
    Listener* listener = startListen({QStringLiteral("--print")});
    QVERIFY(waitConnected(*listener));
    ALFE_VERIFY_OK(m_cli->run({QStringLiteral("agent"), QStringLiteral("remove"), m_agentId}));
    QTRY_VERIFY_WITH_TIMEOUT(listener->process->state() == QProcess::NotRunning, WaitMs);
    QVERIFY2(listener->process->exitCode() == 1, listener->describe().constData());
    QVERIFY2(listener->err.endsWith("alfe: stream closed (code 4001: the agent was removed).\n"),
             listener->describe().constData());
    const CliResult removed = CliRunner::runRaw(
        {QStringLiteral("listen"), QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:%1").arg(m_port),
         QStringLiteral("--token-file"), m_tokenFile, QStringLiteral("--print")});
    ALFE_VERIFY_ERROR(removed, 1, QStringLiteral("(HTTP 401)"));
}

QTEST_GUILESS_MAIN(TestCliListen)
#include "tst_cli_listen.moc"
