#pragma once

#include <QDialog>

class QComboBox;

namespace Alfe {

// Rotate a webhook's secret: confirm, and choose how long the current one keeps working.
class RotateDialog final : public QDialog
{
    Q_OBJECT

public:
    RotateDialog(const QString& webhookId, QWidget* parent = nullptr);
    qint64 graceSeconds() const;

private:
    QComboBox* m_grace = nullptr;
};

} // namespace Alfe
