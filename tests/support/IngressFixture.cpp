#include "IngressFixture.h"

#include "store/Database.h"

#include <QSqlQuery>

namespace Alfe::Test {

IngressOptions IngressFixture::defaultOptions()
{
    IngressOptions options;
    options.port = 0;
    options.rateLimitPerSecond = 0;
    return options;
}

IngressFixture::IngressFixture(IngressOptions options)
    : m_engine(m_clock)
{
    auto started = m_engine->startIngress(options);
    if (!started)
        qFatal("ingress failed to start: %s", qPrintable(started.error().message));
    m_http = std::make_unique<HttpClient>(QUrl(m_engine->ingressUrl()));
    m_agentId = m_engine->agents().create(QStringLiteral("test agent")).value().agent.id;
}

QString IngressFixture::createWebhook(Provider provider, QByteArray* secret)
{
    auto created = m_engine->webhooks().create(m_agentId, provider);
    if (secret)
        *secret = created->secret;
    return created->webhook.id;
}

QVariant IngressFixture::scalar(const QString& sql, const QVariantList& binds)
{
    QSqlQuery q(m_engine->database().connection());
    m_engine->database().prepare(q, sql); // in the store's dialect
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        return {};
    return q.value(0);
}

int IngressFixture::count(const QString& sqlWhere, const QString& table)
{
    // "1" (every row) is SQLite's; TRUE means the same to both stores.
    const QString where = sqlWhere == QLatin1String("1") ? QStringLiteral("TRUE") : sqlWhere;
    return scalar(QStringLiteral("SELECT count(*) FROM %1 WHERE %2").arg(table, where)).toInt();
}

} // namespace Alfe::Test
