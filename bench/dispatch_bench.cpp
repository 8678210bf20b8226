// One dispatch decision with a large backlog queued for offline agents (SPEC §10: < 1 ms, independent of the
// backlog), beside the same with no backlog, in the same run: a new delivery of an online agent is handed
// to the queue (as the writer does) and claimed. Also times the once-a-second refresh.
// Usage: dispatch_bench [QUEUED (default 1000000)] [OFFLINE_AGENTS (default 100)]
#include "Engine.h"
#include "delivery/LocalDeliveryQueue.h"
#include "domain/Clock.h"
#include "store/AgentStore.h"
#include "store/Database.h"
#include "store/DeliveryStore.h"
#include "store/WebhookStore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace Alfe;

namespace {
struct Timing
{
    double p50Us = 0;
    double p99Us = 0;
    double refreshUs = 0;
};

double percentile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

// A fresh engine with `queued` deliveries waiting for `offlineAgents` offline agents, and one online agent.
Timing measure(int queued, int offlineAgents)
{
    QTemporaryDir dir;
    const Clock& clock = Clock::system();
    Engine engine(Engine::Options{dir.filePath(QStringLiteral("data")), dir.filePath(QStringLiteral("master.key"))},
                  clock);
    if (auto opened = engine.openBlocking(); !opened)
        qFatal("open: %s", qPrintable(opened.error().message));
    Database& db = engine.database();

    QStringList offlineHooks;
    for (int i = 0; i < offlineAgents; ++i) {
        const QString agent = engine.agents().create(QStringLiteral("away %1").arg(i))->agent.id;
        offlineHooks << engine.webhooks().create(agent)->webhook.id;
    }
    QSqlQuery q(db.connection());
    q.exec(QStringLiteral("UPDATE agents SET status = 'offline', next_probe_at = %1")
               .arg(clock.nowMs() + 24 * 3600 * 1000));
    if (queued > 0) {
        db.transaction([&]() -> Result<void> {
            QSqlQuery hooks(db.connection());
            hooks.exec(QStringLiteral("CREATE TEMP TABLE h (k INTEGER PRIMARY KEY, id TEXT, agent TEXT)"));
            for (int i = 0; i < offlineHooks.size(); ++i)
                hooks.exec(QStringLiteral("INSERT INTO h SELECT %1, id, agent_id FROM webhooks WHERE id = '%2'")
                               .arg(i)
                               .arg(offlineHooks.at(i)));
            QSqlQuery fill(db.connection());
            fill.prepare(QStringLiteral(
                "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)"
                " INSERT INTO deliveries (id, webhook_id, agent_id, received_at, provider, event_type, body_sha256,"
                "  content_type, headers, body, status, next_attempt_at)"
                " SELECT 'dlv_' || printf('%012d', n) || hex(randomblob(7)), h.id, h.agent, ? + n, 'generic', 'e',"
                "  randomblob(32), 'application/json', '[]', CAST('{\"n\":' || n || '}' AS BLOB), 'queued', ? + n"
                " FROM seq JOIN h ON h.k = seq.n % ?"));
            fill.addBindValue(queued - 1);
            fill.addBindValue(clock.nowMs() - queued);
            fill.addBindValue(clock.nowMs() - queued);
            fill.addBindValue(offlineAgents);
            if (!fill.exec())
                qFatal("fill failed");
            return {};
        });
    }
    const QString online =
        engine.agents().create(QStringLiteral("here"), QStringLiteral("http://127.0.0.1:9/in"))->agent.id;
    const QString hook = engine.webhooks().create(online)->webhook.id;

    DeliveryOptions delivery;
    LocalDeliveryQueue queue(db, clock, delivery);
    queue.recover();
    std::vector<double> samples;
    QElapsedTimer timer;
    for (int i = 0; i < 2'000; ++i) {
        IncomingDelivery in;
        in.webhookId = hook;
        in.body = "{\"i\":" + QByteArray::number(i) + "}";
        const auto stored = engine.deliveries().insert(in);
        timer.start();
        queue.enqueue({CommittedDelivery{stored->deliveryId, stored->agentId, nullptr}});
        const auto claims = queue.claim(16);
        samples.push_back(double(timer.nsecsElapsed()) / 1000.0);
        if (claims.size() != 1)
            qFatal("expected one claim, got %d", int(claims.size()));
        AttemptOutcome ok;
        ok.kind = AttemptOutcome::Kind::Delivered;
        ok.statusCode = 204;
        queue.settle(claims.first(), {ok, 1, {}, {}});
        DeliveryQueue::Round round = queue.takeRound();
        AttemptJournal::write(db, round.writes);
        queue.roundWritten(std::move(round), true);
    }
    timer.start();
    for (int i = 0; i < 20; ++i)
        queue.refresh();
    return {percentile(samples, 0.5), percentile(samples, 0.99), double(timer.nsecsElapsed()) / 1000.0 / 20};
}
} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int queued = argc > 1 ? QByteArray(argv[1]).toInt() : 1'000'000;
    const int agents = argc > 2 ? QByteArray(argv[2]).toInt() : 100;
    const Timing empty = measure(0, agents);
    const Timing full = measure(queued, agents);
    std::printf(
        "\nOne dispatch decision (a new delivery of an online agent handed over and claimed), median of 2,000\n\n");
    std::printf("| %-44s | %10s | %10s | %12s |\n", "store", "p50", "p99", "refresh (1/s)");
    std::printf("|----------------------------------------------|------------|------------|--------------|\n");
    std::printf("| %-44s | %7.1f us | %7.1f us | %9.1f us |\n", "nothing waiting (baseline)", empty.p50Us, empty.p99Us,
                empty.refreshUs);
    const QString label = QStringLiteral("%L1 queued for %2 offline agents").arg(queued).arg(agents);
    std::printf("| %-44s | %7.1f us | %7.1f us | %9.1f us |\n", qPrintable(label), full.p50Us, full.p99Us,
                full.refreshUs);
    std::printf("\nRatio (p50): %.2fx. Target: < 1 ms with 1,000,000 queued, independent of the backlog.\n",
                full.p50Us / std::max(empty.p50Us, 0.001));
    return 0;
}
