# Shared by the benchmark scripts: a temporary directory cleaned up on exit, background servers, wrk runs,
# ratios, and the signed 1 KiB body. Source it after setting BUILD.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ALFE="$BUILD/app/alfe"
TMP="$(mktemp -d)"
# Every server start() began has its pid in $TMP/NAME.pid (start runs in a command substitution, so a
# variable set there would not reach this shell).
cleanup() {
    local file
    for file in "$TMP"/*.pid; do
        [ -e "$file" ] && kill "$(cat "$file")" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    # A private PostgreSQL server pg_start began (its directory is outside $TMP: see pg_start).
    for file in "$TMP"/*.pgdir; do
        [ -e "$file" ] && pg_stop "$(cat "$file")"
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# start NAME COMMAND...: runs it in the background and prints the port its "listening …" line names; the
# process id is in $TMP/NAME.pid.
start() {
    local name="$1" log="$TMP/$1.log"
    shift
    "$@" >"$log" 2>&1 &
    echo $! >"$TMP/$name.pid"
    for _ in $(seq 100); do
        if grep -q 'listening' "$log"; then
            sed -n 's/.*listening \(on http:\/\/127\.0\.0\.1:\)\{0,1\}\([0-9]*\).*/\2/p' "$log" | head -1
            return 0
        fi
        sleep 0.1
    done
    echo "bench: $name did not start: $(cat "$log")" >&2
    exit 1
}

# stop NAME: SIGTERM to what start NAME began, and wait for it.
stop() {
    local pid
    pid="$(cat "$TMP/$1.pid")"
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$TMP/$1.pid"
}

# wrk_run NAME PORT PATH SECONDS: wrk -t2 -c32 against it; prints "req/s p50 p99 requests".
wrk_run() {
    local port="$2" path="$3" seconds="$4" out
    export ALFE_BENCH_PATH="$path"
    out="$(wrk -t2 -c32 -d"${seconds}s" --latency -s "$HERE/peers/post.lua" "http://127.0.0.1:$port")"
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench: $1 answered non-2xx: $(echo "$out" | grep Non-2xx)" >&2
        exit 1
    fi
    printf '%s %s %s %s\n' "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
        "$(echo "$out" | awk '$1 == "50%" {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')" \
        "$(echo "$out" | awk '/requests in/ {print $1}')"
}

# run NAME PORT PATH: a 2 s warm-up, then wrk for $SECONDS_PER_RUN; prints "req/s p50 p99 requests".
run() {
    wrk_run "$1" "$2" "$3" 2 >/dev/null
    wrk_run "$1" "$2" "$3" "$SECONDS_PER_RUN"
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}x' if b else '-')" "$1" "$2"; }

# The signed 1 KiB body.
python3 -c 'import json; pad = 1024 - len(json.dumps({"type": "bench.event", "pad": ""})); print(json.dumps({"type": "bench.event", "pad": "x" * pad}), end="")' >"$TMP/body.json"
export ALFE_BENCH_BODY="$TMP/body.json"
sign() { echo "sha256=$(openssl dgst -sha256 -hmac "$1" <"$TMP/body.json" | sed 's/.* //')"; }

# alfe_setup DIR: a data directory with dedup off, an agent without forward URL and a webhook; sets
# ALFE_OPTS, AGENT, WEBHOOK, WEBHOOK_SECRET.
alfe_setup() {
    ALFE_OPTS=(--data-dir "$1" --key-file "$1.key")
    mkdir -p "$1"
    printf '[ingress]\ndedupWindowSeconds=0\n' >"$1/alfe.ini"
    AGENT="$("$ALFE" agent add bench-agent "${ALFE_OPTS[@]}" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
    local created
    created="$("$ALFE" webhook create --agent "$AGENT" "${ALFE_OPTS[@]}" --json)"
    WEBHOOK="$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
    WEBHOOK_SECRET="$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
}

# agent_count PORT: how many deliveries bench/peers/agent.mjs on PORT has received.
agent_count() { curl -s "http://127.0.0.1:$1/count"; }

# wrk_run_with THREADS CONNECTIONS NAME PORT PATH SECONDS [SCRIPT]: wrk_run with other -t/-c (and another wrk
# script than peers/post.lua); prints wrk's whole output. wrk_summary turns such outputs into one line.
wrk_run_with() {
    local out
    out="$(ALFE_BENCH_PATH="$5" wrk -t"$1" -c"$2" -d"${6}s" --latency -s "${7:-$HERE/peers/post.lua}" "http://127.0.0.1:$4")"
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench: $3 answered non-2xx: $(echo "$out" | grep Non-2xx)" >&2
        return 1
    fi
    echo "$out"
}

