#!/usr/bin/env python3
"""The man page alfe(1) and the bash completion of `alfe`, generated from its --help.

    alfe-reference.py --alfe PATH (--man|--bash) [--version V] [--date YYYY-MM-DD] [-o FILE]

Walks the help tree: `alfe --help`, then `--help` of every entry of each "Commands:" section, recursively; a
help with a "Commands:" section is a group, one with an "Options:" section a command. Nothing here names a
command or an option. The exit codes come from the ExitCode enum of app/cli/CliContext.h. Output goes to
stdout, or to FILE (gzip -9n when FILE ends in .gz, as lintian wants man pages). Any --help that fails or
says nothing stops the generation with a message on stderr.
"""
import argparse
import datetime
import gzip
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

EXIT_HEADER = Path(__file__).resolve().parents[2] / "app" / "cli" / "CliContext.h"
# What the exit codes mean when the enum has no comment for one (a comment in CliContext.h wins).
EXIT_MEANINGS = {
    "ExitOk": "Success; also after \\-\\-help.",
    "ExitFailure": "The command failed; one line on standard error, starting with the program's name, says why.",
    "ExitUsage": "A usage error: an unknown command or option, or a missing or invalid argument or value.",
}
DOC_DIR = "/usr/share/doc/alfe-console/"


class GenerationError(Exception):
    pass


@dataclass
class Option:
    names: list   # ["-h", "--help"]
    value: str    # "DIR" for "--data-dir <DIR>", "" for a flag
    text: str     # the description, unwrapped

    def key(self):
        return (tuple(self.names), self.value, self.text)


@dataclass
class Help:
    words: list                                      # ["webhook", "rotate"]; [] for the program itself
    usage: str                                       # "alfe webhook rotate [options] ID"
    paragraphs: list = field(default_factory=list)   # the description
    commands: list = field(default_factory=list)     # [(name, summary)] of a group
    options: list = field(default_factory=list)      # [Option] of a command


