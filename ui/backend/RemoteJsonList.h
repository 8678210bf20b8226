#pragma once

#include <QJsonArray>

namespace Alfe::RemoteJson {

template <typename T>
Result<QList<T>> list(const QJsonObject& object, const char* key, Result<T> (*read)(const QJsonObject&))
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (!value.isArray())
        return Error{QStringLiteral("bad_answer"),
                     QStringLiteral("The server's answer has no \"%1\" list.").arg(QLatin1String(key))};
    QList<T> items;
    const QJsonArray array = value.toArray();
    items.reserve(array.size());
    for (const QJsonValue& element : array) {
        auto item = read(element.toObject());
        if (!item)
            return item.error();
        items << std::move(item.value());
    }
    return items;
}

} // namespace Alfe::RemoteJson