# wrk_summary FILE...: wrk outputs of runs made at the same time, one line: "req/s (sum) p50 p99 requests (sum)",
# p50 and p99 in ms, the worst of the runs.
wrk_summary() {
    python3 - "$@" <<'PY'
import re, sys
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
def ms(text):
    value, suffix = re.fullmatch(r"([0-9.]+)([a-z]+)", text).groups()
    return float(value) * unit[suffix]
rps = requests = 0.0
p50 = p99 = 0.0
for path in sys.argv[1:]:
    for line in open(path):
        f = line.split()
        if line.startswith("Requests/sec:"):
            rps += float(f[1])
        elif "requests in" in line:
            requests += int(f[0])
        elif f[:1] == ["50%"]:
            p50 = max(p50, ms(f[1]))
        elif f[:1] == ["99%"]:
            p99 = max(p99, ms(f[1]))
print(f"{rps:.0f} {p50:.2f}ms {p99:.2f}ms {requests:.0f}")
PY
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# as_postgres COMMAND...: runs it as the `postgres` user when this shell is root (PostgreSQL refuses to run as
# root), else as this user.
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_bindir: where initdb, pg_ctl and psql are (PostgreSQL 15, Debian's postgresql-15).
pg_bindir() {
    local dir
    dir="$(pg_config --bindir 2>/dev/null || true)"
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || dir=/usr/lib/postgresql/15/bin
    echo "$dir"
}

# pg_start: a private PostgreSQL server for this run; prints its port. initdb into a new directory under /tmp
# (not $TMP: the `postgres` user must reach it), trust authentication for the user postgres, a private socket
# directory (-k), TCP on 127.0.0.1 only, a free port. Durability settings are PostgreSQL's defaults (fsync,
# synchronous_commit and full_page_writes on): a commit waits for its WAL flush, as SQLite's waits for its
# fdatasync. The cleanup trap stops it and removes the directory.
pg_start() {
    local bin dir port
    bin="$(pg_bindir)"
    if [ ! -x "$bin/initdb" ]; then
        echo "bench: PostgreSQL 15 is not installed (no $bin/initdb): install the Debian package postgresql-15" >&2
        exit 1
    fi
    dir="$(mktemp -d /tmp/alfe-bench-pg-XXXXXX)"
    echo "$dir" >"$TMP/postgres.pgdir"
    mkdir -m 700 "$dir/socket"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    if ! as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        echo "bench: initdb failed: $(cat "$dir/initdb.log")" >&2
        exit 1
    fi
    for _ in 1 2 3 4 5; do
        port="$(free_port)"
        # pg_ctl hands -o to the postmaster through /bin/sh: the socket path is quoted.
        if as_postgres "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -k '$dir/socket' -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null 2>&1; then
            echo "$port"
            return 0
        fi
        grep -q 'could not bind\|already in use\|could not create any TCP/IP' "$dir/server.log" || break
    done
    echo "bench: PostgreSQL did not start: $(tail -20 "$dir/server.log" 2>/dev/null)" >&2
    exit 1
}

# pg_stop DIR: stops the server pg_start began in DIR and removes DIR.
pg_stop() {
    local bin
    bin="$(pg_bindir)"
    if [ -f "$1/data/postmaster.pid" ]; then
        as_postgres "$bin/pg_ctl" stop -D "$1/data" -m fast -w -t 30 >/dev/null 2>&1 ||
            as_postgres "$bin/pg_ctl" stop -D "$1/data" -m immediate -w -t 30 >/dev/null 2>&1 || true
    fi
    case "$1" in /tmp/alfe-bench-pg-*) rm -rf "$1" ;; esac
}

# pg_sql PORT DATABASE STATEMENT: runs it through psql as postgres over TCP; prints the rows unaligned.
pg_sql() { "$(pg_bindir)/psql" -X -q -t -A -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$1/$2" -c "$3"; }

# cpu_ticks PID...: the CPU time (user + system, clock ticks) these processes have used so far, all threads.
cpu_ticks() {
    local pid total=0
    for pid in "$@"; do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
    done
    echo "$total"
}
