// The deliveries view over 1,000,000 rows: time to the first rows on screen, time to apply
// the Failed filter and other filter changes, and the process RSS after, each beside a baseline measured
// in the same run: the same first page through a plain QSqlQuery. Prints a Markdown table.
//
//   deliveries_view_bench [--rows N] [--keep DIR] [--local-only]
//
// Then the same through `alfe serve` on loopback and the admin API (RemoteBackend), as the remote console sees it.
//
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise. The database file is in the OS
// page cache (it was just written): these are warm-cache numbers.

#include "Engine.h"
#include "backend/LocalBackend.h"
#include "backend/RemoteBackend.h"
#include "deliveries/DeliveriesView.h"
#include "deliveries/DeliveryFilterBar.h"
#include "deliveries/DeliveryListModel.h"
#include "deliveries_view_log.h"
#include "store/Database.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSqlQuery>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextStream>
#include <QToolButton>

#include <functional>
#include <memory>

using namespace Alfe;

namespace {

// Counts paints of a widget: "shown" means the table's viewport painted after the change.
class PaintCounter final : public QObject
{
public:
    explicit PaintCounter(QWidget* widget) { widget->installEventFilter(this); }
    int paints = 0;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint)
            ++paints;
        return QObject::eventFilter(watched, event);
    }
};

// Runs `change`, then the event loop until the model changed (a reset or new rows: at once for the local log, a
// round trip later for a server) and the viewport painted after that; returns the milliseconds it took.
double untilPainted(PaintCounter& counter, DeliveryListModel* model, const std::function<void()>& change)
{
    QCoreApplication::processEvents();
    int paintsAtChange = -1;
    const auto changed = [&paintsAtChange, &counter] {
        paintsAtChange = counter.paints;
    };
    QObject context;
    QObject::connect(model, &QAbstractItemModel::modelReset, &context, changed);
    QObject::connect(model, &QAbstractItemModel::rowsInserted, &context, changed);
    QElapsedTimer timer;
    timer.start();
    change();
    while ((paintsAtChange < 0 || model->isLoading() || counter.paints <= paintsAtChange) && timer.elapsed() < 10'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    return double(timer.nsecsElapsed()) / 1e6;
}

// The baseline: one page of the same columns through a plain QSqlQuery, no model, no widgets.
double plainPage(Database& db, const QString& where)
{
    QElapsedTimer timer;
    timer.start();
    QSqlQuery q(db.connection());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT id, webhook_id, received_at, provider, event_type, status, attempt_count,"
                          " last_status_code, last_latency_ms, duplicate_of FROM deliveries %1"
                          " ORDER BY received_at DESC, id DESC LIMIT 200")
               .arg(where));
    int rows = 0;
    while (q.next())
        ++rows;
    return rows > 0 ? double(timer.nsecsElapsed()) / 1e6 : -1;
}

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(values.size() / 2);
}

QString ms(double v)
{
    return v < 10 ? QString::number(v, 'f', 2) + QStringLiteral(" ms")
                  : QString::number(v, 'f', 1) + QStringLiteral(" ms");
}

QString mib(qint64 kib)
{
    return QString::number(double(kib) / 1024.0, 'f', 1) + QStringLiteral(" MiB");
}

// `alfe serve` on loopback over a data directory, with an admin token made for it, until destroyed.
struct RemoteServer
{
    std::unique_ptr<QProcess> process;
    QUrl url;
    QByteArray token;

