#include "common/SchemeLabel.h"

#include "crypto/SignatureSchemes.h"

namespace Alfe::SchemeLabel {

QString text(const QString& scheme)
{
    if (scheme.isEmpty())
        return QStringLiteral("\u2014");
    const SignatureScheme* known = SignatureSchemes::byName(scheme);
    if (!known)
        return scheme;
    const QString header = QString::fromLatin1(known->header());
    return scheme == u"alfe" ? header : QStringLiteral("%1 (%2)").arg(header, scheme);
}

} // namespace Alfe::SchemeLabel
