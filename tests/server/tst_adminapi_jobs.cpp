// The admin API's bulk retries (jobs: progress, cancel, a filter), the refused log and the per-webhook stats.
#include "AdminApiFixture.h"

#include <QElapsedTimer>

using namespace Alfe;
using namespace Alfe::Test;

class TestAdminApiJobs : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_a = std::make_unique<AdminApiFixture>(); }
    void cleanup() { m_a.reset(); }

    // A job over ids: 202 with its id, then progress until it has queued every one (a duplicate and an unknown id
    // are skipped, not queued).
    void aJobOverIdsRunsToTheEnd()
    {
        const QString hook = m_a->f.createWebhook(Provider::Generic, nullptr);
        QStringList ids = m_a->seed(hook, 50);
        m_a->f.scalar(QStringLiteral("UPDATE deliveries SET status = 'failed'"));
        ids << QStringLiteral("dlv_01J9Z8Q0000000000000000000");
        QJsonArray list;
        for (const QString& id : ids)
            list.append(id);
        auto started =
            m_a->post(QStringLiteral("/v1/admin/deliveries/retry"),
                      AdminApiFixture::json({{QStringLiteral("ids"), list}, {QStringLiteral("chunkSize"), 7}}));
        QCOMPARE(started.status, 202);
        const QString job = started.json().value(QLatin1String("jobId")).toString();
        QVERIFY(job.startsWith(QLatin1String("job_")));
        QCOMPARE(started.header("Location"), "/v1/admin/jobs/" + job.toLatin1());
        QJsonObject state;
        QTRY_VERIFY((state = m_a->get(QStringLiteral("/v1/admin/jobs/") + job).json())
                        .value(QLatin1String("state"))
                        .toString() != QLatin1String("running"));
        QCOMPARE(state.value(QLatin1String("state")).toString(), QStringLiteral("finished"));
        QCOMPARE(state.value(QLatin1String("total")).toInt(), 51);
        QCOMPARE(state.value(QLatin1String("done")).toInt(), 51);
        QCOMPARE(state.value(QLatin1String("queued")).toInt(), 50);
        QVERIFY(!state.contains(QLatin1String("error")));
        QVERIFY(state.value(QLatin1String("finishedAt")).isString());
        QCOMPARE(m_a->f.count(QStringLiteral("status = 'queued'")), 50);
        ADMIN_VERIFY_ERROR(m_a->send("DELETE", QStringLiteral("/v1/admin/jobs/") + job), 409, "conflict",
                           QStringLiteral("Job %1 has ended (finished); there is nothing to cancel.").arg(job));
    }

    // Cancelled mid-way: the state says so, fewer than all were done, those stay queued and the rest untouched.
    void aCancelledJobKeepsWhatItQueued()
    {
        const QString hook = m_a->f.createWebhook(Provider::Generic, nullptr);
        const QStringList ids = m_a->seed(hook, 3000);
        m_a->f.scalar(QStringLiteral("UPDATE deliveries SET status = 'failed'"));
        auto started =
            m_a->post(QStringLiteral("/v1/admin/deliveries/retry"),
                      "{\"filter\":{\"status\":\"failed\",\"webhookId\":\"" + hook.toLatin1() + "\"},\"chunkSize\":1}");
        QCOMPARE(started.status, 202);
        const QString job = started.json().value(QLatin1String("jobId")).toString();
        // Ingest keeps flowing while it runs: a request is answered between chunks.
        QCOMPARE(m_a->get(QStringLiteral("/v1/admin/stats")).status, 200);
        QTRY_VERIFY(m_a->get(QStringLiteral("/v1/admin/jobs/") + job).json().value(QLatin1String("done")).toInt() > 0);
        auto cancelled = m_a->send("DELETE", QStringLiteral("/v1/admin/jobs/") + job);
        QCOMPARE(cancelled.status, 200);
        QCOMPARE(cancelled.json().value(QLatin1String("state")).toString(), QStringLiteral("cancelled"));
        const int done = cancelled.json().value(QLatin1String("done")).toInt();
        QCOMPARE(cancelled.json().value(QLatin1String("total")).toInt(), 3000);
        QVERIFY2(done > 0 && done < 3000, qPrintable(QString::number(done)));
        QCOMPARE(cancelled.json().value(QLatin1String("queued")).toInt(), done);
        // Nothing moves after the cancel.
        QTest::qWait(200);
        const QJsonObject later = m_a->get(QStringLiteral("/v1/admin/jobs/") + job).json();
        QCOMPARE(later.value(QLatin1String("state")).toString(), QStringLiteral("cancelled"));
        QCOMPARE(later.value(QLatin1String("done")).toInt(), done);
        QCOMPARE(m_a->f.count(QStringLiteral("status = 'queued'")), done);
        QCOMPARE(m_a->f.count(QStringLiteral("status = 'failed'")), 3000 - done);
        // The newest went first (the log's order).
        QCOMPARE(m_a->f.scalar(QStringLiteral("SELECT status FROM deliveries WHERE id = ?"), {ids.last()}).toString(),
                 QStringLiteral("queued"));
    }

    // A job over a filter takes what matched when it started, and only that.
    void aJobOverAFilter()
    {
        const QString a = m_a->f.createWebhook(Provider::Generic, nullptr);
        const QString b = m_a->f.createWebhook(Provider::Stripe, nullptr);
        m_a->seed(a, 30);
        m_a->seed(b, 20);
        m_a->f.scalar(QStringLiteral("UPDATE deliveries SET status = 'failed'"));
        m_a->f.scalar(QStringLiteral("UPDATE deliveries SET status = 'delivered' WHERE rowid % 10 = 0"));
        const int failedStripe = m_a->f.count(QStringLiteral("status = 'failed' AND provider = 'stripe'"));
        auto started = m_a->post(QStringLiteral("/v1/admin/deliveries/retry"),
                                 "{\"filter\":{\"status\":\"failed\",\"provider\":\"stripe\"}}");
        QCOMPARE(started.status, 202);
        const QString path =
            QStringLiteral("/v1/admin/jobs/") + started.json().value(QLatin1String("jobId")).toString();
        QTRY_COMPARE(m_a->get(path).json().value(QLatin1String("state")).toString(), QStringLiteral("finished"));
        const QJsonObject state = m_a->get(path).json();
        QCOMPARE(state.value(QLatin1String("total")).toInt(), failedStripe);
        QCOMPARE(state.value(QLatin1String("queued")).toInt(), failedStripe);
        QCOMPARE(state.value(QLatin1String("collecting")).toBool(), false);
        QCOMPARE(m_a->f.count(QStringLiteral("status = 'queued'")), failedStripe);
        QCOMPARE(m_a->f.count(QStringLiteral("status = 'failed' AND provider = 'generic'")) > 0, true);
    }

    void badBulkRequests()
    {
        const auto bad = [this](const QByteArray& body, const QString& message) {
            ADMIN_VERIFY_ERROR(m_a->post(QStringLiteral("/v1/admin/deliveries/retry"), body), 400, "invalid_argument",
                               message);
        };
        const QString oneOf =
            QStringLiteral("Send \"ids\" (delivery ids) or \"filter\" (which deliveries to retry), one of the two.");
        bad("{}", oneOf);
        bad("{\"ids\":[\"dlv_a\"],\"filter\":{}}", oneOf);
        bad("{\"ids\":[]}", QStringLiteral("ids must be a list of 1 to 10000 delivery ids (strings)."));
        bad("{\"ids\":\"dlv_a\"}", QStringLiteral("ids must be a list of 1 to 10000 delivery ids (strings)."));
        bad("{\"ids\":[1]}", QStringLiteral("ids must be a list of 1 to 10000 delivery ids (strings)."));
        bad("{\"ids\":[\"dlv_a\"],\"chunkSize\":0}",
            QStringLiteral("chunkSize must be a whole number from 1 to 1000."));
        bad("{\"filter\":[]}", QStringLiteral("filter must be an object."));
        bad("{\"filter\":{\"status\":3}}", QStringLiteral("filter.status must be a string."));
        bad("{\"filter\":{\"status\":\"lost\"}}",
            QStringLiteral("status must be one of queued, delivering, retrying, delivered, failed, duplicate."));
        bad("{\"filter\":{\"to\":\"never\"}}",
            QStringLiteral("to must be an RFC 3339 time such as 2026-11-30T18:00:00Z, not \"never\"."));
    }

    // The refused log, newest first, in keyset pages; the stats of every webhook in one answer.
    void refusedAndStats()
    {
        QByteArray secret;
        const QString hook = m_a->f.createWebhook(Provider::Generic, &secret);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(m_a->f.http().postSigned(IngressFixture::hookPath(hook), "{\"n\":1}", "whsec_wrong").status, 401);
        QTRY_COMPARE(m_a->f.count(QStringLiteral("1"), QStringLiteral("refused_requests")), 5);
        auto first = m_a->get(QStringLiteral("/v1/admin/refused?limit=3"));
        QCOMPARE(first.status, 200);
        const QJsonArray page = first.json().value(QLatin1String("refused")).toArray();
        QCOMPARE(page.size(), 3);
        QCOMPARE(page.first().toObject().value(QLatin1String("status")).toInt(), 401);
        QCOMPARE(page.first().toObject().value(QLatin1String("webhookId")).toString(), hook);
        const QString next = first.json().value(QLatin1String("nextCursor")).toString();
        QCOMPARE(next, page.last().toObject().value(QLatin1String("id")).toString());
        auto second = m_a->get(QStringLiteral("/v1/admin/refused?limit=3&before=") + next);
        const QJsonArray rest = second.json().value(QLatin1String("refused")).toArray();
        QCOMPARE(rest.size(), 2);
        QVERIFY(rest.first().toObject().value(QLatin1String("id")).toString().toLongLong() < next.toLongLong());
        QVERIFY(second.json().value(QLatin1String("nextCursor")).isNull());
        ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/refused?before=x")), 400, "invalid_argument",
                           QStringLiteral("before must be a nextCursor of this route."));

        m_a->seed(hook, 4);
        m_a->f.scalar(QStringLiteral("UPDATE deliveries SET status = 'failed' WHERE rowid = 1"));
        m_a->f.clock().advanceSeconds(2 * 24 * 3600);
        m_a->seed(hook, 2);
        const QString idle = m_a->f.createWebhook(Provider::Slack, nullptr);
        auto stats = m_a->get(QStringLiteral("/v1/admin/stats"));
        QCOMPARE(stats.status, 200);
        QHash<QString, QJsonObject> byId;
        for (const QJsonValue& value : stats.json().value(QLatin1String("webhooks")).toArray())
            byId.insert(value.toObject().value(QLatin1String("webhookId")).toString(), value.toObject());
        QCOMPARE(byId.size(), 2);
        QCOMPARE(byId.value(hook).value(QLatin1String("received24h")).toInt(), 2);
        QCOMPARE(byId.value(hook).value(QLatin1String("failures")).toInt(), 1);
        QCOMPARE(byId.value(hook).value(QLatin1String("agentId")).toString(), m_a->f.agentId());
        QVERIFY(byId.value(hook).value(QLatin1String("lastDeliveryAt")).isString());
        QCOMPARE(byId.value(idle).value(QLatin1String("received24h")).toInt(), 0);
        QVERIFY(byId.value(idle).value(QLatin1String("lastDeliveryAt")).isNull());
    }

private:
    std::unique_ptr<AdminApiFixture> m_a;
};

QTEST_GUILESS_MAIN(TestAdminApiJobs)
#include "tst_adminapi_jobs.moc"
