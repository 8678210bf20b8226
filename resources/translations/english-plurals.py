#!/usr/bin/env python3
"""English plural forms for the console's %n strings.

Qt's tr("%n deliveries", nullptr, n) shows the source text when no translation is loaded, so "1 deliveries".
The console therefore always loads alfe_en.qm, which holds only the numerus strings with their English
singular and plural forms. This script keeps alfe_en.ts in step with the sources:

    english-plurals.py            regenerate alfe_en.ts from ui/ (lupdate -pluralonly) and fill the forms
    english-plurals.py --check    fail when a %n string in ui/ has no English forms in alfe_en.ts
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TS = os.path.join(HERE, 'alfe_en.ts')
SINGULAR = {'deliveries': 'delivery', 'agents': 'agent', 'seconds': 'second', 'webhooks': 'webhook',
            'requests': 'request', 'days': 'day', 'attempts': 'attempt'}


def lupdate():
    for candidate in ('/usr/lib/qt6/bin/lupdate', 'lupdate-qt6', 'lupdate'):
        if os.path.sep not in candidate or os.path.exists(candidate):
            return candidate
    return 'lupdate'


def singular(source):
    # The first plural noun after %n (or %Ln) takes the singular: "Queued %L1 of %Ln failed deliveries".
    return re.sub(r'(%L?n(?: [^ ]+?)*?) (' + '|'.join(SINGULAR) + r')\b',
                  lambda m: m.group(1) + ' ' + SINGULAR[m.group(2)], source, count=1)


def fill(text):
    def one(match):
        block = match.group(0)
        source = re.search(r'<source>(.*?)</source>', block, re.S).group(1)
        forms = ('<translation>\n            <numerusform>%s</numerusform>\n'
                 '            <numerusform>%s</numerusform>\n        </translation>') % (singular(source), source)
        return re.sub(r'<translation[^>]*?(/>|>.*?</translation>)', forms, block, flags=re.S)
    return re.sub(r'<message numerus="yes">.*?</message>', one, text, flags=re.S)


def generate(path):
    subprocess.run([lupdate(), '-silent', '-pluralonly', '-locations', 'none', '-no-obsolete',
                    '-source-language', 'en', '-target-language', 'en', os.path.join(ROOT, 'ui'), '-ts', path],
                   check=True)
    with open(path, encoding='utf-8') as f:
        text = fill(f.read())
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def sources(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    return set(re.findall(r'<message numerus="yes">\s*<source>(.*?)</source>', text, re.S))


if __name__ == '__main__':
    if '--check' in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = os.path.join(tmp, 'alfe_en.ts')
            generate(fresh)
            missing = sources(fresh) - sources(TS)
        if missing:
            print('These %n strings have no English plural forms in resources/translations/alfe_en.ts;')
            print('run resources/translations/english-plurals.py and commit the result:')
            for source in sorted(missing):
                print('  ' + source)
            sys.exit(1)
        print('alfe_en.ts covers every %%n string in ui/ (%d)' % len(sources(TS)))
    else:
        if os.path.exists(TS):
            os.remove(TS)
        generate(TS)
        print('wrote %s (%d plural strings)' % (TS, len(sources(TS))))
