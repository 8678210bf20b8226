#include "RemoteStart.h"

#include "crypto/Secrets.h"
#include "main/ConnectDialog.h"
#include "main/MainWindow.h"
#include "main/RemoteSession.h"

#include <QApplication>
#include <QFile>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QUrl>

#include <cstdio>

namespace {
int usage(const QString& message)
{
    std::fprintf(stderr, "alfe-console: %s\n", qPrintable(message));
    return 2;
}

// The token file's first line, refused when others may read the file (it opens the whole admin API).
QByteArray readTokenFile(const QString& path, QString* problem)
{
    QFile file(path);
    if (!file.exists()) {
        *problem = QStringLiteral("--token-file %1 does not exist").arg(path);
        return {};
    }
    const auto others = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther |
                        QFileDevice::WriteOther | QFileDevice::ExeGroup | QFileDevice::ExeOther;
    if (file.permissions() & others) {
        *problem = QStringLiteral("--token-file %1 must be readable by you only: chmod 600 %1").arg(path);
        return {};
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *problem = QStringLiteral("cannot read --token-file %1: %2").arg(path, file.errorString());
        return {};
    }
    QByteArray content = file.read(4096);
    QByteArray token = content.split('\n').value(0).trimmed();
    Alfe::Secrets::cleanse(content);
    if (!token.startsWith("alfeadm_")) {
        Alfe::Secrets::cleanse(token);
        *problem = QStringLiteral("--token-file %1 does not hold an admin token (alfeadm_…); create one with "
                                  "`alfe admin token create`")
                       .arg(path);
        return {};
    }
    return token;
}
} // namespace

int runRemoteConsole(const RemoteStartOptions& options)
{
    const QUrl server = QUrl::fromUserInput(options.server);
    if (!server.isValid() || server.host().isEmpty() || (server.scheme() != u"http" && server.scheme() != u"https"))
        return usage(QStringLiteral("--server must be an http:// or https:// URL, e.g. https://alfe.example.com:8787"));
    if (!options.caFile.isEmpty() && !QFile::exists(options.caFile))
        return usage(QStringLiteral("--ca-file %1 does not exist").arg(options.caFile));
    QByteArray token;
    if (!options.tokenFile.isEmpty()) {
        QString problem;
        token = readTokenFile(options.tokenFile, &problem);
        if (!problem.isEmpty())
            return usage(problem);
    }
    // The window appears once the session exists; with no token file, the keychain's is read first.
    int code = -1;
    const auto created = [options](Alfe::RemoteSession* session) {
        // As for a data directory: the layout kept, except for a screenshot (the same on every run).
        session->window().setRemembersLayout(options.screenshot.isEmpty());
        QObject::connect(session, &Alfe::RemoteSession::ready, session, [session, options] {
            if (options.tab >= 0 && session->window().tabs())
                session->window().tabs()->setCurrentIndex(options.tab);
            if (options.row >= 0) {
                // Once the tab's first page is in (a round trip away).
                QTimer::singleShot(700, session, [session, options] {
                    if (auto* table = session->window().tabs()->currentWidget()->findChild<QTableView*>())
                        table->selectRow(options.row);
                });
            }
            if (options.screenshot.isEmpty())
                return;
            // A picture of a settled console: after the first pages are in and painted.
            const int delay = qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS") > 0
                                  ? qEnvironmentVariableIntValue("ALFE_SCREENSHOT_DELAY_MS")
                                  : 1500;
            QTimer::singleShot(delay, session, [session, options] {
                const bool saved = session->window().grab().save(options.screenshot, "PNG");
                QApplication::exit(saved ? 0 : 1);
            });
        });
        QObject::connect(session, &Alfe::RemoteSession::failed, session, [options](const QString& message) {
            if (!options.screenshot.isEmpty()) {
                std::fprintf(stderr, "alfe-console: %s\n", qPrintable(message));
                QApplication::exit(1);
            }
        });
    };
    const auto failed = [&code](const QString& message) {
        std::fprintf(stderr, "alfe-console: %s\n", qPrintable(message));
        code = 1;
        QApplication::exit(1);
    };
    Alfe::ConnectDialog::open(server, token, options.caFile, false, nullptr, created, failed);
    Alfe::Secrets::cleanse(token);
    if (code >= 0)
        return code;
    return QApplication::exec();
}