def parse_help(text, words):
    """Parses one --help: "Usage: …", description paragraphs, then "Name:" sections of indented entries."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("Usage: "):
        raise GenerationError(f"no 'Usage:' line in:\n{text}")
    help_ = Help(words, lines[0][len("Usage: "):].strip())
    section, entries, block = None, {}, []

    def end_block():  # a paragraph of the description (lines joined), or a footer, which is dropped
        if block and section is None:
            help_.paragraphs.append(" ".join(block))
        block.clear()

    for line in lines[1:]:
        if re.fullmatch(r"[A-Z][A-Za-z ]*:", line):
            end_block()
            section = line[:-1]
            entries[section] = []
        elif section and line.startswith("  "):
            if line.startswith("   ") and entries[section]:  # a wrapped line of the entry above
                entries[section][-1][1].append(line.strip())
            else:
                name, _, text_ = line.strip().partition("  ")
                entries[section].append((name, [text_.strip()] if text_.strip() else []))
        elif line.strip():
            if section:
                section = ""  # text after the sections: a footer ("Run '… --help' for …"), dropped
            block.append(line.strip())
        else:
            end_block()
    end_block()
    for name, text_ in entries.get("Commands") or []:
        help_.commands.append((name, " ".join(text_)))
    for spec, text_ in entries.get("Options") or []:
        value = re.search(r"<([^>]+)>", spec)
        help_.options.append(Option(re.findall(r"(?<!\S)--?[\w-]+", spec.split("<")[0]),
                                    value.group(1) if value else "", " ".join(text_)))
    if not help_.commands and not help_.options:
        raise GenerationError(f"'{help_.usage}': its help lists neither commands nor options")
    return help_


def walk(alfe):
    """Every help of the tree, parents before children. Runs alfe with a throwaway home, so defaults under
    the home read `~/…`."""
    alfe, real_home = os.path.abspath(alfe), os.path.expanduser("~")
    with tempfile.TemporaryDirectory(prefix="alfe-ref.") as tmp:
        env = dict(os.environ, HOME=tmp, XDG_DATA_HOME=f"{tmp}/.local/share", XDG_CONFIG_HOME=f"{tmp}/.config",
                   XDG_CACHE_HOME=f"{tmp}/.cache", XDG_STATE_HOME=f"{tmp}/.local/state",
                   XDG_RUNTIME_DIR=f"{tmp}/run", LC_ALL="C.UTF-8", QT_QPA_PLATFORM="offscreen")
        os.mkdir(f"{tmp}/run", 0o700)
        prefixes = sorted({tmp, os.path.realpath(tmp)}, key=len, reverse=True)
        helps, program = [], None

        def visit(words):
            nonlocal program
            command = [alfe, *words, "--help"]
            try:
                run = subprocess.run(command, env=env, cwd=tmp, capture_output=True, text=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired) as e:
                raise GenerationError(f"{' '.join(command)}: {e}")
            if run.returncode != 0:
                raise GenerationError(f"{' '.join(command)} exited {run.returncode}: {run.stderr.strip()}")
            help_ = parse_help(run.stdout, words)
            for p in prefixes:  # after unwrapping, so a wrap cannot hide the temp path
                help_.paragraphs = [s.replace(p, "~") for s in help_.paragraphs]
                for o in help_.options:
                    o.text = o.text.replace(p, "~")
            program = program or help_.usage.split()[0]
            if not f"{help_.usage} ".startswith(" ".join([program, *words, ""])):  # e.g. a group's help, again
                raise GenerationError(f"{' '.join(command)} printed the help of '{help_.usage}'")
            if len(real_home) > 1 and real_home in repr(help_):
                raise GenerationError(f"{' '.join(command)}: the help shows the home directory {real_home}")
            helps.append(help_)
            for name, _ in help_.commands:
                visit([*words, name])

        visit([])
    return helps


def exit_codes(header=EXIT_HEADER):
    """[(code, meaning)] from `enum ExitCode { ExitOk = 0, … }`, with the comment beside or above each."""
    enum = re.search(r"enum\s+ExitCode\s*\{(.*?)\}", header.read_text(), re.S)
    if not enum:
        raise GenerationError(f"{header}: no enum ExitCode")
    codes, comment = [], []
    for line in enum.group(1).splitlines():
        if m := re.match(r"\s*//[/!]?<?\s*(.*)", line):
            comment.append(m.group(1))
        elif m := re.match(r"\s*(\w+)\s*=\s*(\d+)\s*,?\s*(?://[/!]?<?\s*(.*))?$", line):
            text = " ".join(comment + [m.group(3) or ""]).strip()
            if not text and m.group(1) not in EXIT_MEANINGS:
                raise GenerationError(f"{header}: say what {m.group(1)} means in a comment")
            codes.append((int(m.group(2)), escape(text) if text else EXIT_MEANINGS[m.group(1)]))
            comment = []
    return codes


# --- the man page ---

def escape(s):
    """Text for roff: backslashes, hyphens (as \\- so they copy as ASCII), quotes, non-ASCII characters."""
    s = s.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq").replace('"', "\\(dq")
    s = s.replace("`", "\\(ga")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in s)


def text_line(s):
    """A line of running text: escaped, long options in bold, never taken for a request (a leading . or ')."""
    parts = re.split(r"((?<![\w/.-])--[a-z][\w-]*)", s)
    line = "".join(f"\\fB{escape(p)}\\fR" if i % 2 else escape(p) for i, p in enumerate(parts))
    return "\\&" + line if line.startswith(".") else line


def usage_roff(usage, bold=False):
    """'alfe webhook rotate [options] ID' with <x>, [options] and UPPERCASE placeholders in italics, and
    (bold) the words to type in bold."""
    parts = re.split(r"(<[^>]+>|(?<=\[)options(?=\])|\b[A-Z][A-Z0-9_]*\b)", usage)
    literal = (lambda p: re.sub(r"([\w][\w.-]*)", r"\\fB\1\\fP", escape(p))) if bold else escape
    return "".join(f"\\fI{escape(p.strip('<>'))}\\fP" if i % 2 else literal(p) for i, p in enumerate(parts))


def option_tag(o):
    tag = ", ".join(f"\\fB{escape(n)}\\fR" for n in o.names)
    return tag + (f" \\fI{escape(o.value)}\\fR" if o.value else "")


def man_page(helps, version, date):
    top, program = helps[0], helps[0].usage.split()[0]
    commands = [h for h in helps if not h.commands]
    # Options said the same way by more than half of the commands are described once, under OPTIONS.
    counts = {}
    for o in (o for h in commands for o in h.options):
        counts[o.key()] = counts.get(o.key(), 0) + 1
    shared = sorted((k for k in counts if counts[k] * 2 > len(commands)), key=lambda k: k[0][-1].lstrip("-"))
    everywhere = [k for k in shared if counts[k] == len(commands)]
    out = [f'.TH {program.upper()} 1 "{date}" "{escape(program)} {escape(version)}" "User Commands"',
           ".nh", ".ad l",
           ".SH NAME", f"{escape(program)} \\- {escape(top.paragraphs[0][:1].lower() + top.paragraphs[0][1:].rstrip('.'))}",
           ".SH SYNOPSIS", usage_roff(top.usage, bold=True), ".SH DESCRIPTION"]
    for p in top.paragraphs[1:]:
        out += [text_line(p), ".PP"]
    names = [f"\\fB{escape(name)}\\fR" for name, _ in top.commands]
    names = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    out.append(f"The commands are {names}, each described under COMMANDS with its options.")
    out += [".SH OPTIONS", "These options mean the same in every command that takes them."]
    if everywhere:
        out.append("Every command takes " + " and ".join(option_tag(Option(*k)) for k in everywhere)
                   + "; each command below names the others it takes.")
    for k in shared:
        out += [".TP", option_tag(Option(*k))] + ([text_line(k[2])] if k[2] else [])
    out.append(".SH COMMANDS")
    for h in helps[1:]:
        out += [f'.SS "{usage_roff(h.usage)}"']
        out += [line for p in h.paragraphs for line in (text_line(p), ".PP")][:-1]
        for o in h.options:
            if o.key() not in shared:
                out += [".TP", option_tag(o)] + ([text_line(o.text)] if o.text else [])
        also = [option_tag(o) for o in h.options if o.key() in shared and o.key() not in everywhere]
        if also:
            out += [".PP", f"Also {', '.join(also)} (see OPTIONS)."]
    out += [".SH EXIT STATUS"]
    for code, meaning in exit_codes():
        out += [".TP", f"\\fB{code}\\fR", meaning]
    out += files_section(helps) + [
        ".SH SEE ALSO", f"The README and the guides in \\fI{escape(DOC_DIR)}\\fR.", ""]
    return "\n".join(out)


def files_section(helps):
    """The data directory (an option whose default is under the home) and the files it holds."""
    for o in (o for h in helps for o in h.options):
        if m := re.search(r"\(default: (~/[^)\s]+)\)", o.text):
            d, name = escape(m.group(1)), escape(next(n for n in o.names if n.startswith("--")))
            return [".SH FILES", ".TP", f"\\fI{d}/\\fR",
                    f"The data directory, unless \\fB{name}\\fR names another; created with mode 0700.",
                    ".TP", f"\\fI{d}/alfe.ini\\fR",
                    "Settings: bind address, port, limits, retry schedule, retention, store; never a secret.",
                    ".TP", f"\\fI{d}/alfe.sqlite\\fR",
                    "Agents, webhooks, sealed secrets, deliveries, attempts and refused requests "
                    "(with its \\fI\\-wal\\fR and \\fI\\-shm\\fR files).",
                    ".TP", f"\\fI{d}/alfe.lock\\fR", "Held by the running engine."]
    raise GenerationError("no option's help gives a default under the home directory (the data directory)")


# --- the bash completion ---

def bash_completion(helps):
    program = helps[0].usage.split()[0]
    words = [program, *(w for h in helps for w in h.words), *(n for h in helps for o in h.options for n in o.names)]
    if bad := [w for w in words if not re.fullmatch(r"[\w][\w.-]*|--?[\w][\w.-]*", w)]:
        raise GenerationError(f"names not safe to embed in a shell script: {bad}")
    fn = "_" + re.sub(r"\W", "_", program)

    def path(h):
        return " ".join([program, *h.words])
    groups = [f'        ["{path(h)}"]="{" ".join(n for n, _ in h.commands)}"' for h in helps if h.commands]
    options = [f'        ["{path(h)}"]="{" ".join(n for o in h.options for n in o.names if n.startswith("--"))}"'
               for h in helps if h.options]
    kinds = {"DIR": "dir", "FILE": "file"}
    values = [f'        ["{path(h)} {n}"]={kinds.get(o.value, "other")}'
              for h in helps for o in h.options if o.value for n in o.names]
    return f"""# bash completion for {program}, generated from its --help by packaging/cli/alfe-reference.py: do not edit.

# File (-f) or directory (-d) names for the word at the cursor: bash-completion's _filedir if it is loaded.
{fn}_filenames()
{{
    if declare -F _filedir >/dev/null; then
        if [[ $1 == -d ]]; then _filedir -d; else _filedir; fi
    else
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen "$1" -- "$cur")
    fi
}}

{fn}()
{{
    # shellcheck disable=SC2034 # split: set by _init_completion -s
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        _init_completion -s || return
    else
        words=("${{COMP_WORDS[@]}}") cword=$COMP_CWORD
        cur=${{words[cword]}} prev=${{words[cword - 1]-}}
        # Without bash-completion, "--opt=value" comes as three words: --opt, =, value.
        if [[ $cur == = ]]; then cur=; elif [[ $prev == = ]]; then prev=${{words[cword - 2]-}}; fi
    fi
    # The commands of each group, the long options of each command, and what each option's value is.
    local -A commands=(
{chr(10).join(groups)}
    )
    local -A options=(
{chr(10).join(options)}
    )
    local -A values=(
{chr(10).join(values)}
    )
    # The command the words before the cursor name, skipping options and their values.
    local path={program} i w skip=false
    for ((i = 1; i < cword; i++)); do
        w=${{words[i]}}
        if $skip; then skip=false; continue; fi
        case $w in
            =) skip=true ;;
            -*) [[ -n ${{values["$path $w"]-}} && ${{words[i + 1]-}} != = ]] && skip=true ;;
            *)
                if [[ " ${{commands[$path]-}} " == *" $w "* ]]; then
                    path+=" $w"
                elif [[ -n ${{commands[$path]+set}} ]]; then
                    return 0 # not a command of this group
                fi
                ;;
        esac
    done
    case ${{values["$path $prev"]-}} in
        dir) {fn}_filenames -d; return 0 ;;
        file) {fn}_filenames -f; return 0 ;;
        ?*) return 0 ;; # a value we cannot guess
    esac
    if [[ -n ${{commands[$path]+set}} ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${{commands[$path]}}" -- "$cur")
    elif [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${{options[$path]-}}" -- "$cur")
    fi
}} &&
    complete -F {fn} {program}
"""


def build_date(given):
    if given:
        return datetime.date.fromisoformat(given).isoformat()
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date().isoformat()
    return datetime.date.today().isoformat()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alfe", required=True, help="the alfe binary")
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--man", action="store_true", help="print the man page alfe(1)")
    kind.add_argument("--bash", action="store_true", help="print the bash completion")
    parser.add_argument("--version", help="for the man page's header (default: from `alfe --version`)")
    parser.add_argument("--date", help="YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today)")
    parser.add_argument("-o", "--output", help="write here instead of stdout; gzip -9n if it ends in .gz")
    args = parser.parse_args()
    try:
        helps = walk(args.alfe)
        if args.man:
            version = args.version or subprocess.run([args.alfe, "--version"], capture_output=True, text=True,
                                                     check=True).stdout.split()[-1]
            text = man_page(helps, version, build_date(args.date))
        else:
            text = bash_completion(helps)
    except (GenerationError, OSError, ValueError, subprocess.CalledProcessError) as e:
        sys.exit(f"alfe-reference.py: {e}")
    if not args.output:
        sys.stdout.write(text)
    elif args.output.endswith(".gz"):
        with open(args.output, "wb") as f, gzip.GzipFile("", "wb", 9, f, mtime=0) as z:
            z.write(text.encode())
    else:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
