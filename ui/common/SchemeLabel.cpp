#include "common/SchemeLabel.h"

#include "crypto/Signature.h"
#include "crypto/SignatureSchemes.h"

namespace Alfe::SchemeLabel {

QString text(const QString& scheme)
{
    if (scheme.isEmpty())
        return QStringLiteral("\u2014");
    // Alfe's own header needs no "(alfe)" here; every other scheme is named as everywhere else.
    if (scheme == u"alfe")
        return QString::fromLatin1(Signature::HeaderName);
    return SignatureSchemes::describe(scheme);
}

} // namespace Alfe::SchemeLabel
