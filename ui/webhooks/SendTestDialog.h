#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"
#include "domain/Result.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace Alfe {

class Backend;
struct TestEventResult;

// Send a realistic sample event (GitHub push, Stripe invoice.paid, Slack app_mention, generic JSON), signed the
// way the real provider would sign it (SignatureSchemes::senderScheme: Stripe-Signature for a stripe webhook with
// an imported secret, X-Alfe-Signature-256 with the webhook's own secret when nothing is imported…), through the
// real ingress: the first delivery a new user sees. The result says which scheme signed it.
class SendTestDialog final : public QDialog
{
    Q_OBJECT

public:
    SendTestDialog(Backend& backend, const Webhook& webhook, QWidget* parent = nullptr);

signals:
    void sent(int httpStatus, const QString& deliveryId);

private:
    void send();
    void showResult(const TestEventResult& result);

    Backend& m_backend;
    Webhook m_webhook;
    HeaderList m_sampleHeaders;
    QPlainTextEdit* m_body = nullptr;
    QLabel* m_result = nullptr;
    QPushButton* m_send = nullptr;
};

} // namespace Alfe
