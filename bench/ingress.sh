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
RESPOND_ONLY="$BUILD/bench/respond_only"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Baseline 1: respond-only QHttpServer.
port="$(start respond_only "$RESPOND_ONLY" 0)"
SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
export ALFE_BENCH_SIGNATURE="$(sign "$SECRET")"
read -r ro_rps ro_p50 ro_p99 _ < <(run respond-only "$port" /v1/hooks/whk_bench)

# Baseline 2: the Node.js receiver.
port="$(start node node "$HERE/peers/receiver.mjs" 0 "$TMP/node.sqlite" "$SECRET")"
read -r node_rps node_p50 node_p99 _ < <(run node "$port" /v1/hooks/whk_bench)

# Alfe: its own secret, signed the same way.
alfe_setup "$TMP/data"
opts=("${ALFE_OPTS[@]}")
agent="$AGENT"
webhook="$WEBHOOK"
export ALFE_BENCH_SIGNATURE="$(sign "$WEBHOOK_SECRET")"
port="$(start alfe "$ALFE" serve "${opts[@]}" --port 0 --rate-limit 0)"
read -r alfe_rps alfe_p50 alfe_p99 _ < <(run alfe "$port" "/v1/hooks/$webhook")
stored="$("$ALFE" deliveries list --limit 1 --json "${opts[@]}" >/dev/null && echo ok)"

# Alfe with its agent online, forwarding to a local keep-alive receiver that answers 204 at once.
agent_port="$(start agent node "$HERE/peers/agent.mjs" 0)"
"$ALFE" agent set "$agent" --forward-to "http://127.0.0.1:$agent_port/hook" "${opts[@]}" >/dev/null
# The agent receives what the first run stored before this run starts: this row is the ingress with an
# agent online and keeping up, not the ingress competing with a backlog's drain.
backlog_of() { "$ALFE" agent show "$agent" --json "${opts[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("backlog", 0))'; }
for _ in $(seq 600); do
    [ "$(backlog_of)" -eq 0 ] && break
    sleep 0.2
done
read -r fwd_rps fwd_p50 fwd_p99 _ < <(run alfe-forwarding "$port" "/v1/hooks/$webhook")
sleep 1
backlog="$(backlog_of)"

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
