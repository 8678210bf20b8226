#include "main/SettingsDialog.h"

#include "common/StatusStyle.h"
#include "domain/RetrySchedule.h"
#include "store/Settings.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QUrl>
#include <QVBoxLayout>

namespace Alfe {

namespace {
QSpinBox* spin(QWidget* parent, int min, int max, int value, const QString& suffix, const char* name)
{
    auto* box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setValue(value);
    box->setSuffix(suffix);
    box->setObjectName(QString::fromLatin1(name));
    return box;
}
} // namespace

SettingsDialog::SettingsDialog(Settings& settings, QWidget* parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setWindowTitle(tr("Settings"));
    setMinimumWidth(520);
    using K = Settings::Key;
    m_bind = new QLineEdit(settings.get(K::BindAddress).toString(), this);
    m_bind->setObjectName(QStringLiteral("bindEdit"));
    m_port = spin(this, 1, 65535, settings.get(K::Port).toInt(), QString(), "portSpin");
    m_publicUrl = new QLineEdit(settings.get(K::PublicUrl).toString(), this);
    m_publicUrl->setObjectName(QStringLiteral("publicUrlEdit"));
    m_publicUrl->setPlaceholderText(tr("e.g. https://hooks.example.com (behind a reverse proxy)"));
    m_bodyLimitMiB = spin(this, 1, 1024, int(settings.get(K::BodyLimitBytes).toLongLong() / (1024 * 1024)), tr(" MiB"),
                          "bodyLimitSpin");
    m_rateLimit =
        spin(this, 0, 100000, settings.get(K::RateLimitPerSecond).toInt(), tr(" / s per webhook"), "rateLimitSpin");
    m_rateLimit->setSpecialValueText(tr("off"));
    m_schedule = new QLineEdit(settings.get(K::RetrySchedule).toString(), this);
    m_schedule->setObjectName(QStringLiteral("scheduleEdit"));
    m_retention = spin(this, 0, 3650, settings.get(K::RetentionDays).toInt(), tr(" days"), "retentionSpin");
    m_retention->setSpecialValueText(tr("keep forever"));
    m_clipboard = spin(this, 5, 600, settings.get(K::ClipboardTimeoutSeconds).toInt(), tr(" s"), "clipboardSpin");

    auto* form = new QFormLayout;
    form->addRow(tr("Listen on &address:"), m_bind);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("P&ublic URL:"), m_publicUrl);
    form->addRow(tr("&Body limit:"), m_bodyLimitMiB);
    form->addRow(tr("&Rate limit:"), m_rateLimit);
    form->addRow(tr("Retry &schedule:"), m_schedule);
    form->addRow(tr("Keep deliveries for:"), m_retention);
    form->addRow(tr("Clear copied &secrets after:"), m_clipboard);
    auto* note = new QLabel(tr("The address, port, limits, schedule and retention apply the next time the console "
                               "or alfe serve starts."),
                            this);
    note->setWordWrap(true);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    StatusStyle::setTextTone(m_error, StatusStyle::Tone::Bad);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

void SettingsDialog::accept()
{
    QString problem;
    if (QHostAddress(m_bind->text().trimmed()).isNull())
        problem = tr("\"%1\" is not an IP address (e.g. 127.0.0.1 or ::1).").arg(m_bind->text());
    const QUrl publicUrl(m_publicUrl->text().trimmed(), QUrl::StrictMode);
    if (problem.isEmpty() && !m_publicUrl->text().trimmed().isEmpty() &&
        (!publicUrl.isValid() || !publicUrl.scheme().startsWith(QLatin1String("http")) || publicUrl.host().isEmpty()))
        problem = tr("The public URL must be an absolute http:// or https:// URL.");
    if (auto schedule = RetrySchedule::parse(m_schedule->text()); problem.isEmpty() && !schedule)
        problem = schedule.error().message;
    if (!problem.isEmpty()) {
        m_error->setText(problem);
        return;
    }
    using K = Settings::Key;
    m_settings.set(K::BindAddress, m_bind->text().trimmed());
    m_settings.set(K::Port, m_port->value());
    m_settings.set(K::PublicUrl, m_publicUrl->text().trimmed());
    m_settings.set(K::BodyLimitBytes, qint64(m_bodyLimitMiB->value()) * 1024 * 1024);
    m_settings.set(K::RateLimitPerSecond, m_rateLimit->value());
    m_settings.set(K::RetrySchedule, RetrySchedule::parse(m_schedule->text())->toString());
    m_settings.set(K::RetentionDays, m_retention->value());
    m_settings.set(K::ClipboardTimeoutSeconds, m_clipboard->value());
    m_settings.sync();
    QDialog::accept();
}

} // namespace Alfe
