#pragma once

// `node stream-client.mjs URL OPTIONS` run from tests/interop (where ./dev test installs the npm packages): an
// agent on Alfe's live stream driven by the real npm `ws` client. What it saw arrives as JSON lines (see the
// script); what it should answer goes to its stdin ("ack ID", "nack ID [RETRY_AFTER]", "close [CODE]", ...).
// Shared by tests/interop/tst_interop_stream.cpp and tests/cli/tst_cli_stream_crash.cpp.
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QSet>
#include <QStringList>
#include <QTest>

namespace Alfe::Test {

class StreamClient final
{
public:
    // `url`: ws://HOST:PORT/v1/agents/me/stream[?window=N]; `options`: --token T, --ack, --secret S, --big N.
    StreamClient(const QString& url, const QStringList& options)
    {
        m_process.setWorkingDirectory(QStringLiteral(ALFE_INTEROP_DIR));
        m_process.start(QStringLiteral("node"), QStringList{QStringLiteral("stream-client.mjs"), url} + options);
    }
    ~StreamClient()
    {
        m_process.closeWriteChannel(); // the client closes its stream and exits when its stdin closes
        if (!m_process.waitForFinished(10'000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    Q_DISABLE_COPY_MOVE(StreamClient)

    // Every line the client printed so far, in order.
    const QList<QJsonObject>& events()
    {
        while (m_process.canReadLine()) {
            const QByteArray line = m_process.readLine();
            QJsonParseError error;
            const QJsonDocument json = QJsonDocument::fromJson(line, &error);
            if (error.error != QJsonParseError::NoError) {
                m_events << QJsonObject{{QStringLiteral("event"), QStringLiteral("unreadable")},
                                        {QStringLiteral("line"), QString::fromUtf8(line)}};
            } else {
                m_events << json.object();
            }
        }
        return m_events;
    }
    // The events named `event` ("open", "refused", "frame", "sent", "error", "close").
    QList<QJsonObject> events(const QString& event)
    {
        QList<QJsonObject> found;
        for (const QJsonObject& line : events()) {
            if (line.value(QLatin1String("event")).toString() == event)
                found << line;
        }
        return found;
    }
    bool saw(const QString& event) { return !events(event).isEmpty(); }
    // The server's frames of `type` ("hello", "delivery", "error"), each as the whole event line: {"frame", "check"}.
    QList<QJsonObject> frames(const QString& type)
    {
        QList<QJsonObject> found;
        for (const QJsonObject& line : events(QStringLiteral("frame"))) {
            if (line.value(QLatin1String("frame")).toObject().value(QLatin1String("type")).toString() == type)
                found << line;
        }
        return found;
    }
    QList<QJsonObject> deliveries() { return frames(QStringLiteral("delivery")); }
    // The delivery ids in the order their first frame arrived (a delivery sent again is listed once).
    QStringList deliveryIds()
    {
        QStringList ids;
        QSet<QString> seen;
        for (const QJsonObject& line : deliveries()) {
            const QString id =
                line.value(QLatin1String("frame")).toObject().value(QLatin1String("deliveryId")).toString();
            if (!seen.contains(id)) {
                seen.insert(id);
                ids << id;
            }
        }
        return ids;
    }
    // The frames of one delivery, in arrival order.
    QList<QJsonObject> framesOf(const QString& deliveryId)
    {
        QList<QJsonObject> found;
        for (const QJsonObject& line : deliveries()) {
            if (line.value(QLatin1String("frame")).toObject().value(QLatin1String("deliveryId")).toString() ==
                deliveryId)
                found << line;
        }
        return found;
    }
    // The close code the client saw, -1 while the stream is open.
    int closeCode()
    {
        const QList<QJsonObject> closes = events(QStringLiteral("close"));
        return closes.isEmpty() ? -1 : closes.last().value(QLatin1String("code")).toInt();
    }

    // Waits for the server's hello; false after `timeoutMs` without it.
    bool waitForHello(int timeoutMs = 20'000)
    {
        return QTest::qWaitFor([this] { return !frames(QStringLiteral("hello")).isEmpty(); }, timeoutMs);
    }
    // Waits until `count` frames of delivery `deliveryId` arrived; false after `timeoutMs`.
    bool waitForFrames(const QString& deliveryId, int count, int timeoutMs = 20'000)
    {
        return QTest::qWaitFor([&] { return framesOf(deliveryId).size() == count; }, timeoutMs);
    }

    // Whether the npm packages of tests/interop that the node scripts import are installed (./dev test does).
    static bool npmPackagesInstalled(const QStringList& packages)
    {
        QStringList imports;
        for (const QString& package : packages)
            imports << QStringLiteral("import('%1')").arg(package);
        QProcess probe;
        probe.setWorkingDirectory(QStringLiteral(ALFE_INTEROP_DIR));
        probe.start(QStringLiteral("node"),
                    {QStringLiteral("-e"),
                     QStringLiteral("Promise.all([%1]).then(() => console.log('ok'))").arg(imports.join(u','))});
        return probe.waitForFinished(60'000) && probe.exitCode() == 0 &&
               probe.readAllStandardOutput().trimmed() == "ok";
    }

    void command(const QByteArray& line) { m_process.write(line + '\n'); }
    void ack(const QString& deliveryId) { command("ack " + deliveryId.toLatin1()); }
    void nack(const QString& deliveryId) { command("nack " + deliveryId.toLatin1()); }

    QProcess& process() { return m_process; }
    bool running() const { return m_process.state() != QProcess::NotRunning; }

    // The last lines and what the client wrote on stderr, for failure messages.
    QByteArray describe()
    {
        QByteArray out = "stream client: ";
        const QList<QJsonObject>& all = events();
        for (qsizetype i = qMax<qsizetype>(0, all.size() - 8); i < all.size(); ++i) {
            QByteArray line = QJsonDocument(all.at(i)).toJson(QJsonDocument::Compact);
            if (line.size() > 600)
                line = line.left(600) + "…";
            out += line + '\n';
        }
        return out + "stderr: " + m_process.readAllStandardError();
    }

private:
    QProcess m_process;
    QList<QJsonObject> m_events;
};

} // namespace Alfe::Test
