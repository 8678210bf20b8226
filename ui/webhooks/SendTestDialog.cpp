#include "webhooks/SendTestDialog.h"

#include "backend/Backend.h"
#include "common/MonospaceFont.h"
#include "common/SchemeLabel.h"
#include "domain/Clock.h"
#include "domain/SamplePayloads.h"

#include <QDialogButtonBox>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace Alfe {

SendTestDialog::SendTestDialog(Backend& backend, const Webhook& webhook, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_webhook(webhook)
{
    setWindowTitle(tr("Send test event"));
    resize(620, 460);
    const SampleEvent sample = samplePayload(webhook.provider, webhook.id, backend.clock().nowMs());
    m_sampleHeaders = sample.headers;
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

void SendTestDialog::send()
{
    m_send->setEnabled(false);
    m_result->setText(tr("Signing and sending…"));
    QPointer<SendTestDialog> self(this);
    m_backend.sendTestEvent(m_webhook, m_body->toPlainText().toUtf8(), m_sampleHeaders,
                            [self](Result<TestEventResult> result) {
                                if (!self)
                                    return;
                                self->m_send->setEnabled(true);
                                if (!result) {
                                    self->m_result->setText(result.error().message);
                                    emit self->sent(0, QString());
                                    return;
                                }
                                self->showResult(result.value());
                            });
}

void SendTestDialog::showResult(const TestEventResult& result)
{
    const QString scheme = result.scheme.isEmpty() ? tr("the webhook's secret") : SchemeLabel::text(result.scheme);
    if (result.status == 202 || result.status == 200) {
        m_result->setText(tr("Signed with %1. HTTP %2: stored as %3. It appears in the Deliveries tab.")
                              .arg(scheme)
                              .arg(result.status)
                              .arg(result.deliveryId));
    } else {
        m_result->setText(tr("Signed with %1. HTTP %2: %3").arg(scheme).arg(result.status).arg(result.message));
    }
    emit sent(result.status, result.deliveryId);
}

} // namespace Alfe
