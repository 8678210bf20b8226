#pragma once

#include "domain/Result.h"

#include <QObject>

#include <functional>
#include <optional>

namespace Alfe {

class Engine;
class MainWindow;

// What the console does on launch, without blocking the GUI thread: open the data directory, fetch the
// master key asynchronously (system keychain, or the key file given), and when no keychain answers,
// explain it and offer to create a key file (0600, beside the data directory) — never a silent
// fallback. Then it starts forwarding and the embedded ingress with the settings.
class ConsoleStartup final : public QObject
{
    Q_OBJECT

public:
    // Returns true when the user agrees to keep the master key in `path`. The default asks with a
    // QMessageBox; tests answer directly.
    using OfferKeyFile = std::function<bool(const QString& problem, const QString& path)>;

    ConsoleStartup(Engine& engine, MainWindow& window, QObject* parent = nullptr);
    void setOfferKeyFile(OfferKeyFile offer) { m_offer = std::move(offer); }
    // --bind / --port from the command line, over the settings (empty / -1: the settings').
    void setIngressOverrides(const QString& bindAddress, int port)
    {
        m_bind = bindAddress;
        m_port = port;
    }
    // --tls-cert / --tls-key from the command line (checked by Engine::serveOptions, as for `alfe serve`).
    void setTlsFiles(std::optional<QString> certFile, std::optional<QString> keyFile)
    {
        m_tlsCert = std::move(certFile);
        m_tlsKey = std::move(keyFile);
    }
    void start();

    // "<data directory's parent>/alfe-master.key".
    static QString suggestedKeyFile(const QString& dataDir);

signals:
    void ready();
    void failed(const QString& message);

private:
    void unlock();
    void unlocked(Result<QByteArray> key);
    void startServices();

    Engine& m_engine;
    MainWindow& m_window;
    OfferKeyFile m_offer;
    bool m_offered = false;
    QString m_bind;
    int m_port = -1;
    std::optional<QString> m_tlsCert;
    std::optional<QString> m_tlsKey;
};

} // namespace Alfe
