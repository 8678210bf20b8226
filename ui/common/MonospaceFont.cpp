#include "common/MonospaceFont.h"

#include <QFontDatabase>
#include <QFontInfo>
#include <QFontMetricsF>

namespace Alfe {

bool MonospaceFont::isMonospaced(const QFont& font)
{
    const QFontMetricsF metrics(font);
    const qreal width = metrics.horizontalAdvance(QLatin1Char('W'));
    for (QChar c : QStringLiteral("il.0_M")) {
        if (!qFuzzyCompare(metrics.horizontalAdvance(c), width))
            return false;
    }
    return width > 0;
}

QFont MonospaceFont::firstMonospaced(const QStringList& families)
{
    const QFont base = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    QFont last = base;
    for (const QString& family : families) {
        QFont candidate = base;
        candidate.setFamilies({family});
        candidate.setStyleHint(QFont::Monospace, QFont::PreferMatch);
        if (isMonospaced(candidate))
            return candidate;
        last = candidate;
    }
    return last;
}

QFont MonospaceFont::font()
{
    static const QFont chosen = [] {
        const QFont system = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        if (isMonospaced(system))
            return system;
        QStringList families{QStringLiteral("monospace"), QStringLiteral("DejaVu Sans Mono"),
                             QStringLiteral("Noto Sans Mono"), QStringLiteral("Liberation Mono"),
                             QStringLiteral("Courier New")};
        for (const QString& family : QFontDatabase::families()) {
            if (QFontDatabase::isFixedPitch(family))
                families << family;
        }
        const QFont found = firstMonospaced(families);
        return isMonospaced(found) ? found : system;
    }();
    return chosen;
}

} // namespace Alfe
