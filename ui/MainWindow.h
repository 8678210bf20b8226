#pragma once

#include <QMainWindow>

class QLabel;
class QStackedWidget;

namespace Alfe {

class Engine;

// The console's main window. This first version shows the state of the data directory and what to do
// next; the webhook list, secret dialog and delivery browser land on top of it.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(Engine& engine, QWidget* parent = nullptr);

    // The master key is being fetched from the keychain.
    void showUnlocking();
    // The store is open and unlocked.
    void showReady();
    // The data directory cannot be used; `message` says why and what to do.
    void showProblem(const QString& message);

private:
    void refreshStatus();

    Engine& m_engine;
    QStackedWidget* m_pages = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_dataDirLabel = nullptr;
    QLabel* m_countsLabel = nullptr;
};

} // namespace Alfe
