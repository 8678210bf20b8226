#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

class QTimer;

namespace Alfe {
class ForwardClient;
struct ForwardAnswer;
} // namespace Alfe

namespace Alfe::Cli {

// `alfe listen --forward-to`: hands one delivery of the stream to the local receiver, the exact body with every
// header of the frame, over keep-alive connections (the core's ForwardClient, as `alfe serve` forwards), and
// says how it answered: the ack or nack for the server, and the words for the delivery's line.
class LocalForwarder final : public QObject
{
public:
    struct Result
    {
        QJsonObject reply; // {"type":"ack"|"nack","deliveryId",…}, as the server takes it
        QString status;    // "200", or what kept the receiver from answering: "refused", "timeout", "error"
        bool ok = false;   // a 2xx
        qint64 latencyMs = 0;
    };
    using Done = std::function<void(const Result&)>;

    explicit LocalForwarder(QUrl target, QObject* parent = nullptr);
    ~LocalForwarder() override;
    Q_DISABLE_COPY_MOVE(LocalForwarder)

    QUrl target() const { return m_target; }
    // POSTs the delivery; `done` runs once, later, with the answer or after `timeoutMs` without one.
    void forward(const QJsonObject& frame, const QByteArray& body, int timeoutMs, Done done);
    // Ends every request in flight without running its `done`; returns how many there were.
    int abandonAll();

private:
    struct Pending
    {
        QString deliveryId;
        quint64 handle = 0;
        QTimer* timeout = nullptr;
        QElapsedTimer started;
        Done done;
    };
    void answered(quint64 serial, const ForwardAnswer& answer);

    QUrl m_target;
    ForwardClient* m_client = nullptr;
    QHash<quint64, Pending> m_pending;
    quint64 m_nextSerial = 1;
};

} // namespace Alfe::Cli
