#!/usr/bin/env bash
# The agent stream benchmark (SPEC §10 "commit → agent, p50 / p99, 500 deliveries/s (push and stream)", §12),
# issue 12: one `alfe serve` with two agents, posted to by bench/peers/pace.mjs at RATE/s (default 500) with the
# same signed 1 KiB body, in the same run:
#   - baseline: the agent with a forward URL, Alfe forwarding over HTTP to bench/peers/agent.mjs (204 at once);
#   - the stream: the agent without a forward URL, connected to GET /v1/agents/me/stream by
#     bench/peers/stream-agent.mjs (the npm `ws` client, acks each delivery as soon as its frame arrived).
# Each path gets a 1 s warm-up at the same rate (not counted), then SECONDS of pacing; latency is from the 2xx
# reaching the sender to the delivery reaching the agent, both clocks on this machine. Every acknowledged post
# must reach its agent: the script says how many did, and how many of the stream's deliveries the store still
# holds as not delivered (the acks settled them all, or not).
# Usage: bench/stream.sh BUILD_DIR [SECONDS] [RATE]   (./dev bench runs it with the default rate)
#   ALFE_BENCH_PERF=FILE  also `perf record -e cpu-clock -g` alfe serve during the stream's paced run, into FILE
set -euo pipefail

BUILD="$1"
SECONDS_PER_RUN="${2:-10}"
RATE="${3:-500}"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$HERE/peers/node_modules/ws/package.json" ] ||
    (cd "$HERE/peers" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)

# wait_count PORT N [LIMIT_S]: until the agent on PORT (agent.mjs or stream-agent.mjs, GET /count) has received
# N deliveries in all, or LIMIT_S seconds have passed.
wait_count() {
    local deadline=$((SECONDS + ${3:-30}))
    while [ "$(agent_count "$1")" -lt "$2" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.02; done
}

# latency PACE_FILE AGENT_FILE: over the deliveries pace.mjs saw acknowledged, in ms,
#   "p50 p99 max posted reached post_p50 post_p99 ack_p50 ack_p99 twice"
# p50 p99 max: from the 2xx (pace.mjs's second column) to the agent receiving it (the agent's first column), the
# §10 row; post_*: from the post leaving (first column) to the agent receiving it, which holds the ingress too and
# is never negative; ack_*: from the post leaving to its 2xx (the ingress's own latency, for context); twice: how
# many of them reached the agent more than once (the first arrival counts for the latency).
latency() {
    python3 - "$1" "$2" <<'PY'
import sys
posts = {}
for line in open(sys.argv[1]):
    if line.strip():
        sent, ack, ident = line.split()
        posts[ident] = (float(sent), float(ack))
arrived = {}
repeated = set()
for line in open(sys.argv[2]):
    if line.strip():
        at, ident = line.split()
        if ident in arrived:
            repeated.add(ident)
        arrived.setdefault(ident, float(at))
def pick(values, q):
    values = sorted(values)
    return f"{values[min(len(values) - 1, int(q * len(values)))]:.2f}" if values else "-"
reached = [i for i in posts if i in arrived]
commit = [arrived[i] - posts[i][1] for i in reached]
post = [arrived[i] - posts[i][0] for i in reached]
ack = [a - s for s, a in posts.values()]
print(pick(commit, 0.5), pick(commit, 0.99), pick(commit, 1.0), len(posts), len(reached),
      pick(post, 0.5), pick(post, 0.99), pick(ack, 0.5), pick(ack, 0.99), len(repeated & posts.keys()))
PY
}

# pace NAME WEBHOOK SIGNATURE AGENT_PORT SECONDS OUTFILE: posts at RATE/s for SECONDS, then waits (at most 30 s)
# until the agent has them all; prints pace.mjs's line.
pace() {
    local base out posted
    base="$(agent_count "$4")"
    out="$(node "$HERE/peers/pace.mjs" "http://127.0.0.1:$port/v1/hooks/$2" "$TMP/body.json" "$3" "$RATE" "$5" "$6")"
    posted="$(grep -c . "$6" || true)"
    wait_count "$4" $((base + posted)) 30
    echo "$1: $out"
}

# --- One server, two agents: one forwarded to agent.mjs, one on the stream -------------------------------------
agent_port="$(LATENCY_FILE="$TMP/arrivals-forward.txt" start agent node "$HERE/peers/agent.mjs" 0)"
ALFE_OPTS=(--data-dir "$TMP/data" --key-file "$TMP/data.key")
mkdir -p "$TMP/data"
printf '[ingress]\ndedupWindowSeconds=0\n' >"$TMP/data/alfe.ini"
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
forward_agent="$("$ALFE" agent add forward-agent --forward-to "http://127.0.0.1:$agent_port/hook" "${ALFE_OPTS[@]}" --json |
    json_field id)"
created="$("$ALFE" webhook create --agent "$forward_agent" "${ALFE_OPTS[@]}" --json)"
forward_webhook="$(echo "$created" | json_field id)"
forward_signature="$(sign "$(echo "$created" | json_field secret)")"
created="$("$ALFE" agent add stream-agent "${ALFE_OPTS[@]}" --json)"
stream_agent="$(echo "$created" | json_field id)"
stream_token="$(echo "$created" | json_field token)"
created="$("$ALFE" webhook create --agent "$stream_agent" "${ALFE_OPTS[@]}" --json)"
stream_webhook="$(echo "$created" | json_field id)"
stream_signature="$(sign "$(echo "$created" | json_field secret)")"

