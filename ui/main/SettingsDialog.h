#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QSpinBox;

namespace Alfe {

class Settings;

// The data directory's settings. Ingress and delivery settings take effect on the next start.
class SettingsDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit SettingsDialog(Settings& settings, QWidget* parent = nullptr);
    void accept() override;

private:
    Settings& m_settings;
    QLineEdit* m_bind = nullptr;
    QSpinBox* m_port = nullptr;
    QLineEdit* m_publicUrl = nullptr;
    QSpinBox* m_bodyLimitMiB = nullptr;
    QSpinBox* m_rateLimit = nullptr;
    QLineEdit* m_schedule = nullptr;
    QSpinBox* m_retention = nullptr;
    QSpinBox* m_clipboard = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace Alfe
