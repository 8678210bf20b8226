// Which methods a path accepts (405 with Allow, or 404): the route table matched segment by segment, a "{…}"
// segment standing for one non-empty segment, the query ignored. Checked case by case, and against the plain
// reading of the rule (split both on "/", compare) over every route's own paths and their near misses.
#include "ingress/Routes.h"

#include <QTest>

using namespace Alfe;

namespace {
// The rule written the obvious way; the server's matcher must agree with it on every path.
QList<QByteArray> byTheRule(QByteArrayView rawPath)
{
    const QList<QByteArray> have = Routes::withoutQuery(rawPath).toByteArray().split('/');
    QList<QByteArray> methods;
    for (const Routes::Route& route : Routes::all()) {
        const QList<QByteArray> want = route.pattern.split('/');
        bool same = want.size() == have.size();
        for (qsizetype i = 0; same && i < want.size(); ++i)
            same = want[i].startsWith('{') ? !have[i].isEmpty() : want[i] == have[i];
        if (same && !methods.contains(route.method))
            methods << route.method;
    }
    return methods;
}

QByteArray joined(const QList<QByteArray>& methods)
{
    return methods.join(", ");
}
} // namespace

class TestRoutes : public QObject
{
    Q_OBJECT

private slots:
    void methodsOfAPath_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("methods");
        QTest::newRow("hook") << QByteArray("/v1/hooks/whk_1") << QByteArray("POST");
        QTest::newRow("hook with query") << QByteArray("/v1/hooks/whk_1?x=/y") << QByteArray("POST");
        QTest::newRow("hook without id") << QByteArray("/v1/hooks/") << QByteArray();
        QTest::newRow("hook, trailing slash") << QByteArray("/v1/hooks/whk_1/") << QByteArray();
        QTest::newRow("hook, one more segment") << QByteArray("/v1/hooks/whk_1/x") << QByteArray();
        QTest::newRow("no leading slash") << QByteArray("v1/hooks/whk_1") << QByteArray();
        QTest::newRow("webhook") << QByteArray("/v1/webhooks/whk_1") << QByteArray("GET, PATCH, DELETE");
        QTest::newRow("webhooks") << QByteArray("/v1/webhooks") << QByteArray("GET, POST");
        QTest::newRow("rotate") << QByteArray("/v1/webhooks/whk_1/rotate") << QByteArray("POST");
        QTest::newRow("provider secret") << QByteArray("/v1/webhooks/w/provider-secret") << QByteArray("PUT, DELETE");
        QTest::newRow("empty id in the middle") << QByteArray("/v1/webhooks//rotate") << QByteArray();
        QTest::newRow("job") << QByteArray("/v1/admin/jobs/job_1") << QByteArray("GET, DELETE");
        QTest::newRow("root") << QByteArray("/") << QByteArray();
        QTest::newRow("empty") << QByteArray("") << QByteArray();
        QTest::newRow("prefix of a route") << QByteArray("/v1/hook") << QByteArray();
        QTest::newRow("longer than a route") << QByteArray("/v1/webhooksX") << QByteArray();
    }
    void methodsOfAPath()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, methods);
        QCOMPARE(joined(Routes::allowedMethods(path)), methods);
    }

    void agreesWithTheRuleOnEveryRouteAndItsNearMisses()
    {
        QList<QByteArray> paths;
        for (const Routes::Route& route : Routes::all()) {
            QByteArray concrete = route.pattern;
            concrete.replace("{webhookId}", "whk_1").replace("{deliveryId}", "dlv_1");
            concrete.replace("{agentId}", "agt_1").replace("{jobId}", "job_1");
            QVERIFY2(!concrete.contains('{'), route.pattern.constData());
            paths << concrete << concrete + '/' << concrete + "/x" << concrete.chopped(1) << concrete + "?q=1"
                  << concrete.left(concrete.lastIndexOf('/') + 1) << "/x" + concrete;
        }
        for (const QByteArray& path : std::as_const(paths))
            QCOMPARE(joined(Routes::allowedMethods(path)), joined(byTheRule(path)));
    }
};

QTEST_APPLESS_MAIN(TestRoutes)
#include "tst_routes.moc"
