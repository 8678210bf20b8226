#pragma once

#include <QFont>
#include <QStringList>

namespace Alfe {

// The font for secrets, ids, URLs and payloads: one whose glyphs really are all the same width.
//
// QFontDatabase::systemFont(FixedFont) is not enough: on machines where fontconfig's "monospace" is Noto
// Sans Mono, Qt 6.4 resolves it but QFontInfo::fixedPitch() says false, and other machines may resolve it to
// a proportional family. What counts is what a person sees, so each candidate is measured: a narrow and a
// wide glyph must advance by the same width.
class MonospaceFont final
{
public:
    // The first candidate that measures monospaced: the system's fixed font, the "monospace" alias, a few
    // well-known families, then any installed family Qt calls fixed pitch. Cached after the first call.
    static QFont font();
    // The first font of `families` that measures monospaced, or the last one tried when none does.
    static QFont firstMonospaced(const QStringList& families);
    // Narrow and wide glyphs advance by the same width.
    static bool isMonospaced(const QFont& font);
};

} // namespace Alfe