    ~RemoteServer()
    {
        if (process) {
            process->terminate();
            process->waitForFinished(10'000);
        }
    }

    static Result<std::unique_ptr<RemoteServer>> start(const Engine::Options& options)
    {
        const QStringList where{QStringLiteral("--data-dir"), options.dataDir, QStringLiteral("--key-file"),
                                options.keyFile};
        QProcess admin;
        admin.start(QStringLiteral(ALFE_CLI_PATH), QStringList{QStringLiteral("admin"), QStringLiteral("token"),
                                                               QStringLiteral("create"), QStringLiteral("--json")} +
                                                       where);
        admin.waitForFinished(30'000);
        auto server = std::make_unique<RemoteServer>();
        server->token = QJsonDocument::fromJson(admin.readAllStandardOutput())
                            .object()
                            .value(QLatin1String("token"))
                            .toString()
                            .toLatin1();
        if (server->token.isEmpty())
            return Errors::storage(
                QStringLiteral("alfe admin token create: %1").arg(QString::fromUtf8(admin.readAllStandardError())));
        server->process = std::make_unique<QProcess>();
        server->process->start(QStringLiteral(ALFE_CLI_PATH),
                               QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")} +
                                   where);
        const QRegularExpression listening(QStringLiteral("listening on (http://127\\.0\\.0\\.1:\\d+)"));
        QByteArray said;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 60'000) {
            server->process->waitForReadyRead(200);
            said += server->process->readAllStandardOutput() + server->process->readAllStandardError();
            const auto match = listening.match(QString::fromUtf8(said));
            if (match.hasMatch()) {
                server->url = QUrl(match.captured(1));
                return server;
            }
            if (server->process->state() == QProcess::NotRunning)
                break;
        }
        return Errors::storage(QStringLiteral("alfe serve did not start: %1").arg(QString::fromUtf8(said)));
    }
};

// Measures a DeliveriesView over `makeBackend()`'s log and prints its table; false when a check failed.
bool measure(QTextStream& out, const QString& title, int rows, double generatedS, double plain, double plainF,
             const std::function<std::unique_ptr<Backend>()>& makeBackend)
{
    const qint64 rssBefore = Bench::residentKiB();

    // First rows shown: construct, show, and the table painted with rows in it.
    QElapsedTimer timer;
    timer.start();
    std::unique_ptr<Backend> backend = makeBackend();
    std::unique_ptr<DeliveriesView> view;
    PaintCounter* counter = nullptr;
    view = std::make_unique<DeliveriesView>(*backend);
    view->resize(1280, 800);
    const double constructed = double(timer.nsecsElapsed()) / 1e6;
    counter = new PaintCounter(view->table()->viewport());
    // Shown = the viewport painted after the first page was in (in the constructor for the local log, a round
    // trip later for a server).
    int paintsAtLoad = view->model()->isLoading() ? -1 : 0;
    QObject::connect(view->model(), &DeliveryListModel::loaded, view.get(),
                     [&paintsAtLoad, counter] { paintsAtLoad = counter->paints; });
    QObject::connect(view->model(), &DeliveryListModel::errorOccurred, view.get(),
                     [&out](const QString& message) { out << "the view said: " << message << "\n"; });
    view->show();
    while ((paintsAtLoad < 0 || counter->paints <= paintsAtLoad) && timer.elapsed() < 10'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    if (view->model()->rowCount() == 0) {
        out << "the view showed no rows within 10 s\n";
        return false;
    }
    const double firstShown = double(timer.nsecsElapsed()) / 1e6;
    const int firstRows = view->model()->rowCount();

    DeliveryFilterBar* bar = view->filterBar();
    QList<double> failedOn, failedOff;
    for (int i = 0; i < 5; ++i) {
        failedOn << untilPainted(*counter, view->model(), [bar] { bar->failedButton()->click(); });
        failedOff << untilPainted(*counter, view->model(), [bar] { bar->failedButton()->click(); });
    }
    untilPainted(*counter, view->model(), [bar] { bar->failedButton()->click(); });
    bool onlyFailed = view->model()->rowCount() > 0;
    for (int r = 0; r < view->model()->rowCount(); ++r)
        onlyFailed &= view->model()->index(r, 0).data(DeliveryListModel::StatusRole).toString() == u"failed";
    const double failedWebhook =
        untilPainted(*counter, view->model(), [bar] { bar->webhookCombo()->setCurrentIndex(3); });
    bar->clearFilters();
    const double provider = untilPainted(*counter, view->model(), [bar] {
        bar->providerCombo()->setCurrentIndex(bar->providerCombo()->findData(QStringLiteral("github")));
    });
    bar->clearFilters();
    const double eventText = untilPainted(*counter, view->model(), [bar] { bar->setText(QStringLiteral("invoice")); });
    const double lastHour = untilPainted(*counter, view->model(), [bar] {
        bar->setText({});
        bar->timeCombo()->setCurrentIndex(1);
    });
    bar->clearFilters();
    while (view->model()->isLoading() && timer.elapsed() < 60'000) // the cleared filter's first page
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    QList<double> pages;
    for (int i = 0; i < 10; ++i) {
        pages << untilPainted(*counter, view->model(), [&view] {
            view->table()->verticalScrollBar()->setValue(view->table()->verticalScrollBar()->maximum());
        });
    }
    const qint64 rssAfter = Bench::residentKiB();
    const int loaded = view->model()->rowCount();

    const double failed = median(failedOn);
    out << "\n## Deliveries view, " << title << ", " << QLocale::c().toString(rows) << " rows (generated in "
        << QString::number(generatedS, 'f', 1) << " s; warm page cache)\n\n";
    out << "| what | deliveries view | baseline (same run) | ratio | target |\n";
    out << "|---|---:|---:|---:|---|\n";
    out << "| first rows shown (" << firstRows << " rows loaded; constructed in " << ms(constructed) << ") | "
        << ms(firstShown) << " | " << ms(plain) << " first page, plain QSqlQuery | "
        << QString::number(firstShown / plain, 'f', 1) << "x | < 300 ms |\n";
    out << "| Failed filter applied (median of 5) | " << ms(failed) << " | " << ms(plainF)
        << " failed page, plain QSqlQuery | " << QString::number(failed / plainF, 'f', 1) << "x | < 300 ms |\n";
    out << "| Failed filter removed (median of 5) | " << ms(median(failedOff)) << " | " << ms(plain) << " | "
        << QString::number(median(failedOff) / plain, 'f', 1) << "x | < 300 ms |\n";
    out << "| Failed + one webhook | " << ms(failedWebhook) << " | | | < 300 ms |\n";
    out << "| provider (2 webhooks merged) | " << ms(provider) << " | | | < 300 ms |\n";
    out << "| event-type text (windowed) | " << ms(eventText) << " | | | < 300 ms |\n";
    out << "| last hour | " << ms(lastHour) << " | | | < 300 ms |\n";
    out << "| scroll to bottom, next page (median of 10) | " << ms(median(pages)) << " | " << ms(plain) << " | "
        << QString::number(median(pages) / plain, 'f', 1) << "x | |\n";
    out << "| RSS after (" << loaded << " rows loaded) | " << mib(rssAfter) << " | " << mib(rssBefore)
        << " before the view | +" << mib(rssAfter - rssBefore) << " | < 150 MB |\n";
    out << "\nFailed filter shows only failed rows: " << (onlyFailed ? "yes" : "NO") << "\n";
    out.flush();
    view.reset();
    return onlyFailed;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = app.arguments();
    int rows = 1'000'000;
    if (const qsizetype at = args.indexOf(QStringLiteral("--rows")); at > 0 && at + 1 < args.size())
        rows = args.at(at + 1).toInt();
    QTemporaryDir temp;
    QString root = temp.path();
    if (const qsizetype at = args.indexOf(QStringLiteral("--keep")); at > 0 && at + 1 < args.size()) {
        root = args.at(at + 1);
        QDir().mkpath(root);
    }
    const Engine::Options options{QDir(root).filePath(QStringLiteral("data")),
                                  QDir(root).filePath(QStringLiteral("master.key"))};

    // Generate with one engine, measure with a fresh one: generation's memory is not the view's.
    QElapsedTimer timer;
    timer.start();
    {
        Engine writer(options);
        if (auto ok = writer.openBlocking(); !ok) {
            out << "cannot open the data directory: " << ok.error().message << Qt::endl;
            return 1;
        }
        auto log = Bench::generateDeliveryLog(writer, rows, QDateTime::currentMSecsSinceEpoch());
        if (!log) {
            out << "cannot generate the log: " << log.error().message << Qt::endl;
            return 1;
        }
    }
    const double generatedS = double(timer.elapsed()) / 1000.0;

    Engine engine(options);
    if (auto ok = engine.openBlocking(); !ok) {
        out << "cannot reopen the data directory: " << ok.error().message << Qt::endl;
        return 1;
    }
    Database& db = engine.database();
    QList<double> plainFirst, plainFailed;
    for (int i = 0; i < 5; ++i) {
        plainFirst << plainPage(db, {});
        plainFailed << plainPage(db, QStringLiteral("WHERE status = 'failed'"));
    }
    const double plainMedian = median(plainFirst);
    const double plainFailedMedian = median(plainFailed);
    bool ok =
        measure(out, QStringLiteral("local (the in-process engine)"), rows, generatedS, plainMedian, plainFailedMedian,
                [&engine]() -> std::unique_ptr<Backend> { return std::make_unique<LocalBackend>(engine); });
    if (args.contains(QStringLiteral("--local-only")))
        return ok ? 0 : 1;

    // The same log through `alfe serve` on loopback and the admin API: this process holds only the console.
    engine.close();
    auto server = RemoteServer::start(options);
    if (!server) {
        out << "cannot start alfe serve: " << server.error().message << Qt::endl;
        return 1;
    }
    ok &= measure(out, QStringLiteral("remote (alfe serve on loopback, admin API)"), rows, generatedS, plainMedian,
                  plainFailedMedian, [remote = server.value().get()]() -> std::unique_ptr<Backend> {
                      auto backend = std::make_unique<RemoteBackend>(remote->url, remote->token);
                      backend->startEvents();
                      return backend;
                  });
    out << "\nRemote: the baseline is the same local QSqlQuery page; the server's own work (HTTP, JSON, "
           "its DeliveryQuery) is in the view's figure.\n";
    return ok ? 0 : 1;
}
