// The ceiling for the ingress benchmark: a QHttpServer (Qt 6.4) that answers POST /v1/hooks/<id> with 202
// and a fixed body, doing nothing else. Usage: respond_only PORT   (prints "listening PORT" when ready)
#include <QCoreApplication>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QTcpServer>

#include <cstdio>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QHttpServer server;
    server.route(QStringLiteral("/v1/hooks/<arg>"), QHttpServerRequest::Method::Post,
                 [](const QString&, const QHttpServerRequest&) {
                     return QHttpServerResponse(QByteArrayLiteral("application/json"),
                                                QByteArrayLiteral("{\"deliveryId\":\"dlv_bench\"}"),
                                                QHttpServerResponse::StatusCode::Accepted);
                 });
    const quint16 port =
        server.listen(QHostAddress::LocalHost, quint16(QCoreApplication::arguments().value(1).toUInt()));
    if (port == 0)
        return 1;
    std::printf("listening %u\n", unsigned(port));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
