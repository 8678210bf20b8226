#include "SignalWatcher.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Alfe::Cli {

namespace {
// [0]: written by the handler, [1]: read by the notifier.
int g_fds[2] = {-1, -1};
} // namespace

SignalWatcher::SignalWatcher(QObject* parent)
    : QObject(parent)
{}

SignalWatcher::~SignalWatcher()
{
    for (int signalNumber : m_watched)
        ::signal(signalNumber, SIG_DFL);
    delete m_notifier;
    for (int& fd : g_fds) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

bool SignalWatcher::watch(std::initializer_list<int> signalNumbers)
{
    if (g_fds[0] < 0) {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_fds) != 0)
            return false;
        // The handler must never block, even if nobody reads.
        ::fcntl(g_fds[0], F_SETFL, ::fcntl(g_fds[0], F_GETFL) | O_NONBLOCK);
        ::fcntl(g_fds[1], F_SETFL, ::fcntl(g_fds[1], F_GETFL) | O_NONBLOCK);
        m_notifier = new QSocketNotifier(g_fds[1], QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::readPending);
    }
    for (int signalNumber : signalNumbers) {
        struct sigaction action = {};
        action.sa_handler = &SignalWatcher::handle;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        if (::sigaction(signalNumber, &action, nullptr) != 0)
            return false;
        m_watched << signalNumber;
    }
    return true;
}

void SignalWatcher::handle(int signalNumber)
{
    const int savedErrno = errno;
    const char byte = char(signalNumber);
    [[maybe_unused]] const ssize_t written = ::write(g_fds[0], &byte, 1);
    errno = savedErrno;
}

void SignalWatcher::readPending()
{
    char bytes[16];
    for (;;) {
        const ssize_t n = ::read(g_fds[1], bytes, sizeof bytes);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; ++i)
            emit received(int(bytes[i]));
    }
}

} // namespace Alfe::Cli
