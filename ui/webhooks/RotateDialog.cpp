#include "webhooks/RotateDialog.h"

#include "webhooks/GraceCombo.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace Alfe {

RotateDialog::RotateDialog(const QString& webhookId, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Rotate secret"));
    auto* text = new QLabel(tr("A new signing secret is made for <b>%1</b> and shown once. Senders must switch "
                               "to it; until then the current secret keeps working for the grace period.")
                                .arg(webhookId.toHtmlEscaped()),
                            this);
    text->setWordWrap(true);
    m_grace = GraceCombo::create(this);
    auto* form = new QFormLayout;
    form->addRow(tr("Current secret &keeps working:"), m_grace);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Rotate"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("rotateButton"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addLayout(form);
    layout->addWidget(buttons);
    setMinimumWidth(420);
}

qint64 RotateDialog::graceSeconds() const
{
    return GraceCombo::seconds(m_grace);
}

} // namespace Alfe
