#include "crypto/SignatureSchemes.h"

#include "crypto/Schemes.h"
#include "crypto/Secrets.h"

#include <QStringList>

namespace Alfe::SignatureSchemes {

const QList<const SignatureScheme*>& all()
{
    static const QList<const SignatureScheme*> schemes{&Schemes::alfe(), &Schemes::gitHub(), &Schemes::stripe(),
                                                       &Schemes::slack(), &Schemes::standardWebhooks()};
    return schemes;
}

const SignatureScheme* byName(const QString& name)
{
    for (const SignatureScheme* scheme : all()) {
        if (scheme->name() == name)
            return scheme;
    }
    return nullptr;
}

QString describe(const QString& scheme)
{
    const SignatureScheme* known = byName(scheme);
    return known ? QStringLiteral("%1 (%2)").arg(QString::fromLatin1(known->header()), scheme) : scheme;
}

Verification verify(Provider provider, const SignedRequest& request, const SchemeKeys& keys)
{
    QStringList expected;
    QStringList reasons;
    for (const SignatureScheme* scheme : all()) {
        if (!scheme->appliesTo(provider))
            continue;
        const SchemeVerdict verdict = scheme->verify(request, keys);
        switch (verdict.outcome) {
        case SchemeVerdict::Outcome::Verified:
            return {scheme->name(), {}};
        case SchemeVerdict::Outcome::Refused:
            reasons << verdict.reason;
            break;
        case SchemeVerdict::Outcome::Absent:
            expected << QString::fromLatin1(scheme->header());
            break;
        }
    }
    if (!reasons.isEmpty())
        return {{}, reasons.join(QStringLiteral("; "))};
    return {{},
            QStringLiteral("no signature header for this provider (expected %1)")
                .arg(expected.size() < 2 ? expected.join(QString())
                                         : expected.mid(0, expected.size() - 1).join(QStringLiteral(", ")) +
                                               QStringLiteral(" or ") + expected.last())};
}

const SignatureScheme& senderScheme(Provider provider, const SchemeKeys& keys)
{
    const bool imported = !keys.provider.isEmpty();
    switch (provider) {
    case Provider::Stripe:
        return imported ? Schemes::stripe() : Schemes::alfe();
    case Provider::Slack:
        return imported ? Schemes::slack() : Schemes::alfe();
    case Provider::GitHub:
        return Schemes::gitHub();
    case Provider::Generic:
        break;
    }
    return imported && keys.provider.first().startsWith(Secrets::WebhookSecretPrefix) ? Schemes::standardWebhooks()
                                                                                      : Schemes::alfe();
}

std::optional<qint64> parseTimestamp(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 12)
        return std::nullopt;
    qint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

std::optional<QString> staleness(const QByteArray& header, qint64 timestampSeconds, const SignedRequest& request)
{
    const qint64 age = request.nowMs / 1000 - timestampSeconds;
    if (qAbs(age) <= request.toleranceSeconds)
        return std::nullopt;
    return QStringLiteral("%1 timestamp %2 s %3 (tolerance %4 s)")
        .arg(QString::fromLatin1(header))
        .arg(qAbs(age))
        .arg(age > 0 ? QStringLiteral("old") : QStringLiteral("in the future"))
        .arg(request.toleranceSeconds);
}

} // namespace Alfe::SignatureSchemes
