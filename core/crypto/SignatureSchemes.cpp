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

const SignatureScheme& importedSecretScheme(Provider provider)
{
    switch (provider) {
    case Provider::Stripe:
        return Schemes::stripe();
    case Provider::Slack:
        return Schemes::slack();
    case Provider::GitHub:
        return Schemes::gitHub();
    case Provider::Generic:
        break;
    }
    return Schemes::standardWebhooks();
}

const SignatureScheme& senderScheme(Provider provider, const SchemeKeys& keys)
{
    if (provider == Provider::GitHub)
        return Schemes::gitHub(); // with Alfe's secret when none is imported, as GitHub is usually set up
    // Standard Webhooks keys are "whsec_" + base64: another imported secret on a generic webhook signs nothing.
    const bool usable = !keys.provider.isEmpty() && (provider != Provider::Generic ||
                                                     keys.provider.first().startsWith(Secrets::WebhookSecretPrefix));
    return usable ? importedSecretScheme(provider) : Schemes::alfe();
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

SchemeVerdict timestampedVerdict(const QByteArray& header, bool matched, qint64 timestampSeconds,
                                 const SignedRequest& request)
{
    const QString name = QString::fromLatin1(header);
    if (!matched)
        return SchemeVerdict::refused(QStringLiteral("%1 does not match the body").arg(name));
    const qint64 age = request.nowMs / 1000 - timestampSeconds;
    if (qAbs(age) <= request.toleranceSeconds)
        return SchemeVerdict::verified();
    return SchemeVerdict::refused(QStringLiteral("%1 timestamp %2 s %3 (tolerance %4 s)")
                                      .arg(name)
                                      .arg(qAbs(age))
                                      .arg(age > 0 ? QStringLiteral("old") : QStringLiteral("in the future"))
                                      .arg(request.toleranceSeconds));
}

SchemeVerdict noSecretImported(const char* provider)
{
    return SchemeVerdict::refused(
        QStringLiteral("no %1 signing secret imported for this webhook (alfe webhook set-provider-secret)")
            .arg(QLatin1String(provider)));
}

} // namespace Alfe::SignatureSchemes
