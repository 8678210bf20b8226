#include "ingress/Routes.h"

namespace Alfe::Routes {

QByteArrayView withoutQuery(QByteArrayView path)
{
    const qsizetype q = path.indexOf('?');
    return q < 0 ? path : path.first(q);
}

namespace {
// Segment by segment ("/a/{id}" has the segments "", "a", "{id}"), without copying either side: this runs for
// every route on every request the guard admits.
bool matches(QByteArrayView pattern, QByteArrayView path)
{
    qsizetype p = 0;
    qsizetype h = 0;
    for (;;) {
        const qsizetype patternEnd = pattern.indexOf('/', p);
        const qsizetype pathEnd = path.indexOf('/', h);
        const QByteArrayView want = pattern.sliced(p, (patternEnd < 0 ? pattern.size() : patternEnd) - p);
        const QByteArrayView have = path.sliced(h, (pathEnd < 0 ? path.size() : pathEnd) - h);
        if (want.startsWith('{') ? have.isEmpty() : want != have)
            return false;
        if ((patternEnd < 0) != (pathEnd < 0))
            return false; // one has more segments than the other
        if (patternEnd < 0)
            return true;
        p = patternEnd + 1;
        h = pathEnd + 1;
    }
}
} // namespace

const QList<Route>& all()
{
    static const QList<Route> routes{
        {"POST", "/v1/hooks/{webhookId}"},
        {"GET", "/v1/webhooks"},
        {"POST", "/v1/webhooks"},
        {"GET", "/v1/webhooks/{webhookId}"},
        {"PATCH", "/v1/webhooks/{webhookId}"},
        {"DELETE", "/v1/webhooks/{webhookId}"},
        {"POST", "/v1/webhooks/{webhookId}/rotate"},
        {"PUT", "/v1/webhooks/{webhookId}/provider-secret"},
        {"DELETE", "/v1/webhooks/{webhookId}/provider-secret"},
        {"GET", "/v1/deliveries"},
        {"GET", "/v1/deliveries/{deliveryId}"},
        {"POST", "/v1/deliveries/{deliveryId}/retry"},
        {"GET", "/v1/agents/me"},
        {"GET", "/v1/agents/me/stream"},
        // The admin API (api/AdminApi): admin tokens only.
        {"GET", "/v1/admin/agents"},
        {"POST", "/v1/admin/agents"},
        {"GET", "/v1/admin/agents/{agentId}"},
        {"PATCH", "/v1/admin/agents/{agentId}"},
        {"DELETE", "/v1/admin/agents/{agentId}"},
        {"GET", "/v1/admin/webhooks"},
        {"POST", "/v1/admin/webhooks"},
        {"GET", "/v1/admin/webhooks/{webhookId}"},
        {"PATCH", "/v1/admin/webhooks/{webhookId}"},
        {"DELETE", "/v1/admin/webhooks/{webhookId}"},
        {"POST", "/v1/admin/webhooks/{webhookId}/rotate"},
        {"POST", "/v1/admin/webhooks/{webhookId}/test"},
        {"PUT", "/v1/admin/webhooks/{webhookId}/provider-secret"},
        {"DELETE", "/v1/admin/webhooks/{webhookId}/provider-secret"},
        {"GET", "/v1/admin/deliveries"},
        {"POST", "/v1/admin/deliveries/retry"},
        {"GET", "/v1/admin/deliveries/{deliveryId}"},
        {"POST", "/v1/admin/deliveries/{deliveryId}/retry"},
        {"GET", "/v1/admin/jobs/{jobId}"},
        {"DELETE", "/v1/admin/jobs/{jobId}"},
        {"GET", "/v1/admin/refused"},
        {"GET", "/v1/admin/stats"},
        {"GET", "/v1/admin/events"},
    };
    return routes;
}

QList<QByteArray> allowedMethods(QByteArrayView rawPath)
{
    const QByteArrayView path = withoutQuery(rawPath);
    QList<QByteArray> methods;
    for (const Route& route : all()) {
        if (matches(route.pattern, path) && !methods.contains(route.method))
            methods << route.method;
    }
    return methods;
}

QByteArray hookIdFromPath(QByteArrayView path)
{
    path = withoutQuery(path);
    constexpr QByteArrayView prefix{"/v1/hooks/"};
    if (!path.startsWith(prefix))
        return {};
    const QByteArrayView id = path.sliced(prefix.size());
    return id.isEmpty() || id.contains('/') ? QByteArray() : id.toByteArray();
}

} // namespace Alfe::Routes
