#include "common/DotIconEngine.h"

#include <QPainter>
#include <QPixmap>

#include <algorithm>

namespace Alfe {

DotIconEngine::DotIconEngine(const QColor& colour)
    : m_colour(colour)
{}

void DotIconEngine::paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State)
{
    QColor colour = m_colour;
    if (mode == QIcon::Disabled)
        colour.setAlphaF(colour.alphaF() * 0.4f);
    const qreal diameter = std::min(rect.width(), rect.height()) / 2.0;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(colour);
    painter->drawEllipse(QRectF(rect).center(), diameter / 2, diameter / 2);
    painter->restore();
}

QPixmap DotIconEngine::pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state)
{
    // QIcon asks for device pixels (the size times the screen's ratio) and sets the ratio on what it gets.
    QPixmap pixmap(size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    paint(&painter, QRect(QPoint(0, 0), size), mode, state);
    return pixmap;
}

QIconEngine* DotIconEngine::clone() const
{
    return new DotIconEngine(m_colour);
}

QString DotIconEngine::key() const
{
    return QStringLiteral("AlfeDot");
}

} // namespace Alfe
