#include "common/StatusStyle.h"

#include <QCoreApplication>
#include <QLabel>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QWidget>

namespace Alfe::StatusStyle {

Tone tone(DeliveryStatus status)
{
    switch (status) {
    case DeliveryStatus::Delivered:
        return Tone::Good;
    case DeliveryStatus::Failed:
        return Tone::Bad;
    case DeliveryStatus::Delivering:
    case DeliveryStatus::Retrying:
        return Tone::Pending;
    case DeliveryStatus::Duplicate:
        return Tone::Muted;
    case DeliveryStatus::Queued:
        break;
    }
    return Tone::Neutral;
}

Tone tone(AgentStatus status)
{
    switch (status) {
    case AgentStatus::Online:
        return Tone::Good;
    case AgentStatus::Paused:
        return Tone::Pending;
    case AgentStatus::Offline:
        break;
    }
    return Tone::Muted;
}

QString label(AgentStatus status)
{
    switch (status) {
    case AgentStatus::Online:
        return QCoreApplication::translate("AgentStatus", "Online");
    case AgentStatus::Paused:
        return QCoreApplication::translate("AgentStatus", "Paused");
    case AgentStatus::Offline:
        break;
    }
    return QCoreApplication::translate("AgentStatus", "Offline");
}

Tone tone(const Agent& agent)
{
    return agent.streaming() ? Tone::Good : tone(agent.status);
}

QString viaLabel(const QString& via)
{
    if (via == QLatin1String("stream"))
        return QCoreApplication::translate("AttemptVia", "stream");
    if (via.isEmpty() || via == QLatin1String("http"))
        return QStringLiteral("HTTP");
    return via; // a way a newer version records
}

QString label(DeliveryStatus status)
{
    switch (status) {
    case DeliveryStatus::Queued:
        return QCoreApplication::translate("DeliveryStatus", "Queued");
    case DeliveryStatus::Delivering:
        return QCoreApplication::translate("DeliveryStatus", "Delivering");
    case DeliveryStatus::Retrying:
        return QCoreApplication::translate("DeliveryStatus", "Retrying");
    case DeliveryStatus::Delivered:
        return QCoreApplication::translate("DeliveryStatus", "Delivered");
    case DeliveryStatus::Failed:
        return QCoreApplication::translate("DeliveryStatus", "Failed");
    case DeliveryStatus::Duplicate:
        return QCoreApplication::translate("DeliveryStatus", "Duplicate");
    }
    return {};
}

QString providerLabel(Provider provider)
{
    switch (provider) {
    case Provider::GitHub:
        return QStringLiteral("GitHub");
    case Provider::Stripe:
        return QStringLiteral("Stripe");
    case Provider::Slack:
        return QStringLiteral("Slack");
    case Provider::Generic:
        break;
    }
    return QCoreApplication::translate("DeliveryStatus", "Generic");
}

bool isDark(const QPalette& palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor color(Tone tone, const QPalette& palette)
{
    // Two shades per tone: the darker one on a light base, the lighter one on a dark base, both well
    // above 4.5:1 contrast against the usual light and dark window colours.
    const bool dark = isDark(palette);
    switch (tone) {
    case Tone::Good:
        return dark ? QColor(0x56, 0xd3, 0x64) : QColor(0x1a, 0x7f, 0x37);
    case Tone::Bad:
        return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc6, 0x28, 0x28);
    case Tone::Pending:
        return dark ? QColor(0xe3, 0xb3, 0x41) : QColor(0x9a, 0x67, 0x00);
    case Tone::Accent:
        return dark ? QColor(0x79, 0xc0, 0xff) : QColor(0x05, 0x50, 0xae);
    case Tone::Special:
        return dark ? QColor(0xd2, 0xa8, 0xff) : QColor(0x82, 0x50, 0xdf);
    case Tone::Muted:
        return palette.color(QPalette::PlaceholderText);
    case Tone::Neutral:
        break;
    }
    return palette.color(QPalette::Text);
}

void setTextTone(QWidget* widget, Tone tone)
{
    QPalette palette = widget->palette();
    const QColor colour = color(tone, palette);
    palette.setColor(QPalette::WindowText, colour);
    palette.setColor(QPalette::Text, colour);
    widget->setPalette(palette);
}

QLabel* problemLabel(QWidget* parent, const QString& objectName)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    setTextTone(label, Tone::Bad);
    label->hide();
    return label;
}

QIcon dot(Tone tone, const QPalette& palette)
{
    constexpr int Size = 16;
    QPixmap pixmap(Size, Size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(color(tone, palette));
    painter.drawEllipse(QRectF(4, 4, 8, 8));
    painter.end();
    return QIcon(pixmap);
}

} // namespace Alfe::StatusStyle
