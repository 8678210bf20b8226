#include "deliveries/JsonHighlighter.h"

#include "common/StatusStyle.h"

#include <QGuiApplication>

namespace Alfe {

JsonHighlighter::JsonHighlighter(QTextDocument* document)
    : QSyntaxHighlighter(document)
{
    setPalette(QGuiApplication::palette());
}

void JsonHighlighter::setPalette(const QPalette& palette)
{
    // Shades that keep their contrast on the palette's base colour, light or dark.
    m_key = QTextCharFormat();
    m_key.setForeground(StatusStyle::color(StatusStyle::Tone::Accent, palette));
    m_string = QTextCharFormat();
    m_string.setForeground(StatusStyle::color(StatusStyle::Tone::Good, palette));
    m_number = QTextCharFormat();
    m_number.setForeground(StatusStyle::color(StatusStyle::Tone::Pending, palette));
    m_keyword = QTextCharFormat();
    m_keyword.setForeground(StatusStyle::color(StatusStyle::Tone::Special, palette));
    m_keyword.setFontWeight(QFont::DemiBold);
    rehighlight();
}

void JsonHighlighter::highlightBlock(const QString& text)
{
    if (!m_active)
        return;
    const qsizetype n = text.size();
    qsizetype i = 0;
    while (i < n) {
        const QChar c = text.at(i);
        if (c == u'"') {
            qsizetype end = i + 1;
            while (end < n && text.at(end) != u'"')
                end += text.at(end) == u'\\' ? 2 : 1;
            end = std::min(end + 1, n);
            qsizetype after = end;
            while (after < n && text.at(after).isSpace())
                ++after;
            const bool isKey = after < n && text.at(after) == u':';
            setFormat(int(i), int(end - i), isKey ? m_key : m_string);
            i = end;
        } else if (c == u'-' || c.isDigit()) {
            qsizetype end = i + 1;
            while (end < n && (text.at(end).isDigit() || text.at(end) == u'.' || text.at(end) == u'e' ||
                               text.at(end) == u'E' || text.at(end) == u'+' || text.at(end) == u'-'))
                ++end;
            setFormat(int(i), int(end - i), m_number);
            i = end;
        } else if (c.isLetter()) {
            qsizetype end = i + 1;
            while (end < n && text.at(end).isLetter())
                ++end;
            const QStringView word = QStringView(text).mid(i, end - i);
            if (word == u"true" || word == u"false" || word == u"null")
                setFormat(int(i), int(end - i), m_keyword);
            i = end;
        } else {
            ++i;
        }
    }
}

} // namespace Alfe
