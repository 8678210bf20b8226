#include "Routes.h"

namespace Alfe::Routes {

namespace {
// One path segment: non-empty, no slash.
bool isSegment(QByteArrayView s) { return !s.isEmpty() && !s.contains('/'); }

QByteArrayView withoutQuery(QByteArrayView path)
{
    const qsizetype q = path.indexOf('?');
    return q < 0 ? path : path.first(q);
}
} // namespace

QByteArray hookIdFromPath(QByteArrayView path)
{
    path = withoutQuery(path);
    constexpr QByteArrayView prefix{"/v1/hooks/"};
    if (!path.startsWith(prefix))
        return {};
    const QByteArrayView id = path.sliced(prefix.size());
    return isSegment(id) ? id.toByteArray() : QByteArray();
}

QList<QByteArray> allowedMethods(QByteArrayView rawPath)
{
    const QByteArrayView path = withoutQuery(rawPath);
    if (!hookIdFromPath(path).isEmpty())
        return {"POST"};
    if (path == "/v1/webhooks")
        return {"GET", "POST"};
    if (path == "/v1/deliveries")
        return {"GET"};
    if (path == "/v1/agents/me")
        return {"GET"};
    const auto parts = path.toByteArray().split('/'); // "", "v1", collection, id, action
    if (parts.size() == 4 && parts[1] == "v1" && isSegment(parts[3])) {
        if (parts[2] == "webhooks")
            return {"GET", "PATCH", "DELETE"};
        if (parts[2] == "deliveries")
            return {"GET"};
    }
    if (parts.size() == 5 && parts[1] == "v1" && isSegment(parts[3])) {
        if (parts[2] == "webhooks" && parts[4] == "rotate")
            return {"POST"};
        if (parts[2] == "deliveries" && parts[4] == "retry")
            return {"POST"};
    }
    return {};
}

} // namespace Alfe::Routes
