// The agent side of forwarding, checked by stock libraries: a Node.js receiver (receiver.mjs) verifies every
// delivery Alfe forwards with the npm `standardwebhooks` package, with node's crypto and with
// @octokit/webhooks-methods, and prints what it found, one JSON line per request.
#include "Engine.h"
#include "HttpClient.h"
#include "IngressFixture.h"
#include "TestEngine.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <memory>

using namespace Alfe;
using Test::HttpClient;
using Test::IngressFixture;
using Test::TestEngine;

namespace {
// `node receiver.mjs SECRET` in this folder (where ./dev test installs the npm packages): its port and
// the lines it printed, one per request it got.
class NodeReceiver final
{
public:
    explicit NodeReceiver(const QByteArray& secret)
    {
        m_process.setWorkingDirectory(QStringLiteral(ALFE_INTEROP_DIR));
        m_process.start(QStringLiteral("node"), {QStringLiteral("receiver.mjs"), QString::fromLatin1(secret)});
    }
    ~NodeReceiver()
    {
        m_process.closeWriteChannel(); // the receiver stops when its stdin closes
        if (!m_process.waitForFinished(10'000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    Q_DISABLE_COPY_MOVE(NodeReceiver)

    // Waits for the {"port":N} line; false when the receiver did not start.
    bool waitStarted()
    {
        QDeadlineTimer deadline(20'000);
        while (!m_process.canReadLine() && m_process.state() != QProcess::NotRunning && !deadline.hasExpired())
            m_process.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
        if (!m_process.canReadLine())
            return false;
        m_port = QJsonDocument::fromJson(m_process.readLine()).object().value(QLatin1String("port")).toInt();
        return m_port > 0;
    }

    QString url(const QString& path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path); }

    // The requests of one delivery, in arrival order (reads what the receiver printed so far).
    QList<QJsonObject> requestsFor(const QString& deliveryId)
    {
        while (m_process.canReadLine())
            m_requests << QJsonDocument::fromJson(m_process.readLine()).object();
        QList<QJsonObject> found;
        for (const QJsonObject& request : std::as_const(m_requests)) {
            if (request.value(QLatin1String("deliveryId")).toString() == deliveryId)
                found << request;
        }
        return found;
    }

    QByteArray diagnostics() { return m_process.readAllStandardError(); }

private:
    QProcess m_process;
    int m_port = 0;
    QList<QJsonObject> m_requests;
};

// A real engine (system clock: Standard Webhooks receivers refuse timestamps more than 5 minutes off) with
// its ingress and forwarding running, and an agent whose forward URL is a node receiver.
struct Setup
{
    explicit Setup(const QByteArray& receiverSecret = {}, const QString& path = QStringLiteral("/in"))
    {
        ok = start(receiverSecret, path);
    }

    bool start(const QByteArray& receiverSecret, const QString& path)
    {
        auto port = engine->startIngress(IngressFixture::defaultOptions());
        if (!port)
            return false;
        http = std::make_unique<HttpClient>(QUrl(engine->ingressUrl()));
        auto agent = engine->agents().create(QStringLiteral("node agent"));
        if (!agent)
            return false;
        auto hook = engine->webhooks().create(agent->agent.id, Provider::Generic);
        if (!hook)
            return false;
        webhookId = hook->webhook.id;
        secret = hook->secret;
        receiver = std::make_unique<NodeReceiver>(receiverSecret.isEmpty() ? secret : receiverSecret);
        if (!receiver->waitStarted()) {
            qWarning("node receiver did not start: %s", receiver->diagnostics().constData());
            return false;
        }
        if (!engine->agents().setForwardUrl(agent->agent.id, receiver->url(path)))
            return false;
        DeliveryOptions options;
        options.schedule = RetrySchedule({0, 200, 200}, 0.0); // no jitter, quick retries
        options.timeoutMs = 5'000;
        options.pollIntervalMs = 100;
        return bool(engine->startDelivery(options));
    }

    // Posts a signed body through the real ingress; the delivery id, empty unless it answered 202.
    QString send(const QByteArray& body, const QByteArray& contentType)
    {
        const auto r = http->postSigned(IngressFixture::hookPath(webhookId), body, secret,
                                        {{QByteArray("Content-Type"), contentType}});
        if (r.status != 202)
            qWarning() << "ingress answered" << r.status << r.body << r.error;
        return r.status == 202 ? r.json().value(QLatin1String("deliveryId")).toString() : QString();
    }

    DeliveryStatus status(const QString& id) { return engine->deliveries().get(id).value().status; }

    TestEngine engine;
    std::unique_ptr<HttpClient> http;
    std::unique_ptr<NodeReceiver> receiver;
    QString webhookId;
    QByteArray secret;
    bool ok = false;
};

QByteArray sha256Hex(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

QByteArray describe(const QJsonObject& request)
{
    return QJsonDocument(request).toJson(QJsonDocument::Compact);
}
} // namespace

class TestInteropDelivery : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QProcess probe;
        probe.setWorkingDirectory(QStringLiteral(ALFE_INTEROP_DIR));
        probe.start(
            QStringLiteral("node"),
            {QStringLiteral("-e"), QStringLiteral("Promise.all([import('@octokit/webhooks-methods'), "
                                                  "import('standardwebhooks')]).then(() => console.log('ok'))")});
        QVERIFY(probe.waitForFinished(60'000));
        QVERIFY2(probe.exitCode() == 0 && probe.readAllStandardOutput().trimmed() == "ok",
                 "npm packages missing in tests/interop: run ./dev test, which installs them");
    }

    void stockLibrariesVerifyEveryAttempt_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("attempts");
        QTest::newRow("compact JSON") << QStringLiteral("/in")
                                      << QByteArray(R"({"type":"order.paid","id":"ord_1","amount":4200,"ok":true})")
                                      << QByteArray("application/json") << 1;
        QTest::newRow("pretty UTF-8 JSON, trailing newline")
            << QStringLiteral("/in")
            << QByteArray("{\n  \"type\": \"menu.updated\",\n  \"item\": \"caf\xc3\xa9 \xe2\x9c\x93\",\n"
                          "  \"price\": 3.5,\n  \"tags\": [\"\xf0\x9f\x8d\xb5\", \"na\xc3\xafve\"]\n}\n")
            << QByteArray("application/json; charset=utf-8") << 1;
        QTest::newRow("form-encoded") << QStringLiteral("/in")
                                      << QByteArray("payload=%7B%22text%22%3A%22caf%C3%A9%22%7D&token=a+b&empty=")
                                      << QByteArray("application/x-www-form-urlencoded") << 1;
        // The second attempt is signed afresh (new timestamp, X-Alfe-Attempt 2) and still verifies.
        QTest::newRow("retried after a 500")
            << QStringLiteral("/fail-once") << QByteArray(R"({"type":"retry.me","n":[1,2,3]})")
            << QByteArray("application/json") << 2;
    }

    void stockLibrariesVerifyEveryAttempt()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, attempts);
        Setup s({}, path);
        QVERIFY(s.ok);
        const QString id = s.send(body, contentType);
        QVERIFY(!id.isEmpty());

        QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Delivered, 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(s.receiver->requestsFor(id).size(), attempts, 5'000);
        const QList<QJsonObject> requests = s.receiver->requestsFor(id);
        for (int n = 0; n < attempts; ++n) {
            const QJsonObject& r = requests.at(n);
            QVERIFY2(r.value(QLatin1String("standardWebhooks")).toBool(), describe(r).constData());
            QVERIFY2(r.value(QLatin1String("alfeSignature")).toBool(), describe(r).constData());
            QVERIFY2(r.value(QLatin1String("octokit")).toBool(), describe(r).constData());
            QCOMPARE(r.value(QLatin1String("path")).toString(), path);
            QCOMPARE(r.value(QLatin1String("attempt")).toString(), QString::number(n + 1));
            QCOMPARE(r.value(QLatin1String("bodyLength")).toInt(), int(body.size()));
            QCOMPARE(r.value(QLatin1String("bodySha256")).toString().toLatin1(), sha256Hex(body));
            QCOMPARE(r.value(QLatin1String("contentType")).toString().toLatin1(), contentType);
        }
        const Delivery d = s.engine->deliveries().get(id).value();
        QCOMPARE(d.attempts.size(), attempts);
        QCOMPARE(d.attempts.last().statusCode.value_or(0), 200);
        if (attempts > 1)
            QCOMPARE(d.attempts.first().statusCode.value_or(0), 500);
    }

    // Negative control: the same checks with another secret all fail, so a "true" above means something.
    void wrongSecretFailsAllThree()
    {
        const QByteArray otherSecret = "whsec_" + QByteArray(32, '\x5a').toBase64(); // well-formed, not the webhook's
        Setup s(otherSecret);
        QVERIFY(s.ok);
        QVERIFY(s.secret != otherSecret);
        const QByteArray body = R"({"type":"order.paid","id":"ord_2"})";
        const QString id = s.send(body, "application/json");
        QVERIFY(!id.isEmpty());

        QTRY_COMPARE_WITH_TIMEOUT(s.status(id), DeliveryStatus::Delivered, 15'000); // the receiver answers 200
        QTRY_COMPARE_WITH_TIMEOUT(s.receiver->requestsFor(id).size(), 1, 5'000);
        const QJsonObject r = s.receiver->requestsFor(id).first();
        QVERIFY2(!r.value(QLatin1String("standardWebhooks")).toBool(), describe(r).constData());
        QVERIFY2(!r.value(QLatin1String("alfeSignature")).toBool(), describe(r).constData());
        QVERIFY2(!r.value(QLatin1String("octokit")).toBool(), describe(r).constData());
        // Refused for the signature itself, not for missing headers or a stale timestamp.
        QCOMPARE(r.value(QLatin1String("standardWebhooksError")).toString(),
                 QStringLiteral("No matching signature found"));
        QCOMPARE(r.value(QLatin1String("bodySha256")).toString().toLatin1(), sha256Hex(body));
    }
};

QTEST_GUILESS_MAIN(TestInteropDelivery)
#include "tst_interop_delivery.moc"
