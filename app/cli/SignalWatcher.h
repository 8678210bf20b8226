#pragma once

#include <QList>
#include <QObject>

#include <initializer_list>

class QSocketNotifier;

namespace Alfe::Cli {

// Turns Unix signals (SIGINT, SIGTERM) into a Qt signal on the event loop: the handler only writes the
// signal number to one end of a socket pair (async-signal-safe); a QSocketNotifier reads the other end.
// One instance at a time; the default dispositions come back when it is destroyed.
class SignalWatcher final : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject* parent = nullptr);
    ~SignalWatcher() override;
    Q_DISABLE_COPY_MOVE(SignalWatcher)

    // Installs the handlers; false (with errno set) when the socket pair or a handler cannot be set up.
    bool watch(std::initializer_list<int> signalNumbers);

signals:
    void received(int signalNumber);

private:
    static void handle(int signalNumber);
    void readPending();

    QList<int> m_watched;
    QSocketNotifier* m_notifier = nullptr;
};

} // namespace Alfe::Cli
