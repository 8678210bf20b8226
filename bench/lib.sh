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
