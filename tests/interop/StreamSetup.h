#pragma once

// What the agent stream's interop suites share (tst_interop_stream, tst_interop_stream_edges): an engine with its
// ingress and delivery running and a streaming agent, frame helpers, and the docs/examples agents as processes.
#include "Engine.h"
#include "HttpClient.h"
#include "IngressFixture.h"
#include "ManualClock.h"
#include "StreamClient.h"
#include "TestEngine.h"
#include "TestReceiver.h"
#include "store/AgentStore.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

namespace Alfe::Test {
inline constexpr qint64 MiB = 1024 * 1024;

// An engine with its ingress and delivery running, an agent with a token and no forward URL (the stream is
// its only way in), and a webhook of that agent.
struct Setup
{
    static DeliveryOptions defaultOptions()
    {
        DeliveryOptions options;
        options.schedule = RetrySchedule({0, 5'000, 300'000}, 0.0); // no jitter: exact times
        options.timeoutMs = 10'000;
        options.pollIntervalMs = 200;
        return options;
    }

    explicit Setup(const DeliveryOptions& options = defaultOptions(), bool runDelivery = true)
    {
        ok = start(options, runDelivery);
    }

    bool start(const DeliveryOptions& options, bool runDelivery)
    {
        if (!engine->startIngress(IngressFixture::defaultOptions()))
            return false;
        http = std::make_unique<HttpClient>(QUrl(engine->ingressUrl()));
        auto agent = engine->agents().create(QStringLiteral("stream agent"));
        if (!agent)
            return false;
        agentId = agent->agent.id;
        token = agent->token;
        auto hook = engine->webhooks().create(agentId, Provider::Generic);
        if (!hook)
            return false;
        webhookId = hook->webhook.id;
        secret = hook->secret;
        return !runDelivery || bool(engine->startDelivery(options));
    }

    // ws://127.0.0.1:PORT/v1/agents/me/stream + query
    QString streamUrl(const QString& query = {})
    {
        QString base = engine->ingressUrl();
        base.replace(QRegularExpression(QStringLiteral("^http")), QStringLiteral("ws"));
        return base + QStringLiteral("/v1/agents/me/stream") + query;
    }
    QStringList clientOptions(bool autoAck) const
    {
        QStringList options{QStringLiteral("--token"), QString::fromLatin1(token), QStringLiteral("--secret"),
                            QString::fromLatin1(secret)};
        if (autoAck)
            options << QStringLiteral("--ack");
        return options;
    }

    // Posts a signed body through the real ingress; the delivery id, empty unless it answered 202.
    QString send(const QByteArray& body, const QByteArray& contentType = "application/json")
    {
        const auto r = http->postSigned(IngressFixture::hookPath(webhookId), body, secret,
                                        {{QByteArray("Content-Type"), contentType}});
        if (r.status != 202)
            qWarning() << "ingress answered" << r.status << r.body << r.error;
        return r.status == 202 ? r.json().value(QLatin1String("deliveryId")).toString() : QString();
    }

    Delivery delivery(const QString& id) { return engine->deliveries().get(id).value(); }
    DeliveryStatus status(const QString& id) { return delivery(id).status; }
    int attempts(const QString& id) { return int(delivery(id).attempts.size()); }
    // Moves the manual clock and lets the scheduler look.
    void advance(qint64 ms)
    {
        clock.advanceMs(ms);
        engine->wakeDelivery();
    }

    ManualClock clock{QDateTime::currentMSecsSinceEpoch()};
    TestEngine engine{clock};
    std::unique_ptr<HttpClient> http;
    QString agentId;
    QByteArray token;
    QString webhookId;
    QByteArray secret;
    bool ok = false;
};

inline QJsonObject frameOf(const QJsonObject& line)
{
    return line.value(QLatin1String("frame")).toObject();
}
inline QJsonObject checkOf(const QJsonObject& line)
{
    return line.value(QLatin1String("check")).toObject();
}
inline QByteArray describe(const QJsonObject& line)
{
    return QJsonDocument(line).toJson(QJsonDocument::Compact);
}
inline QByteArray sha256Hex(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

// This process's resident set (VmRSS in /proc/self/status), in bytes; -1 when unreadable.
inline qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QRegularExpression rss(QStringLiteral("^VmRSS:\\s+(\\d+) kB"), QRegularExpression::MultilineOption);
    const auto m = rss.match(QString::fromLatin1(status.readAll()));
    return m.hasMatch() ? m.captured(1).toLongLong() * 1024 : -1;
}

// A program of docs/examples run as an agent: its stdout lines so far.
class DocsAgent final
{
public:
    DocsAgent(const QString& program, const QStringList& arguments, const QProcessEnvironment& env,
              const QString& workDir)
    {
        m_process.setProcessEnvironment(env);
        m_process.setWorkingDirectory(workDir);
        m_process.start(program, arguments);
    }
    ~DocsAgent()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    Q_DISABLE_COPY_MOVE(DocsAgent)

    QStringList lines()
    {
        while (m_process.canReadLine())
            m_lines << QString::fromUtf8(m_process.readLine()).trimmed();
        return m_lines;
    }
    bool printed(const QString& fragment)
    {
        for (const QString& line : lines()) {
            if (line.contains(fragment))
                return true;
        }
        return false;
    }
    QProcess& process() { return m_process; }
    QByteArray describe()
    {
        return "agent printed: " + lines().join(QLatin1Char('\n')).toUtf8() +
               "\nstderr: " + m_process.readAllStandardError();
    }

private:
    QProcess m_process;
    QStringList m_lines;
};
} // namespace Alfe::Test
