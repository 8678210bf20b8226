#pragma once

#include <QColor>
#include <QIconEngine>

namespace Alfe {

// A filled dot of one colour, half the icon's size and centred, painted at whatever size and device pixel ratio
// it is asked for: sharp on a 2x screen where a 16-pixel bitmap would be blown up and blurred.
class DotIconEngine final : public QIconEngine
{
public:
    explicit DotIconEngine(const QColor& colour);

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State state) override;
    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override;
    QIconEngine* clone() const override;
    QString key() const override;

private:
    QColor m_colour;
};

} // namespace Alfe
