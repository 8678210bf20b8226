#!/bin/bash
# cli_completion: the generated bash completion of alfe completes commands, subcommands, options and file
# names, with plain bash and, when it is installed, with bash-completion (_init_completion, _filedir).
#
#   bash --norc check_completion.sh COMPLETION_FILE [--with-bash-completion]
set -u
self=$(realpath "$0") completion=$(realpath "$1")
mode=${2:-plain}
failures=0

if [[ $mode == --with-bash-completion ]]; then
    # shellcheck disable=SC1091
    source /usr/share/bash-completion/bash_completion || exit 1
    declare -F _init_completion >/dev/null || { echo "FAIL: no _init_completion in bash-completion"; exit 1; }
fi
# shellcheck disable=SC1090
source "$completion" || exit 1
[[ $(complete -p alfe 2>/dev/null) == "complete -F _alfe alfe" ]] || { echo "FAIL: no 'complete -F _alfe alfe'"; exit 1; }

# candidates WORD… : runs _alfe on the words WORD… (as bash splits the line; the line is "WORD…", or $LINE)
# with the cursor at the end (the last word, possibly empty, is completed) and prints the candidates, sorted.
candidates() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE=${LINE:-"$*"}
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _alfe alfe "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
    ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect "EXPECTED CANDIDATES" WORD… : the candidates, space-separated, are exactly these.
expect() {
    local expected=$1 got
    shift
    got=$(candidates "$@" | paste -sd ' ')
    if [[ $got != "$expected" ]]; then
        echo "FAIL ($mode): 'alfe ${*:2}<TAB>' gave '$got', expected '$expected'"
        failures=$((failures + 1))
    fi
}

expect "webhook" alfe we
expect "rotate" alfe webhook ro
expect "--grace" alfe webhook rotate --gr
expect "token" alfe admin to
expect "create" alfe admin token cr
expect "--data-dir --database" alfe webhook rotate --data-dir /x --da
expect "" alfe nosuch ""
expect "" alfe webhook nosuch ""
expect "" alfe webhook rotate --grace ""
expect "" alfe webhook rotate ""

# File and directory names, in a directory of our own.
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/abc" && touch "$work/abfile"
cd "$work" || exit 1
expect "abc" alfe serve --data-dir ""
expect "abc" alfe serve --data-dir a
expect "abc abfile" alfe listen --ca-file ab
# --option=value: bash splits the line "… --data-dir=a" into the words --data-dir, =, a.
LINE="alfe serve --data-dir=a" expect "abc" alfe serve --data-dir = a
LINE="alfe serve --data-dir=" expect "abc" alfe serve --data-dir =
LINE="alfe webhook rotate --grace=1h --js" expect "--json" alfe webhook rotate --grace = 1h --js
expect "--json" alfe webhook rotate --data-dir abc --js

status=0
if ((failures)); then
    echo "$failures failures ($mode)"
    status=1
else
    echo "completion ($mode): all passed"
fi
if [[ $mode == plain ]]; then
    if [[ -r /usr/share/bash-completion/bash_completion ]]; then
        (cd / && bash --norc "$self" "$completion" --with-bash-completion) || status=1
    else
        echo "bash-completion is not installed: checked without it only"
    fi
fi
exit $status
