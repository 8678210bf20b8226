#include "IngressFixture.h"
#include "ingress/Routes.h"

#include <QFile>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Alfe;
using Test::IngressFixture;

namespace {
// "METHOD /path" for every operation in docs/openapi.yaml: path keys at indent 2 under `paths:`, methods
// at indent 4. A small reader is enough for that part of the file.
QSet<QString> documentedOperations()
{
    QFile file(QStringLiteral(ALFE_SOURCE_DIR "/docs/openapi.yaml"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QRegularExpression pathLine(QStringLiteral("^  (/[^:]*):\\s*$"));
    const QRegularExpression methodLine(QStringLiteral("^    (get|post|put|patch|delete|head|options):\\s*$"));
    QSet<QString> operations;
    bool inPaths = false;
    QString path;
    for (const QByteArray& raw : file.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (!line.startsWith(QLatin1Char(' ')) && !line.trimmed().isEmpty())
            inPaths = line.startsWith(QLatin1String("paths:"));
        if (!inPaths)
            continue;
        if (auto m = pathLine.match(line); m.hasMatch())
            path = m.captured(1);
        else if (auto m = methodLine.match(line); m.hasMatch() && !path.isEmpty())
            operations.insert(m.captured(1).toUpper() + QLatin1Char(' ') + path);
    }
    return operations;
}

QString concrete(const QByteArray& pattern)
{
    QString path = QString::fromLatin1(pattern);
    path.replace(QRegularExpression(QStringLiteral("\\{[^}]+\\}")), QStringLiteral("whk_01J9Z8Q0000000000000000000"));
    return path;
}
} // namespace

// docs/openapi.yaml describes exactly the routes the server serves.
class TestOpenApi : public QObject
{
    Q_OBJECT

private slots:
    void everyServedRouteIsDocumented()
    {
        const QSet<QString> documented = documentedOperations();
        QVERIFY2(documented.size() >= 10, "docs/openapi.yaml has no readable paths");
        QSet<QString> served;
        for (const Routes::Route& route : Routes::all())
            served.insert(QString::fromLatin1(route.method + ' ' + route.pattern));
        for (const QString& op : served)
            QVERIFY2(documented.contains(op),
                     qPrintable(op + QStringLiteral(" is served but not in docs/openapi.yaml")));
        for (const QString& op : documented)
            QVERIFY2(served.contains(op), qPrintable(op + QStringLiteral(" is documented but not served")));
    }

    // The route table is what the server really answers: each route reaches its handler (the ingress
    // answers 404 for an unknown webhook; the API answers 401 without a token; the agent stream, asked without
    // an upgrade, 426), never "No such route".
    void everyRouteIsServed()
    {
        IngressFixture f;
        for (const Routes::Route& route : Routes::all()) {
            auto r = f.http().send(route.method, concrete(route.pattern), "{}", {{"Content-Type", "application/json"}});
            const QByteArray what = route.method + ' ' + route.pattern;
            QVERIFY2(r.status != 405, what.constData());
            QVERIFY2(!r.body.contains("No such route"), what.constData());
            if (route.pattern.startsWith("/v1/hooks/"))
                QCOMPARE(r.status, 404);
            else if (route.pattern == "/v1/agents/me/stream" || route.pattern == "/v1/admin/events")
                QCOMPARE(r.json().value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(),
                         QStringLiteral("bad_request"));
            else
                QCOMPARE(r.status, 401);
        }
        auto missing = f.http().get(QStringLiteral("/v1/nothing-here"));
        QCOMPARE(missing.status, 404);
    }
};

QTEST_GUILESS_MAIN(TestOpenApi)
#include "tst_openapi.moc"