port="$(start alfe "$ALFE" serve "${ALFE_OPTS[@]}" --port 0 --rate-limit 0)"
stream_port="$(STREAM_TOKEN="$stream_token" LATENCY_FILE="$TMP/arrivals-stream.txt" \
    start stream-agent node "$HERE/peers/stream-agent.mjs" "ws://127.0.0.1:$port/v1/agents/me/stream" 0)"

# Warm-up: the forward connection opened, the stream's first frames, SQLite's pages; not counted.
pace warm-up "$forward_webhook" "$forward_signature" "$agent_port" 1 "$TMP/warm-forward.txt" >/dev/null
pace warm-up "$stream_webhook" "$stream_signature" "$stream_port" 1 "$TMP/warm-stream.txt" >/dev/null

forward_pace="$(pace forward "$forward_webhook" "$forward_signature" "$agent_port" "$SECONDS_PER_RUN" "$TMP/pace-forward.txt")"
if [ -n "${ALFE_BENCH_PERF:-}" ]; then
    perf record -q -e cpu-clock -g -o "$ALFE_BENCH_PERF" -p "$(cat "$TMP/alfe.pid")" >"$TMP/perf.log" 2>&1 &
    perf_pid=$!
    sleep 0.5
fi
stream_pace="$(pace stream "$stream_webhook" "$stream_signature" "$stream_port" "$SECONDS_PER_RUN" "$TMP/pace-stream.txt")"
if [ -n "${ALFE_BENCH_PERF:-}" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
fi
# What the store still holds as not delivered for the stream's webhook (its acks settle them; the last acks
# are recorded with the writer's next batch).
sleep 1
unsettled=0
for status in queued delivering retrying failed; do
    n="$("$ALFE" deliveries list --webhook "$stream_webhook" --status "$status" --limit 500 "${ALFE_OPTS[@]}" --json |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
    unsettled=$((unsettled + n))
done
stop stream-agent
stop agent
stream_summary="$(tail -1 "$TMP/stream-agent.log")"

read -r fwd_p50 fwd_p99 fwd_max fwd_posted fwd_reached fwd_post50 fwd_post99 fwd_ack50 fwd_ack99 fwd_twice < <(latency "$TMP/pace-forward.txt" "$TMP/arrivals-forward.txt")
read -r str_p50 str_p99 str_max str_posted str_reached str_post50 str_post99 str_ack50 str_ack99 str_twice < <(latency "$TMP/pace-stream.txt" "$TMP/arrivals-stream.txt")
ms() { [ "$1" = "-" ] && echo "-" || echo "$1 ms"; }
# A ratio of latencies only when both are positive (one below zero says the clocks' race, not a speed).
lat_ratio() { python3 -c "import sys; a, b = sys.argv[1:]; print(f'{float(a) / float(b):.2f}x' if '-' not in (a, b) and float(a) > 0 and float(b) > 0 else '-')" "$1" "$2"; }

echo
echo "Agent stream, 1 KiB bodies at $RATE/s for $SECONDS_PER_RUN s, beside Alfe forwarding over HTTP to a local agent answering 204 ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "what" "Alfe stream" "Alfe HTTP push" "ratio" "target"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "----------------" "------------------" "---------" "------------"
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "2xx -> agent over the stream at $RATE/s, p50" "$(ms "$str_p50")" "$(ms "$fwd_p50")" "$(lat_ratio "$str_p50" "$fwd_p50")" "< 3 ms"
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "2xx -> agent over the stream at $RATE/s, p99" "$(ms "$str_p99")" "$(ms "$fwd_p99")" "$(lat_ratio "$str_p99" "$fwd_p99")" "< 15 ms"
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "  max" "$(ms "$str_max")" "$(ms "$fwd_max")" "" ""
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "  post sent -> agent, p50 / p99" "$str_post50 / $str_post99" "$fwd_post50 / $fwd_post99" "" ""
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "  post sent -> 2xx (the ingress), p50 / p99" "$str_ack50 / $str_ack99" "$fwd_ack50 / $fwd_ack99" "" ""
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "reached the agent / acknowledged posts" "$str_reached / $str_posted" "$fwd_reached / $fwd_posted" "" "all"
printf '| %-52s | %14s | %16s | %7s | %-10s |\n' "  of them, reached it twice or more" "$str_twice" "$fwd_twice" "" ""
echo
echo "2xx -> agent is negative when the agent had the delivery before the sender had its 2xx (both follow the commit)."
echo "$forward_pace"
echo "$stream_pace"
echo "stream agent (warm-up included): $stream_summary; not delivered in the store after the run: $unsettled"
warnings="$(grep -c -v -e '^$' -e 'listening on' "$TMP/alfe.log" || true)"
[ "$warnings" = 0 ] || echo "alfe serve logged $warnings lines, the first: $(grep -v -e '^$' -e 'listening on' "$TMP/alfe.log" | head -1)"
status=0
if [ "$str_reached" != "$str_posted" ] || [ "$fwd_reached" != "$fwd_posted" ] || [ "$unsettled" != 0 ]; then
    echo "bench: not every acknowledged delivery reached its agent" >&2
    status=1
fi
exit "$status"
