#include "domain/HeaderRedaction.h"

namespace Alfe::HeaderRedaction {

namespace {
bool isOneOf(QByteArrayView name, std::initializer_list<QByteArrayView> names)
{
    for (QByteArrayView candidate : names) {
        if (name.compare(candidate, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

HeaderList redactedWhere(const HeaderList& headers, bool (*secret)(QByteArrayView))
{
    HeaderList out;
    out.reserve(headers.size());
    for (const auto& [name, value] : headers)
        out.append({name, secret(name) ? redacted(value) : value});
    return out;
}

bool credentialOrSignature(QByteArrayView name)
{
    return isCredential(name) || isSignature(name);
}
} // namespace

bool isCredential(QByteArrayView name)
{
    return isOneOf(name, {"Authorization", "Proxy-Authorization", "Cookie"});
}

bool isSignature(QByteArrayView name)
{
    return isOneOf(name, {"X-Alfe-Signature-256", "X-Hub-Signature-256", "X-Hub-Signature", "Stripe-Signature",
                          "X-Slack-Signature", "webhook-signature"});
}

QByteArray redacted(const QByteArray& value)
{
    if (value.startsWith("[redacted, ") && value.endsWith("]"))
        return value; // already (stored that way): shown as it is, with the original length
    return "[redacted, " + QByteArray::number(value.size()) + (value.size() == 1 ? " byte]" : " bytes]");
}

HeaderList withoutCredentials(const HeaderList& headers)
{
    return redactedWhere(headers, &isCredential);
}

HeaderList forDisplay(const HeaderList& headers)
{
    return redactedWhere(headers, &credentialOrSignature);
}

} // namespace Alfe::HeaderRedaction
