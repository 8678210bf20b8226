#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

class QDialog;
class QWidget;

// Helpers for console tests that drive modal dialogs (which block in exec()), find their widgets by name and look
// for secrets on screen.
namespace Alfe::Test {

// Runs `work` on the next modal dialog as soon as it is shown (the caller then triggers what opens it).
void onNextModal(std::function<void(QDialog*)> work);
// Clicks the push button of `dialog` whose text, without its mnemonic '&', is `text` ("Yes", "Cancel").
bool clickButton(QWidget* dialog, const QString& text);
// Copies the secret of the secret-shown-once dialog (so closing asks nothing) and closes it; returns the secret.
QByteArray takeSecretAndClose(QDialog* dialog);
// The child of `parent` named `name`; stops the test when there is none (a renamed widget fails loudly).
template <typename T>
T* child(QObject* parent, const char* name)
{
    auto* found = parent->findChild<T*>(QString::fromLatin1(name));
    if (!found)
        qFatal("no %s named %s", T::staticMetaObject.className(), name);
    return found;
}

// Whether any line edit, label or plain-text view of the application shows `secret`.
bool anyWidgetShows(const QByteArray& secret);

} // namespace Alfe::Test
