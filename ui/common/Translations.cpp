#include "common/Translations.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTranslator>

namespace Alfe::Translations {

void install()
{
    auto* app = QCoreApplication::instance();
    if (!app || app->property("alfeTranslations").toBool())
        return;
    app->setProperty("alfeTranslations", true);
    // Installed last is asked first: the locale's own translation, then the English plurals.
    auto* english = new QTranslator(app);
    if (english->load(QStringLiteral(":/i18n/alfe_en.qm")))
        QCoreApplication::installTranslator(english);
    auto* local = new QTranslator(app);
    if (QLocale().language() != QLocale::English &&
        local->load(QLocale(), QStringLiteral("alfe"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(local);
    else
        delete local;
}

} // namespace Alfe::Translations
