#include "webhooks/GraceCombo.h"

#include <QComboBox>
#include <QCoreApplication>

namespace Alfe::GraceCombo {

QComboBox* create(QWidget* parent)
{
    auto* combo = new QComboBox(parent);
    combo->setObjectName(QStringLiteral("graceCombo"));
    combo->addItem(QCoreApplication::translate("GraceCombo", "Ends immediately"), 0);
    combo->addItem(QCoreApplication::translate("GraceCombo", "1 hour"), 3600);
    combo->addItem(QCoreApplication::translate("GraceCombo", "24 hours"), 24 * 3600);
    combo->addItem(QCoreApplication::translate("GraceCombo", "7 days"), 7 * 24 * 3600);
    combo->setCurrentIndex(2);
    return combo;
}

qint64 seconds(const QComboBox* combo)
{
    return combo->currentData().toLongLong();
}

} // namespace Alfe::GraceCombo
