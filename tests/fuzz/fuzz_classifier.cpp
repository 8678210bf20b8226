// Fuzzes provider classification (core/domain/DeliveryClassifier.h) the way the hook receiver uses it: the
// content type decides the body kind, a JSON body is parsed, then the dedup key and the event type are read
// from arbitrary headers and body for each provider.
//
// Input: header lines "Name: value" (LF or CRLF), an empty line, then the body. No empty line: all headers.

#include "FuzzSupport.h"

#include "domain/DeliveryClassifier.h"
#include "domain/Domain.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace Classifier = Alfe::DeliveryClassifier;
using Alfe::Provider;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray input = AlfeFuzz::bytes(data, size).toByteArray();
    qsizetype end = input.indexOf("\n\n");
    qsizetype bodyStart = end < 0 ? input.size() : end + 2;
    if (const qsizetype crlf = input.indexOf("\r\n\r\n"); crlf >= 0 && (end < 0 || crlf < end)) {
        end = crlf;
        bodyStart = crlf + 4;
    }
    const QByteArray head = input.left(end < 0 ? input.size() : end);
    const QByteArray body = input.mid(bodyStart);

    Alfe::HeaderList headers;
    for (QByteArray line : head.split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            headers.append({line, QByteArray()});
        else
            headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }

    const QByteArray contentType = Classifier::header(headers, "Content-Type");
    FUZZ_CHECK(contentType == contentType.trimmed());
    const auto kind = Classifier::bodyKind(contentType);
    FUZZ_CHECK(Classifier::bodyKind(contentType.toUpper()) == kind);
    QJsonObject json;
    if (kind == Classifier::BodyKind::Json) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(body, &error);
        if (error.error == QJsonParseError::NoError)
            json = document.object();
    }
    // The body as JSON whatever the content type, so the classifiers always see what the fuzzer wrote.
    const QJsonObject anyway = QJsonDocument::fromJson(body).object();

    for (const Provider provider : {Provider::Generic, Provider::GitHub, Provider::Stripe, Provider::Slack}) {
        for (const QJsonObject* object : {static_cast<const QJsonObject*>(&json), &anyway}) {
            const QString key = Classifier::dedupKey(provider, headers, *object);
            const QString type = Classifier::eventType(provider, headers, *object);
            FUZZ_CHECK(key.size() <= 200 && type.size() <= 200); // both are bounded before they are stored
            FUZZ_CHECK(Classifier::dedupKey(provider, headers, *object) == key); // deterministic
            const QString explicitKey = QString::fromUtf8(Classifier::header(headers, "X-Alfe-Delivery-Id"));
            if (!explicitKey.isEmpty()) // the explicit header wins for these two (stripe/slack: a body id first)
                FUZZ_CHECK(key == explicitKey.left(200) ||
                           (provider != Provider::Generic && provider != Provider::GitHub));
        }
    }
    return 0;
}
