#pragma once

// What the admin API suites share: a real server (IngressFixture: 127.0.0.1, port 0, a real SQLite file), an
// admin token, and requests made with it.
#include "IngressFixture.h"
#include "store/AdminTokenStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

namespace Alfe::Test {

using Headers = QList<QPair<QByteArray, QByteArray>>;

inline Headers bearer(const QByteArray& token)
{
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

class AdminApiFixture final
{
public:
    AdminApiFixture()
        : m_tokens(f.engine().database(), f.clock())
    {
        m_token = m_tokens.create(QStringLiteral("tests")).value().token;
    }

    HttpResponse get(const QString& path) { return f.http().get(path, bearer(m_token)); }
    HttpResponse send(const QByteArray& method, const QString& path, const QByteArray& body = {})
    {
        return f.http().send(method, path, body, bearer(m_token));
    }
    HttpResponse post(const QString& path, const QByteArray& body = "{}") { return send("POST", path, body); }
    static QByteArray json(const QJsonObject& object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

    // Deliveries of `webhookId` written straight into the log (fast), `perMs` to a millisecond of the clock,
    // which moves on after each millisecond's rows. Returns their ids, oldest first.
    QStringList seed(const QString& webhookId, int count, int perMs = 1,
                     const QString& eventType = QStringLiteral("seed"))
    {
        QStringList ids;
        Engine& engine = f.engine();
        const Provider provider = engine.webhooks().get(webhookId)->provider;
        const auto written = engine.database().transaction([&]() -> Result<void> {
            for (int i = 0; i < count; ++i) {
                IncomingDelivery in;
                in.webhookId = webhookId;
                in.provider = provider;
                in.eventType = eventType;
                in.contentType = QStringLiteral("application/json");
                in.body = "{\"seed\":" + QByteArray::number(i) + ",\"of\":\"" + webhookId.toLatin1() + "\"}";
                auto stored = engine.deliveries().insert(in);
                if (!stored)
                    return stored.error();
                ids << stored->deliveryId;
                if ((i + 1) % perMs == 0)
                    f.clock().advanceMs(1);
            }
            return {};
        });
        if (!written)
            qWarning("seeding failed: %s", qPrintable(written.error().message));
        return ids;
    }

    QStringList idsOf(const HttpResponse& page) const
    {
        QStringList ids;
        for (const QJsonValue& row : page.json().value(QLatin1String("deliveries")).toArray())
            ids << row.toObject().value(QLatin1String("id")).toString();
        return ids;
    }

    IngressFixture f;
    QByteArray m_token;

private:
    AdminTokenStore m_tokens;

public:
    AdminTokenStore& tokens() { return m_tokens; }
};

} // namespace Alfe::Test

// An error answer: the status, the code and the exact message.
#define ADMIN_VERIFY_ERROR(response, status_, code_, message_)                                                         \
    do {                                                                                                               \
        const ::Alfe::Test::HttpResponse& r_ = (response);                                                             \
        QVERIFY2(r_.status == (status_), r_.body.constData());                                                         \
        const QJsonObject e_ = r_.json().value(QLatin1String("error")).toObject();                                     \
        QCOMPARE(e_.value(QLatin1String("code")).toString(), QStringLiteral(code_));                                   \
        QCOMPARE(e_.value(QLatin1String("message")).toString(), QString(message_));                                    \
    } while (false)
