#!/usr/bin/env python3
"""cli_manpage: the generated alfe(1) renders without a warning and documents every command and option.

    check_manpage.py GENERATOR ALFE MANPAGE

GENERATOR is packaging/cli/alfe-reference.py: its walker runs `ALFE … --help` over the whole tree again, and
every (sub)command it finds must have its section in MANPAGE (alfe.1 or alfe.1.gz), and every long option of a
command must be named in that command's section and described (its text) somewhere in the page.
"""
import gzip
import importlib.util
import os
import re
import subprocess
import sys

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", file=sys.stderr)


def plain(roff):
    """The text of roff source: escapes undone, fonts dropped, whitespace collapsed."""
    text = re.sub(r"\\f[BIRP]", "", roff)
    text = re.sub(r"\\\[u([0-9A-F]{4})\]", lambda m: chr(int(m.group(1), 16)), text)
    for escape, char in (("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'), ("\\(ga", "`"), ("\\&", ""), ("\\e", "\\")):
        text = text.replace(escape, char)
    return " ".join(text.split())


def main(generator, alfe, manpage):
    spec = importlib.util.spec_from_file_location("alfe_reference", generator)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)

    # 1. It renders without a warning (what lintian's manpage-has-errors-from-man runs).
    render = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", manpage],
                            env=dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if render.returncode != 0 or render.stderr.strip():
        fail(f"man --warnings (exit {render.returncode}):\n{render.stderr}")

    opener = gzip.open if manpage.endswith(".gz") else open
    with opener(manpage, "rt", encoding="utf-8") as f:
        source = f.read()
    # Sections: ".SS" title -> the plain text of the section, ".SH" name -> the same.
    sections = {}
    for chunk in re.split(r"^(?=\.S[HS] )", source, flags=re.M):
        title, _, body = chunk.partition("\n")
        if title.startswith((".SH ", ".SS ")):
            sections[plain(title[4:].strip('"'))] = plain(body)
    page = plain(source)
    for required in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS", "FILES", "SEE ALSO"):
        if required not in sections:
            fail(f"no section {required}")
    if not re.search(r"^\.TH ALFE 1 \"\d{4}-\d\d-\d\d\" \"alfe \S+\"", source, re.M):
        fail("no .TH ALFE 1 with a date and a version")
    home = os.path.expanduser("~")
    if (len(home) > 1 and home in page) or "alfe-ref." in page:
        fail("the page shows the home or the temporary directory of its build")

    # 2. Every command and option the help tree has, the page has.
    helps = reference.walk(alfe)
    if len(helps) < 2:
        fail(f"the walker found only {len(helps)} help texts")
    commands = [h for h in helps if h.options]
    everywhere = {n for n in (n for o in commands[0].options for n in o.names)
                  if all(any(n in o.names for o in c.options) for c in commands)} if commands else set()
    for h in helps[1:]:
        name, words = " ".join(["alfe", *h.words]), ["alfe", *h.words]
        # Its section's title is its usage: its words, then not one of its subcommands.
        title = next((t for t in sections if t.split()[:len(words)] == words
                      and t.split()[len(words):len(words) + 1] not in [[c] for c, _ in h.commands]), None)
        if title is None:
            fail(f"no section for '{name}'")
            continue
        for option in h.options:
            if " ".join(option.text.split()) not in page:
                fail(f"'{name}': the text of {', '.join(option.names)} is missing: {option.text!r}")
            for n in (n for n in option.names if n.startswith("--")):
                # Named in the command's section, or, if every command takes it, under OPTIONS.
                named = [w for w in (title, "OPTIONS" if n in everywhere else None)
                         if w and re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", sections.get(w, ""))]
                if not named:
                    fail(f"'{name}': option {n} is not named in its section '{title}'")
    print(f"{len(helps)} help texts, {sum(len(h.options) for h in helps)} options checked; "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
