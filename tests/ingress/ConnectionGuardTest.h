#pragma once

// The connection guard in front of a real QHttpServer on 127.0.0.1, driven by raw sockets (exact bytes on the
// wire), QNetworkAccessManager and the curl binary. The test class and its helpers, shared by the two files
// that hold the tests (limits and heads; idle, keep-alive and pipelining).
#include "GuardClient.h"
#include "RawAnswer.h"
#include "ingress/ConnectionGuard.h"

#include <QFile>
#include <QHttpServer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

namespace Alfe::GuardTest {

using Test::Answer;
using Test::parseAnswers;

inline constexpr qint64 MiB = 1024 * 1024;
inline constexpr int SlowAnswerMs = 800;

inline qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

using RawClient = Test::GuardClient<QTcpSocket>;

inline QByteArray post(QByteArrayView path, const QByteArray& body, QByteArrayView extraHeaders = {})
{
    return "POST " + path.toByteArray() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
           extraHeaders.toByteArray() + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

inline QByteArray header(const RefusedRequest& request, QByteArrayView name)
{
    for (const auto& [key, value] : request.headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace Alfe::GuardTest

using namespace Alfe;
using namespace Alfe::GuardTest;

class TestConnectionGuard final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void declaredHugeBodyIsRefusedFromItsHead();
    void chunkedBodyIsCutOffSoonAfterTheLimit();
    void bodyAtTheLimitIsAccepted_data();
    void bodyAtTheLimitIsAccepted();
    void bodyOneByteOverTheLimitIsRefused_data();
    void bodyOneByteOverTheLimitIsRefused();
    void oversizedHeadIsRefused();
    void wrongMethodIsRefusedWithAllow_data();
    void wrongMethodIsRefusedWithAllow();
    void otherRequestsReachQHttpServer();
    void malformedHeadIsRefused_data();
    void malformedHeadIsRefused();
    void expectContinueIsAnsweredBeforeTheBody();
    void expectContinueIsNotSentForARefusedHead();
    void curlPostsTwoMebibytesWithoutStalling();
    void silentConnectionIsClosed();
    void halfHeadIsAnswered408AndClosed();
    void slowHeadIsCutOff();
    void idleKeepAliveConnectionIsClosed();
    void connectionAwaitingItsAnswerIsNotClosed();
    void connectionCloseClosesAfterTheAnswer_data();
    void connectionCloseClosesAfterTheAnswer();
    void keepAliveServesSequentialRequests();
    void pipelinedRequestsAreAnsweredInOrder();
    void pipeliningFarAheadOfAnAnswerIsCut();
    void connectionLimit();
    void currentSocketIsTheRequestsSocket();
    void slowBodyIsCutOffByTheRequestTimeout();
    void answerThatNeverComesClosesTheConnection();
    void answerOutsideARequestClosesTheConnection();
    void bodiesOverTheMemoryBudgetAreRefused();

private:
    void startServer(const GuardLimits& limits = {});

    std::unique_ptr<QHttpServer> m_server;
    QPointer<ConnectionGuard> m_guard;
    quint16 m_port = 0;
    QList<RefusedRequest> m_refused;
    QList<quint16> m_handlerPeerPorts; // currentSocket()->peerPort() as seen by each hook handler
    std::vector<std::shared_ptr<QHttpServerResponder>> m_unanswered; // whk_never's requests
};
