#pragma once

#include <QtGlobal>

class QComboBox;
class QWidget;

namespace Alfe::GraceCombo {

// How long a replaced secret keeps working: ends immediately, 1 hour, 24 hours (chosen) or 7 days. Rotating the
// webhook's own secret and importing a new provider secret offer the same choices.
QComboBox* create(QWidget* parent);
qint64 seconds(const QComboBox* combo);

} // namespace Alfe::GraceCombo
