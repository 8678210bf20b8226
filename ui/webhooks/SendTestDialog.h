#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"
#include "domain/Result.h"

#include <QDialog>

class QLabel;
class QNetworkAccessManager;
class QPlainTextEdit;
class QPushButton;

namespace Alfe {

class Engine;

// Send a realistic sample event (GitHub push, Stripe invoice.paid, Slack app_mention, generic JSON), signed the
// way the real provider would sign it (SignatureSchemes::senderScheme: Stripe-Signature for a stripe webhook with
// an imported secret, X-Alfe-Signature-256 with the webhook's own secret when nothing is imported…), through the
// real ingress: the first delivery a new user sees. The result says which scheme signed it.
class SendTestDialog final : public QDialog
{
    Q_OBJECT

public:
    SendTestDialog(Engine& engine, const Webhook& webhook, QWidget* parent = nullptr);

signals:
    void sent(int httpStatus, const QString& deliveryId);

private:
    struct Signed
    {
        QString scheme;     // SignatureScheme::name()
        HeaderList headers; // what it adds to the request
    };
    // Signs `body` with the webhook's current secrets, read now and cleansed before returning.
    Result<Signed> sign(const QByteArray& body) const;
    void send();

    Engine& m_engine;
    Webhook m_webhook;
    QByteArrayList m_sampleHeaderNames;
    QList<QByteArray> m_sampleHeaderValues;
    QPlainTextEdit* m_body = nullptr;
    QLabel* m_result = nullptr;
    QPushButton* m_send = nullptr;
    QNetworkAccessManager* m_network = nullptr;
};

} // namespace Alfe
