// Fuzzes what an agent sends on its live stream (core/delivery/StreamFrame.h): any text is either one answer
// whose fields are in range, or a refusal that says why; a delivery frame built from any body reads back as
// JSON with that exact body.

#include "FuzzSupport.h"

#include "delivery/StreamFrame.h"

#include <QJsonDocument>
#include <QJsonObject>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray text = AlfeFuzz::bytes(data, size).toByteArray();
    QString problem;
    const auto answer = Alfe::StreamFrame::parseAnswer(text, &problem);
    if (!answer) {
        FUZZ_CHECK(!problem.isEmpty());
    } else {
        FUZZ_CHECK(!answer->deliveryId.isEmpty());
        FUZZ_CHECK(answer->statusCode == 0 || (answer->statusCode >= 100 && answer->statusCode <= 599));
        FUZZ_CHECK(answer->retryAfterMs >= -1 &&
                   answer->retryAfterMs <= Alfe::StreamFrame::MaxRetryAfterSeconds * 1000);
        FUZZ_CHECK(!answer->ack || answer->retryAfterMs == -1);
        FUZZ_CHECK(answer->reason.size() <= Alfe::StreamFrame::MaxReasonChars);
    }

    Alfe::Delivery delivery;
    delivery.id = QStringLiteral("dlv_01M8PMJMW7KS45MEMMNCGTBZD1");
    delivery.body = text;
    delivery.eventType = QString::fromUtf8(text.left(40));
    const Alfe::HeaderList headers{{QByteArray("X-Sent"), text.left(60)}};
    const QByteArray frame = Alfe::StreamFrame::delivery(delivery, headers, 1);
    QJsonParseError error;
    const QJsonObject object = QJsonDocument::fromJson(frame, &error).object();
    FUZZ_CHECK(error.error == QJsonParseError::NoError);
    FUZZ_CHECK(QByteArray::fromBase64(object.value(QLatin1String("body")).toString().toLatin1()) == text);
    return 0;
}
