#include "ModalDialogs.h"

#include <QApplication>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTest>
#include <QTimer>

namespace Alfe::Test {

void onNextModal(std::function<void(QDialog*)> work)
{
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, work] {
        auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        timer->stop();
        timer->deleteLater();
        work(dialog);
    });
    timer->start();
}

bool clickButton(QWidget* dialog, const QString& text)
{
    for (auto* button : dialog->findChildren<QPushButton*>()) {
        if (button->text().remove(QLatin1Char('&')) == text) {
            QTest::mouseClick(button, Qt::LeftButton);
            return true;
        }
    }
    return false;
}

QByteArray takeSecretAndClose(QDialog* dialog)
{
    auto* edit = dialog->findChild<QLineEdit*>(QStringLiteral("secretEdit"));
    const QByteArray secret = edit ? edit->text().toLatin1() : QByteArray();
    if (auto* copy = dialog->findChild<QPushButton*>(QStringLiteral("copySecretButton")))
        QTest::mouseClick(copy, Qt::LeftButton);
    if (auto* close = dialog->findChild<QPushButton*>(QStringLiteral("closeButton")))
        QTest::mouseClick(close, Qt::LeftButton);
    return secret;
}

bool anyWidgetShows(const QByteArray& secret)
{
    const QString text = QString::fromLatin1(secret);
    for (QWidget* w : QApplication::allWidgets()) {
        if (auto* edit = qobject_cast<QLineEdit*>(w); edit && edit->text().contains(text))
            return true;
        if (auto* label = qobject_cast<QLabel*>(w); label && label->text().contains(text))
            return true;
        if (auto* plain = qobject_cast<QPlainTextEdit*>(w); plain && plain->toPlainText().contains(text))
            return true;
    }
    return false;
}

} // namespace Alfe::Test
