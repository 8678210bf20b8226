#!/usr/bin/env bash
# The delivery pipeline benchmark (SPEC §10), Alfe beside the Node.js relay peer (bench/peers/relay.mjs:
# receiver.mjs plus forwarding over a 16-socket keep-alive agent and one durable UPDATE per result), both
# forwarding to the same local agent (bench/peers/agent.mjs, 204 at once), in the same run:
#   1. draining a backlog of DRAIN deliveries (default 100,000) to the agent;
#   2. end to end under wrk -c32: deliveries that reached the agent per second while posting;
#   3. post → agent latency, p50 / p99, at 500 deliveries/s.
# Usage: bench/pipeline.sh BUILD_DIR [SECONDS]   (./dev bench runs it)
set -euo pipefail

BUILD="$1"
SECONDS_PER_RUN="${2:-10}"
DRAIN="${ALFE_BENCH_DRAIN:-100000}"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# wait_count N [LIMIT_S]: "seconds received" once the agent has received N deliveries in all, or after
# LIMIT_S seconds (default: no limit) with what it had by then.
wait_count() {
    local start now have limit="${2:-0}"
    start="$(date +%s.%N)"
    while :; do
        have="$(agent_count "$agent_port")"
        [ "$have" -ge "$1" ] && break
        if [ "$limit" -gt 0 ] && python3 -c "import sys,time; sys.exit(0 if time.time() - float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$start" "$limit"; then
            break
        fi
        sleep 0.02
    done
    now="$(date +%s.%N)"
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}', sys.argv[3])" "$start" "$now" "$have"
}

# percentiles PACE_FILE AGENT_FILE: "p50 p99" in ms from acknowledgement (2xx) to the agent receiving it.
percentiles() {
    python3 - "$1" "$2" <<'PY'
import sys
acked = {}
for line in open(sys.argv[1]):
    if line.strip():
        sent, ack, ident = line.split()
        acked[ident] = float(ack)
lat = sorted(float(at) - acked[ident] for at, ident in (l.split() for l in open(sys.argv[2]) if l.strip()) if ident in acked)
if not lat:
    print("- -"); sys.exit()
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"{pick(0.50):.2f}ms {pick(0.99):.2f}ms")
PY
}

# --- The Node relay peer ---------------------------------------------------------------------------------
agent_port="$(LATENCY_FILE="$TMP/arrivals-node.txt" start agent node "$HERE/peers/agent.mjs" 0)"
agent_url="http://127.0.0.1:$agent_port/hook"
NODE_SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
export ALFE_BENCH_SIGNATURE="$(sign "$NODE_SECRET")"
FILL="$DRAIN" FILL_BODY="$TMP/body.json" node "$HERE/peers/relay.mjs" 0 "$TMP/relay.sqlite" "$NODE_SECRET" \
    >"$TMP/fill.log" 2>&1 &
fill_pid=$!
echo "$fill_pid" >"$TMP/fill.pid"
until grep -q listening "$TMP/fill.log"; do sleep 0.1; done
kill "$fill_pid"
wait "$fill_pid" 2>/dev/null || true
base="$(agent_count "$agent_port")"
port="$(start relay node "$HERE/peers/relay.mjs" 0 "$TMP/relay.sqlite" "$NODE_SECRET" "$agent_url")"
# The relay drains at a few hundred a second: its rate is taken over at most 30 s.
read -r node_drain_s node_drained < <(wait_count $((base + DRAIN)) 30)
node_drained=$((node_drained - base))
# The rest of its backlog is dropped so that the next rows measure the relay, not its backlog.
stop relay
sqlite3_clear() { node -e "const D=require(process.argv[1]); const db=new D(process.argv[2]); db.prepare(\"UPDATE deliveries SET status='delivered' WHERE status='queued'\").run();" "$HERE/peers/node_modules/better-sqlite3" "$1"; }
sqlite3_clear "$TMP/relay.sqlite"
port="$(start relay node "$HERE/peers/relay.mjs" 0 "$TMP/relay.sqlite" "$NODE_SECRET" "$agent_url")"
base="$(agent_count "$agent_port")"
read -r node_rps _ _ node_posted < <(wrk_run relay "$port" /v1/hooks/whk_bench "$SECONDS_PER_RUN")
node_relayed=$(($(agent_count "$agent_port") - base))
wait_count $((base + node_posted)) 60 >/dev/null
node "$HERE/peers/pace.mjs" "http://127.0.0.1:$port/v1/hooks/whk_bench" "$TMP/body.json" "$ALFE_BENCH_SIGNATURE" \
    500 "$SECONDS_PER_RUN" "$TMP/pace-node.txt" >/dev/null
