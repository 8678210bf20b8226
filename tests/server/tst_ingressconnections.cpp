#include "IngressFixture.h"
#include "crypto/Signature.h"

#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

using namespace Alfe;
using Test::IngressFixture;

namespace {
QByteArray signedRequest(const QString& webhookId, const QByteArray& body, const QByteArray& secret)
{
    return "POST /v1/hooks/" + webhookId.toLatin1() +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Content-Type: application/json\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\n" + Signature::HeaderName + ": " + Signature::sign(secret, body) +
           "\r\n\r\n" + body;
}

QList<int> statuses(const QByteArray& stream)
{
    QList<int> codes;
    const QRegularExpression line(QStringLiteral("HTTP/1\\.1 (\\d{3}) "));
    auto it = line.globalMatch(QString::fromLatin1(stream));
    while (it.hasNext())
        codes << it.next().captured(1).toInt();
    return codes;
}
} // namespace

// What Qt 6.4's QHttpServer gets wrong with deferred answers, and the ingress must not: a client that
// leaves before its answer is written, and pipelined requests answered out of order.
class TestIngressConnections : public QObject
{
    Q_OBJECT

private slots:
    void clientLeavesBeforeTheCommit()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const QUrl base(f.engine().ingressUrl());
        for (int i = 0; i < 50; ++i) {
            QTcpSocket socket;
            socket.connectToHost(base.host(), quint16(base.port()));
            QVERIFY(socket.waitForConnected(5000));
            socket.write(signedRequest(id, "{\"n\":" + QByteArray::number(i) + "}", secret));
            QVERIFY(socket.waitForBytesWritten(5000));
            socket.abort(); // gone before the group commit answers
        }
        // The server is alive and answers; what was received was still stored (the sender just did not
        // hear back, and will retry: dedup handles that).
        QCOMPARE(f.http().postSigned(IngressFixture::hookPath(id), "{\"after\":true}", secret).status, 202);
        QTRY_VERIFY(f.count(QStringLiteral("1")) >= 1);
    }

    void pipelinedAnswersKeepRequestOrder()
    {
        IngressFixture f;
        QByteArray secret;
        const QString id = f.createWebhook(Provider::Generic, &secret);
        const QUrl base(f.engine().ingressUrl());
        QTcpSocket socket;
        socket.connectToHost(base.host(), quint16(base.port()));
        QVERIFY(socket.waitForConnected(5000));
        // A stored one (answered after its commit), a refused one (answered at once), a stored one, an
        // unknown route: the answers must come back in this order.
        QByteArray pipeline = signedRequest(id, "{\"n\":1}", secret);
        pipeline += signedRequest(id, "{\"n\":2}", "whsec_wrong");
        pipeline += signedRequest(id, "{\"n\":3}", secret);
        pipeline += "GET /v1/agents/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        socket.write(pipeline);
        QByteArray received;
        QTRY_VERIFY_WITH_TIMEOUT((received += socket.readAll(), statuses(received).size() == 4), 10000);
        QCOMPARE(statuses(received), (QList<int>{202, 401, 202, 401}));
        QVERIFY(received.indexOf("\"n\"") < 0); // answers, not echoes
        QCOMPARE(f.count(QStringLiteral("1")), 2);
    }
};

QTEST_GUILESS_MAIN(TestIngressConnections)
#include "tst_ingressconnections.moc"
