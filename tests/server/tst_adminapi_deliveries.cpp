// The admin API's delivery log: keyset pages (stable while deliveries arrive), filters, exact 400s, re-reading rows
// by id, rows newer than a cursor, one delivery, a retry.
#include "AdminApiFixture.h"
#include "api/ApiJson.h"

#include <QDateTime>
#include <QSet>
#include <QThread>
#include <QUrl>

#include <atomic>

using namespace Alfe;
using namespace Alfe::Test;

namespace {
QString encoded(const QString& text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QStringList missingIds(const QStringList& expected, const QStringList& actual)
{
    const QSet<QString> have(actual.cbegin(), actual.cend());
    QStringList missing;
    for (const QString& id : expected) {
        if (!have.contains(id))
            missing << id;
    }
    return missing;
}
} // namespace

class TestAdminApiDeliveries : public QObject
{
    Q_OBJECT

private slots:
    void init() { m_a = std::make_unique<AdminApiFixture>(); }
    void cleanup() { m_a.reset(); }

    void aPageAndItsRows()
    {
        const QString hook = m_a->f.createWebhook(Provider::Generic, nullptr);
        const QStringList ids = m_a->seed(hook, 5);
        auto page = m_a->get(QStringLiteral("/v1/admin/deliveries?limit=2"));
        QCOMPARE(page.status, 200);
        const QJsonObject json = page.json();
        const QJsonArray rows = json.value(QLatin1String("deliveries")).toArray();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(json.value(QLatin1String("more")).toBool(), true);
        const QJsonObject row = rows.first().toObject();
        QStringList keys = row.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{QStringLiteral("agentId"), QStringLiteral("attemptCount"), QStringLiteral("cursor"),
                                    QStringLiteral("duplicateOf"), QStringLiteral("eventType"), QStringLiteral("id"),
                                    QStringLiteral("lastLatencyMs"), QStringLiteral("lastStatusCode"),
                                    QStringLiteral("provider"), QStringLiteral("receivedAt"), QStringLiteral("status"),
                                    QStringLiteral("webhookId")}));
        QCOMPARE(row.value(QLatin1String("id")).toString(), ids.last()); // newest first
        QCOMPARE(row.value(QLatin1String("agentId")).toString(), m_a->f.agentId());
        QCOMPARE(row.value(QLatin1String("status")).toString(), QStringLiteral("queued"));
        QVERIFY(row.value(QLatin1String("receivedAt")).toString().endsWith(QLatin1Char('Z')));
        QCOMPARE(json.value(QLatin1String("nextCursor")).toString(),
                 rows.last().toObject().value(QLatin1String("cursor")).toString());

        auto rest = m_a->get(QStringLiteral("/v1/admin/deliveries?limit=500&before=") +
                             json.value(QLatin1String("nextCursor")).toString());
        QCOMPARE(m_a->idsOf(rest), (QStringList{ids.at(2), ids.at(1), ids.at(0)}));
        QVERIFY(rest.json().value(QLatin1String("nextCursor")).isNull());
        QCOMPARE(rest.json().value(QLatin1String("more")).toBool(), false);

