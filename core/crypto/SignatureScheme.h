#pragma once

#include "domain/Delivery.h"
#include "domain/Domain.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace Alfe {

// What a signature scheme reads from one request.
struct SignedRequest
{
    const HeaderList& headers;
    QByteArrayView body;
    qint64 nowMs = 0;           // wall clock: providers sign their own wall-clock time
    int toleranceSeconds = 300; // how far a signed timestamp may be from now, either way
};

// The secrets that may have signed it, current first. The caller owns and cleanses them.
struct SchemeKeys
{
    const QList<QByteArray>& alfe;     // the webhook's own secrets (whsec_…), shown by Alfe
    const QList<QByteArray>& provider; // the imported provider signing secrets; may be empty
};

struct SchemeVerdict
{
    enum class Outcome
    {
        Absent,   // the request carries no header of this scheme
        Verified, // it does, and a valid secret signed this body
        Refused,  // it does, and it does not verify: `reason` says why, without any secret material
    };
    Outcome outcome = Outcome::Absent;
    QString reason;

    static SchemeVerdict absent() { return {}; }
    static SchemeVerdict verified() { return {Outcome::Verified, {}}; }
    static SchemeVerdict refused(const QString& reason) { return {Outcome::Refused, reason}; }
};

// One way a sender signs a webhook: how to check it, and how to sign a body the same way (the console's test
// events, the interop tests). Adding a provider's scheme is one such class and a row in SignatureSchemes::all().
class SignatureScheme
{
public:
    virtual ~SignatureScheme() = default;
    // Recorded with each delivery it verified ("alfe", "github", "stripe", "slack", "standard-webhooks").
    virtual QString name() const = 0;
    // The header that carries the signature, for messages.
    virtual QByteArray header() const = 0;
    // Whether it is tried for webhooks of this provider.
    virtual bool appliesTo(Provider provider) const = 0;
    virtual SchemeVerdict verify(const SignedRequest& request, const SchemeKeys& keys) const = 0;
    // The headers the sender would add to `body` at `nowMs` with the current secrets; empty when the scheme
    // has no usable secret among `keys` (no provider secret imported, say). `messageId` names the message
    // for schemes that sign one (Standard Webhooks).
    virtual HeaderList sign(QByteArrayView body, const SchemeKeys& keys, qint64 nowMs,
                            const QByteArray& messageId) const = 0;
};

} // namespace Alfe
