#!/usr/bin/env bash
# The ingress benchmark, every figure beside baselines measured in the same run on the same machine:
#   Alfe's POST /v1/hooks/<id> (HMAC verify + durable group commit; agent without a forward URL, then the
#   same with the agent online and forwarding to a local keep-alive receiver), a respond-only QHttpServer
#   (the ceiling: no verify, no disk), and a Node.js receiver doing Alfe's job with stock parts
#   (bench/peers/receiver.mjs: node:http, node:crypto, better-sqlite3 with WAL and synchronous=FULL).
# 1 KiB signed JSON bodies, keep-alive, wrk -t2 -c32. Every post is stored (Alfe's dedup window is set to
# 0 and its rate limit off, so both do the same work).
# Usage: bench/ingress.sh BUILD_DIR [SECONDS]   (./dev bench runs it)
set -euo pipefail

BUILD="$1"
SECONDS_PER_RUN="${2:-10}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ALFE="$BUILD/app/alfe"
RESPOND_ONLY="$BUILD/bench/respond_only"
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

# start NAME COMMAND...: runs it in the background and prints the port its "listening …" line names.
start() {
    local name="$1" log="$TMP/$1.log"
    shift
    "$@" >"$log" 2>&1 &
    PIDS+=($!)
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

# run NAME PORT PATH: wrk against it; prints "req/s p50 p99" (after a 2 s warm-up run).
run() {
    local port="$2" path="$3" out
    export ALFE_BENCH_PATH="$path"
    wrk -t2 -c32 -d2s -s "$HERE/peers/post.lua" "http://127.0.0.1:$port" >/dev/null
    out="$(wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" --latency -s "$HERE/peers/post.lua" "http://127.0.0.1:$port")"
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench: $1 answered non-2xx: $(echo "$out" | grep Non-2xx)" >&2
        exit 1
    fi
    printf '%s %s %s\n' "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
        "$(echo "$out" | awk '$1 == "50%" {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')"
}

# The signed 1 KiB body.
SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
python3 -c 'import json; pad = 1024 - len(json.dumps({"type": "bench.event", "pad": ""})); print(json.dumps({"type": "bench.event", "pad": "x" * pad}), end="")' >"$TMP/body.json"
export ALFE_BENCH_BODY="$TMP/body.json"

# Baseline 1: respond-only QHttpServer.
port="$(start respond_only "$RESPOND_ONLY" 0)"
export ALFE_BENCH_SIGNATURE="sha256=$(openssl dgst -sha256 -hmac "$SECRET" <"$TMP/body.json" | sed 's/.* //')"
read -r ro_rps ro_p50 ro_p99 < <(run respond-only "$port" /v1/hooks/whk_bench)

# Baseline 2: the Node.js receiver.
port="$(start node node "$HERE/peers/receiver.mjs" 0 "$TMP/node.sqlite" "$SECRET")"
read -r node_rps node_p50 node_p99 < <(run node "$port" /v1/hooks/whk_bench)

# Alfe: its own secret, signed the same way.
opts=(--data-dir "$TMP/data" --key-file "$TMP/master.key")
mkdir -p "$TMP/data"
printf '[ingress]\ndedupWindowSeconds=0\n' >"$TMP/data/alfe.ini"
agent="$("$ALFE" agent add bench-agent "${opts[@]}" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
created="$("$ALFE" webhook create --agent "$agent" "${opts[@]}" --json)"
webhook="$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
secret="$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
export ALFE_BENCH_SIGNATURE="sha256=$(openssl dgst -sha256 -hmac "$secret" <"$TMP/body.json" | sed 's/.* //')"
port="$(start alfe "$ALFE" serve "${opts[@]}" --port 0 --rate-limit 0)"
read -r alfe_rps alfe_p50 alfe_p99 < <(run alfe "$port" "/v1/hooks/$webhook")
stored="$("$ALFE" deliveries list --limit 1 --json "${opts[@]}" >/dev/null && echo ok)"

# Alfe with its agent online, forwarding to a local keep-alive receiver that answers 204 at once.
agent_port="$(start agent node "$HERE/peers/agent.mjs" 0)"
"$ALFE" agent set "$agent" --forward-to "http://127.0.0.1:$agent_port/hook" "${opts[@]}" >/dev/null
read -r fwd_rps fwd_p50 fwd_p99 < <(run alfe-forwarding "$port" "/v1/hooks/$webhook")
backlog="$("$ALFE" agent show "$agent" --json "${opts[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("backlog", "?"))')"

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}x' if b else '-')" "$1" "$2"; }
echo
echo "Ingress, 1 KiB signed bodies, keep-alive, wrk -t2 -c32, ${SECONDS_PER_RUN} s each ($(nproc) cores)"
echo
printf '| %-58s | %9s | %8s | %8s | %11s | %11s |\n' "server" "req/s" "p50" "p99" "vs respond" "vs Node"
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "-----------" "----------" "----------" "-------------" "-------------"
row() { printf '| %-58s | %9.0f | %8s | %8s | %11s | %11s |\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$ro_rps")" "$(ratio "$2" "$node_rps")"; }
row "respond-only QHttpServer (ceiling)" "$ro_rps" "$ro_p50" "$ro_p99"
row "Node.js receiver (http + crypto + better-sqlite3, FULL)" "$node_rps" "$node_p50" "$node_p99"
row "Alfe ingress, agent without forward URL" "$alfe_rps" "$alfe_p50" "$alfe_p99"
row "Alfe ingress, agent online, forwarding" "$fwd_rps" "$fwd_p50" "$fwd_p99"
echo
echo "Targets: Alfe >= 0.60x respond-only and >= 3x Node. Deliveries still waiting for the agent after the"
echo "forwarding run: $backlog (forwarding keeps up when this is near 0)."
[ "$stored" = ok ] || exit 1
