#include "webhooks/SendTestDialog.h"

#include "Engine.h"
#include "common/MonospaceFont.h"
#include "common/SchemeLabel.h"
#include "crypto/Secrets.h"
#include "crypto/SignatureSchemes.h"
#include "domain/Clock.h"
#include "domain/SamplePayloads.h"
#include "domain/Ulid.h"
#include "store/WebhookStore.h"

#include <QDialogButtonBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Alfe {

SendTestDialog::SendTestDialog(Engine& engine, const Webhook& webhook, QWidget* parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_webhook(webhook)
    , m_network(new QNetworkAccessManager(this))
{
    setWindowTitle(tr("Send test event"));
    resize(620, 460);
    const SampleEvent sample = samplePayload(webhook.provider, webhook.id, engine.clock().nowMs());
    for (const auto& [name, value] : sample.headers) {
        m_sampleHeaderNames << name;
        m_sampleHeaderValues << value;
    }
    auto* intro = new QLabel(tr("A sample <b>%1</b> event for <b>%2</b>, signed and posted to the ingress the way the "
                                "real sender would (with the provider's own signature when its secret is imported). "
                                "Edit the body if you like.")
                                 .arg(sample.eventType.toHtmlEscaped(), webhook.id.toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    m_body = new QPlainTextEdit(this);
    m_body->setObjectName(QStringLiteral("bodyEdit"));
    m_body->setFont(MonospaceFont::font());
    m_body->setPlainText(QString::fromUtf8(QJsonDocument::fromJson(sample.body).toJson(QJsonDocument::Indented)));
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("resultLabel"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_send = buttons->addButton(tr("&Send"), QDialogButtonBox::AcceptRole);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setDefault(true);
    connect(m_send, &QPushButton::clicked, this, &SendTestDialog::send);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_body, 1);
    layout->addWidget(m_result);
    layout->addWidget(buttons);
}

Result<SendTestDialog::Signed> SendTestDialog::sign(const QByteArray& body) const
{
    const auto cleanseAll = [](QList<QByteArray>& secrets) {
        for (QByteArray& secret : secrets)
            Secrets::cleanse(secret);
    };
    auto own = m_engine.webhooks().validSecrets(m_webhook.id);
    if (!own)
        return own.error();
    auto imported = m_engine.webhooks().validProviderSecrets(m_webhook.id);
    if (!imported) {
        cleanseAll(own.value());
        return imported.error();
    }
    const SchemeKeys keys{own.value(), imported.value()};
    const SignatureScheme& scheme = SignatureSchemes::senderScheme(m_webhook.provider, keys);
    const qint64 now = m_engine.clock().nowMs();
    Signed result{scheme.name(), scheme.sign(body, keys, now, "msg_" + Ulid::generate(now).toLatin1())};
    cleanseAll(own.value());
    cleanseAll(imported.value());
    if (result.headers.isEmpty())
        return Errors::invalid(tr("The webhook has no valid secret to sign with."));
    return result;
}

void SendTestDialog::send()
{
    const QString base = m_engine.runningIngressLocalUrl();
    if (base.isEmpty()) {
        m_result->setText(tr("The ingress is not running, so there is nothing to send to. Check the status bar."));
        return;
    }
    const QByteArray body = m_body->toPlainText().toUtf8();
    QNetworkRequest request(QUrl(base + QStringLiteral("/v1/hooks/") + m_webhook.id));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    for (qsizetype i = 0; i < m_sampleHeaderNames.size(); ++i)
        request.setRawHeader(m_sampleHeaderNames[i], m_sampleHeaderValues[i]);
    auto signature = sign(body);
    if (!signature) {
        m_result->setText(signature.error().message);
        return;
    }
    for (const auto& [name, value] : signature->headers)
        request.setRawHeader(name, value);
    const QString scheme = SchemeLabel::text(signature->scheme);
    m_send->setEnabled(false);
    m_result->setText(tr("Sending, signed with %1…").arg(scheme));
    QNetworkReply* reply = m_network->post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, scheme] {
        reply->deleteLater();
        m_send->setEnabled(true);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        const QString deliveryId = answer.value(QLatin1String("deliveryId")).toString();
        if (status == 202 || status == 200) {
            m_result->setText(tr("Signed with %1. HTTP %2: stored as %3. It appears in the Deliveries tab.")
                                  .arg(scheme)
                                  .arg(status)
                                  .arg(deliveryId));
        } else if (status > 0) {
            m_result->setText(
                tr("Signed with %1. HTTP %2: %3")
                    .arg(scheme)
                    .arg(status)
                    .arg(answer.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString()));
        } else {
            m_result->setText(tr("The ingress did not answer: %1").arg(reply->errorString()));
        }
        emit sent(status, deliveryId);
    });
}

} // namespace Alfe
