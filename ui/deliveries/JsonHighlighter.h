#pragma once

#include <QPalette>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace Alfe {

// Colours JSON text: keys, strings, numbers, and true/false/null. Works line by line on pretty-printed
// JSON (a string never spans lines there). Colours follow the palette: setPalette() on a theme change.
class JsonHighlighter final : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    explicit JsonHighlighter(QTextDocument* document);

    void setPalette(const QPalette& palette);
    // An inactive highlighter leaves text alone (the document is not JSON, or is being replaced).
    void setActive(bool active) { m_active = active; }

protected:
    void highlightBlock(const QString& text) override;

private:
    QTextCharFormat m_key;
    QTextCharFormat m_string;
    QTextCharFormat m_number;
    QTextCharFormat m_keyword;
    bool m_active = true;
};

} // namespace Alfe
