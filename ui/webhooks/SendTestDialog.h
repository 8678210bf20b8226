#pragma once

#include "domain/Domain.h"

#include <QDialog>

class QLabel;
class QNetworkAccessManager;
class QPlainTextEdit;
class QPushButton;

namespace Alfe {

class Engine;

// Send a realistic sample event (GitHub push, Stripe invoice.paid, Slack app_mention, generic JSON),
// signed with the webhook's stored secret, through the real ingress: the first delivery a new user sees.
class SendTestDialog final : public QDialog
{
    Q_OBJECT

public:
    SendTestDialog(Engine& engine, const Webhook& webhook, QWidget* parent = nullptr);

signals:
    void sent(int httpStatus, const QString& deliveryId);

private:
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