sleep 1
stop relay
stop agent
read -r node_p50 node_p99 < <(percentiles "$TMP/pace-node.txt" "$TMP/arrivals-node.txt")

# --- Alfe ------------------------------------------------------------------------------------------------
agent_port="$(LATENCY_FILE="$TMP/arrivals-alfe.txt" start agent2 node "$HERE/peers/agent.mjs" 0)"
agent_url="http://127.0.0.1:$agent_port/hook"
alfe_setup "$TMP/data"
export ALFE_BENCH_SIGNATURE="$(sign "$WEBHOOK_SECRET")"
port="$(start alfe "$ALFE" serve "${ALFE_OPTS[@]}" --port 0 --rate-limit 0)"
# The backlog, posted through the ingress while the agent has no forward URL.
stored=0
while [ "$stored" -lt "$DRAIN" ]; do
    read -r _ _ _ n < <(wrk_run alfe-fill "$port" "/v1/hooks/$WEBHOOK" 5)
    stored=$((stored + n))
done
base="$(agent_count "$agent_port")"
"$ALFE" agent set "$AGENT" --forward-to "$agent_url" "${ALFE_OPTS[@]}" >/dev/null
read -r alfe_drain_s _ < <(wait_count $((base + stored)))
base="$(agent_count "$agent_port")"
read -r alfe_rps _ _ alfe_posted < <(wrk_run alfe "$port" "/v1/hooks/$WEBHOOK" "$SECONDS_PER_RUN")
alfe_relayed=$(($(agent_count "$agent_port") - base))
wait_count $((base + alfe_posted)) >/dev/null
node "$HERE/peers/pace.mjs" "http://127.0.0.1:$port/v1/hooks/$WEBHOOK" "$TMP/body.json" "$ALFE_BENCH_SIGNATURE" \
    500 "$SECONDS_PER_RUN" "$TMP/pace-alfe.txt" >/dev/null
sleep 1
stop agent2
read -r alfe_p50 alfe_p99 < <(percentiles "$TMP/pace-alfe.txt" "$TMP/arrivals-alfe.txt")

per_s() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.0f}')" "$1" "$2"; }
node_drain_rate="$(per_s "$node_drained" "$node_drain_s")"
alfe_drain_rate="$(per_s "$stored" "$alfe_drain_s")"
node_e2e="$(per_s "$node_relayed" "$SECONDS_PER_RUN")"
alfe_e2e="$(per_s "$alfe_relayed" "$SECONDS_PER_RUN")"

echo
echo "Delivery pipeline, 1 KiB bodies, local agent answering 204, Alfe beside the Node relay peer ($(nproc) cores)"
echo
printf '| %-52s | %14s | %14s | %7s | %-22s |\n' "what" "Alfe" "Node relay" "ratio" "target"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "----------------" "----------------" "---------" "------------------------"
printf '| %-52s | %14s | %14s | %7s | %-22s |\n' "drain a backlog of $stored (deliveries/s)" "$alfe_drain_rate" "$node_drain_rate" "$(ratio "$alfe_drain_rate" "$node_drain_rate")" ">= 5,000/s"
printf '| %-52s | %14s | %14s | %7s | %-22s |\n' "end to end under wrk -c32 (reached the agent /s)" "$alfe_e2e" "$node_e2e" "$(ratio "$alfe_e2e" "$node_e2e")" ">= 3x Node"
printf '| %-52s | %14s | %14s | %7s | %-22s |\n' "  ingress during it (req/s)" "$(printf '%.0f' "$alfe_rps")" "$(printf '%.0f' "$node_rps")" "$(ratio "$alfe_rps" "$node_rps")" ""
printf '| %-52s | %14s | %14s | %7s | %-22s |\n' "2xx -> agent at 500/s, p50" "$alfe_p50" "$node_p50" "" "< 3 ms"
printf '| %-52s | %14s | %14s | %7s | %-22s |\n' "2xx -> agent at 500/s, p99" "$alfe_p99" "$node_p99" "" "< 15 ms"
echo
echo "Drain: from the forward URL being set (Alfe) or the relay starting (Node) until the agent had them all."