        // Rows newer than a cursor, newest first, with `more` when there are more than the limit.
        const QString third = rest.json()
                                  .value(QLatin1String("deliveries"))
                                  .toArray()
                                  .at(0)
                                  .toObject()
                                  .value(QLatin1String("cursor"))
                                  .toString();
        auto newer = m_a->get(QStringLiteral("/v1/admin/deliveries?after=") + third);
        QCOMPARE(m_a->idsOf(newer), (QStringList{ids.at(4), ids.at(3)}));
        QCOMPARE(newer.json().value(QLatin1String("more")).toBool(), false);
        auto fewer = m_a->get(QStringLiteral("/v1/admin/deliveries?limit=1&after=") + third);
        QCOMPARE(m_a->idsOf(fewer), QStringList{ids.at(4)});
        QCOMPARE(fewer.json().value(QLatin1String("more")).toBool(), true);
    }

    void filters()
    {
        const QString a = m_a->f.createWebhook(Provider::Generic, nullptr);
        auto other = m_a->f.engine().agents().create(QStringLiteral("other"));
        const QString b = m_a->f.engine().webhooks().create(other->agent.id, Provider::Stripe)->webhook.id;
        const qint64 start = m_a->f.clock().nowMs();
        const QStringList ofA = m_a->seed(a, 4, 1, QStringLiteral("push"));
        const qint64 middle = m_a->f.clock().nowMs();
        const QStringList ofB = m_a->seed(b, 3, 1, QStringLiteral("invoice.paid"));
        m_a->f.scalar(QStringLiteral("UPDATE deliveries SET status = 'failed' WHERE id = ?"), {ofA.at(1)});
        const auto ids = [this](const QString& query) {
            return m_a->idsOf(m_a->get(QStringLiteral("/v1/admin/deliveries?") + query));
        };
        QCOMPARE(ids(QStringLiteral("webhookId=") + b), (QStringList{ofB.at(2), ofB.at(1), ofB.at(0)}));
        QCOMPARE(ids(QStringLiteral("agentId=") + other->agent.id), (QStringList{ofB.at(2), ofB.at(1), ofB.at(0)}));
        QCOMPARE(ids(QStringLiteral("agentId=") + m_a->f.agentId()).size(), 4);
        QCOMPARE(ids(QStringLiteral("provider=stripe")).size(), 3);
        QCOMPARE(ids(QStringLiteral("status=failed")), QStringList{ofA.at(1)});
        QCOMPARE(ids(QStringLiteral("q=invoice")).size(), 3);
        QCOMPARE(ids(QStringLiteral("q=") + ofA.at(2)), QStringList{ofA.at(2)});
        const auto time = [](qint64 ms) {
            return encoded(ApiJson::timestamp(ms));
        };
        QCOMPARE(ids(QStringLiteral("to=") + time(middle)), (QStringList{ofA.at(3), ofA.at(2), ofA.at(1), ofA.at(0)}));
        QCOMPARE(ids(QStringLiteral("from=") + time(middle)).size(), 3);
        QCOMPARE(
            ids(QStringLiteral("from=") +
                encoded(QDateTime::fromMSecsSinceEpoch(middle, Qt::OffsetFromUTC, 3600).toString(Qt::ISODateWithMs)))
                .size(),
            3); // the same moment, written with an offset
        QCOMPARE(ids(QStringLiteral("from=%1&to=%2").arg(time(start + 1), time(start + 3))),
                 (QStringList{ofA.at(2), ofA.at(1)}));
        QCOMPARE(ids(QStringLiteral("agentId=") + other->agent.id + QStringLiteral("&status=failed")), QStringList());

        // Re-reading rows by id, whether or not they match the filter.
        auto reread =
            m_a->get(QStringLiteral("/v1/admin/deliveries?status=failed&ids=%1,%2,dlv_gone").arg(ofA.at(1), ofB.at(0)));
        QCOMPARE(reread.status, 200);
        const QJsonArray rows = reread.json().value(QLatin1String("deliveries")).toArray();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows.at(0).toObject().value(QLatin1String("id")).toString(), ofB.at(0)); // newest first
        QCOMPARE(rows.at(0).toObject().value(QLatin1String("matches")).toBool(), false);
        QCOMPARE(rows.at(1).toObject().value(QLatin1String("matches")).toBool(), true);
    }

    void badParametersAre400NamingThem()
    {
        const auto bad = [this](const QString& query, const QString& message) {
            ADMIN_VERIFY_ERROR(m_a->get(QStringLiteral("/v1/admin/deliveries?") + query), 400, "invalid_argument",
                               message);
        };
        bad(QStringLiteral("limit=0"), QStringLiteral("limit must be a whole number from 1 to 500."));
        bad(QStringLiteral("limit=501"), QStringLiteral("limit must be a whole number from 1 to 500."));
        bad(QStringLiteral("limit=ten"), QStringLiteral("limit must be a whole number from 1 to 500."));
        bad(QStringLiteral("status=lost"),
            QStringLiteral("status must be one of queued, delivering, retrying, delivered, failed, duplicate."));
        bad(QStringLiteral("provider=gitlab"),
            QStringLiteral("provider must be one of generic, github, stripe, slack."));
        bad(QStringLiteral("q=dlv_01IL"),
            QStringLiteral("q: Delivery ids use only 0-9 and the letters A-Z without I, L, O and U; \"I\" is not one "
                           "of them."));
        bad(QStringLiteral("from=yesterday"),
            QStringLiteral("from must be an RFC 3339 time such as 2026-11-30T18:00:00Z, not \"yesterday\"."));
        bad(QStringLiteral("from=2026-11-30T18:00:00"),
            QStringLiteral("from must be an RFC 3339 time such as 2026-11-30T18:00:00Z, not \"2026-11-30T18:00:00\"."));
        bad(QStringLiteral("to=2026-13-01T00:00:00Z"),
            QStringLiteral("to must be an RFC 3339 time such as 2026-11-30T18:00:00Z, not \"2026-13-01T00:00:00Z\"."));
        bad(QStringLiteral("from=2026-11-30T18:00:00Z&to=2026-11-30T17:00:00Z"),
            QStringLiteral("from must be earlier than to."));
        const QString cursorProblem =
            QStringLiteral("%1 must be a cursor this API gave out (a row's \"cursor\" or a page's \"nextCursor\").");
        bad(QStringLiteral("before=not-a-cursor!"), cursorProblem.arg(QLatin1String("before")));
        bad(QStringLiteral("before=") +
                QString::fromLatin1(QByteArray("12.whk_x").toBase64(QByteArray::Base64UrlEncoding)),
            cursorProblem.arg(QLatin1String("before")));
        bad(QStringLiteral("after="), cursorProblem.arg(QLatin1String("after")));
        bad(QStringLiteral("before=a&after=b"), QStringLiteral("Send before or after, not both."));
        bad(QStringLiteral("ids="), QStringLiteral("ids must list 1 to 500 delivery ids, comma-separated."));
        bad(QStringLiteral("ids=a&limit=3"), QStringLiteral("ids goes without before, after and limit."));
        QStringList many;
        for (int i = 0; i < 501; ++i)
            many << QStringLiteral("dlv_%1").arg(i);
        bad(QStringLiteral("ids=") + many.join(QLatin1Char(',')),
            QStringLiteral("ids must list 1 to 500 delivery ids, comma-separated."));
    }

    // Paging through thousands of rows with before= while deliveries keep arriving from another thread: no row
    // twice, every row that was there at the start seen, strictly newest first.
    void pagesAreStableUnderConcurrentInserts()
    {
        QByteArray secret;
        const QString hook = m_a->f.createWebhook(Provider::Generic, &secret);
        const QStringList existing = m_a->seed(hook, 3000, 3); // three to a millisecond: ties broken by id
        std::atomic<bool> stop{false};
        std::atomic<int> posted{0};
        const QUrl base = m_a->f.http().base();
        const QString path = IngressFixture::hookPath(hook);
        QThread* sender = QThread::create([&] {
            HttpClient http(base);
            for (int i = 0; !stop; ++i) {
                if (http.postSigned(path, "{\"late\":" + QByteArray::number(i) + "}", secret).status == 202)
                    ++posted;
            }
        });
        sender->start();
        QTRY_VERIFY(posted > 0);

        QStringList seen;
        QSet<QString> unique;
        QString cursor;
        QJsonObject previous;
        int pages = 0;
        for (;;) {
            auto page = m_a->get(QStringLiteral("/v1/admin/deliveries?limit=97") +
                                 (cursor.isEmpty() ? QString() : QStringLiteral("&before=") + cursor));
            QCOMPARE(page.status, 200);
            ++pages;
            for (const QJsonValue& value : page.json().value(QLatin1String("deliveries")).toArray()) {
                const QJsonObject row = value.toObject();
                const QString id = row.value(QLatin1String("id")).toString();
                QVERIFY2(!unique.contains(id), qPrintable(id + QStringLiteral(" seen twice")));
                unique.insert(id);
                seen << id;
                if (!previous.isEmpty()) {
                    const QString at = row.value(QLatin1String("receivedAt")).toString();
                    const QString before = previous.value(QLatin1String("receivedAt")).toString();
                    QVERIFY2(at < before || (at == before && id < previous.value(QLatin1String("id")).toString()),
                             qPrintable(id + QStringLiteral(" is not older than the row before it")));
                }
                previous = row;
            }
            const QJsonValue next = page.json().value(QLatin1String("nextCursor"));
            if (next.isNull())
                break;
            cursor = next.toString();
            m_a->f.clock().advanceMs(1); // what arrives now is newer than anything seen
        }
        stop = true;
        sender->wait();
        delete sender;
        QVERIFY(pages >= 31);
        QVERIFY(posted > 0);
        QCOMPARE(missingIds(existing, seen), QStringList());
    }

    void oneDeliveryAndItsRetry()
    {
        QByteArray secret;
        const QString hook = m_a->f.createWebhook(Provider::Generic, &secret);
        auto sent = m_a->f.http().postSigned(IngressFixture::hookPath(hook), "{\"caf\\u00e9\":\"\xc3\xa9\"}", secret);
        const QString id = sent.json().value(QLatin1String("deliveryId")).toString();
        m_a->f.scalar(QStringLiteral("UPDATE deliveries SET status = 'failed' WHERE id = ?"), {id});
        auto detail = m_a->get(QStringLiteral("/v1/admin/deliveries/") + id);
        QCOMPARE(detail.status, 200);
        const QJsonObject json = detail.json();
        QCOMPARE(json.value(QLatin1String("body")).toString(), QStringLiteral("{\"caf\\u00e9\":\"\u00e9\"}"));
        QCOMPARE(QByteArray::fromBase64(json.value(QLatin1String("bodyBase64")).toString().toLatin1()),
                 QByteArray("{\"caf\\u00e9\":\"\xc3\xa9\"}"));
        QCOMPARE(json.value(QLatin1String("verifiedBy")).toString(), QStringLiteral("alfe"));
        QVERIFY(json.value(QLatin1String("attempts")).isArray());
        QVERIFY(json.value(QLatin1String("headers")).isArray());
        QVERIFY(!json.value(QLatin1String("cursor")).toString().isEmpty());
        QCOMPARE(json.value(QLatin1String("webhookUrl")).toString(),
                 m_a->f.engine().ingressUrl() + QStringLiteral("/v1/hooks/") + hook);
        QVERIFY(json.contains(QLatin1String("dedupKey")));

        auto retried = m_a->post(QStringLiteral("/v1/admin/deliveries/") + id + QStringLiteral("/retry"), {});
        QCOMPARE(retried.status, 202);
        QCOMPARE(retried.json().value(QLatin1String("status")).toString(), QStringLiteral("queued"));
        QCOMPARE(m_a->f.engine().deliveries().get(id)->status, DeliveryStatus::Queued);
        ADMIN_VERIFY_ERROR(m_a->post(QStringLiteral("/v1/admin/deliveries/dlv_nope/retry"), {}), 404, "not_found",
                           QStringLiteral("No delivery with id dlv_nope."));
    }

private:
    std::unique_ptr<AdminApiFixture> m_a;
};

QTEST_GUILESS_MAIN(TestAdminApiDeliveries)
#include "tst_adminapi_deliveries.moc"
