#!/usr/bin/env bash
# Several nodes on one PostgreSQL (SPEC §14), every figure beside a SQLite single node measured in the same
# run on the same machine:
#   1. ingress: POST /v1/hooks/<id>, 1 KiB signed bodies, keep-alive, 32 wrk connections in all, split evenly
#      over the nodes (one wrk per node, run at the same time; req/s summed, the worst node's p50/p99);
#   2. delivery: AGENTS agents (default 8), each with a webhook, get DELIVERIES deliveries (default 20,000)
#      posted round robin over their webhooks (and the nodes) while they have no forward URL; then every
#      agent's forward URL is set to a local keep-alive receiver (bench/peers/agent.mjs, 204 at once) and the
#      drain is timed until the receiver has them all and the store's backlog is 0.
# For SQLite 1 node and PostgreSQL 1, 2 and 3 nodes. The script starts its own PostgreSQL 15 (pg_start in
# bench/lib.sh: initdb into a temporary directory, as `postgres` when root, a free port on 127.0.0.1 only, a
# private socket directory) with PostgreSQL's default durability: fsync and synchronous_commit stay on, so the
# figures are comparable with SQLite's durable group commit. Each configuration gets a fresh database (and
# fresh data directories: one per node, one shared key file). Dedup window 0 and rate limit off, as in
# bench/ingress.sh. Also reported: CPU seconds of each alfe node and of PostgreSQL per 1,000 requests or
# deliveries, and deliveries the receiver got more than once (by X-Alfe-Delivery-Id).
# On a 2-core machine every node, PostgreSQL, wrk and the receiver share the same two cores: the figures show
# contention, not scaling.
# Usage: bench/cluster.sh BUILD_DIR [SECONDS]   (./dev bench runs it; ALFE_BENCH_CLUSTER_DELIVERIES,
#        ALFE_BENCH_CLUSTER_AGENTS and ALFE_BENCH_CLUSTER_NODES (default 3) change the sizes)
set -euo pipefail

BUILD="$1"
SECONDS_PER_RUN="${2:-10}"
DELIVERIES="${ALFE_BENCH_CLUSTER_DELIVERIES:-20000}"
AGENTS="${ALFE_BENCH_CLUSTER_AGENTS:-8}"
MAX_NODES="${ALFE_BENCH_CLUSTER_NODES:-3}"
CONNECTIONS=32
DRAIN_LIMIT_S=300
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pg_port="$(pg_start)"
pg_dir="$(cat "$TMP/postgres.pgdir")"
postmaster="$(head -1 "$pg_dir/data/postmaster.pid")"
pg_version="$(pg_sql "$pg_port" postgres 'SHOW server_version')"
pg_durability="$(pg_sql "$pg_port" postgres "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method')")"
# PostgreSQL's CPU: the postmaster and its children (backends, WAL writer, checkpointer...).
pg_ticks() {
    local pids
    read -ra pids <<<"$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
    cpu_ticks "${pids[@]}"
}

# configure NAME NODES [DATABASE]: data directories $TMP/NAME/node1.. (dedup off), the key file
# $TMP/NAME.key, a fresh PostgreSQL database NAME when DATABASE is "pg"; sets NODES, DB.
configure() {
    local i
    NODES="$2"
    DB=""
    if [ "${3:-}" = pg ]; then
        pg_sql "$pg_port" postgres "CREATE DATABASE $1" >/dev/null
        DB="postgresql://postgres@127.0.0.1:$pg_port/$1"
    fi
    for i in $(seq "$NODES"); do
        mkdir -p "$TMP/$1/node$i"
        printf '[ingress]\ndedupWindowSeconds=0\n' >"$TMP/$1/node$i/alfe.ini"
    done
    CONFIG="$1"
}
# opts NODE: sets OPTS, the options of the CLI and of serve for node NODE of the current configuration.
opts() {
    OPTS=(--data-dir "$TMP/$CONFIG/node$1" --key-file "$TMP/$CONFIG.key")
    [ -z "$DB" ] || OPTS+=(--database "$DB")
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# add_agents COUNT: COUNT agents without forward URL, a webhook each; sets AGENT_IDS, HOOK_PATHS, HOOK_SIGS.
add_agents() {
    local i created
    AGENT_IDS=() HOOK_PATHS=() HOOK_SIGS=()
    opts 1
    for i in $(seq "$1"); do
        AGENT_IDS+=("$("$ALFE" agent add "bench-agent-$i" "${OPTS[@]}" --json | json_field id)")
        created="$("$ALFE" webhook create --agent "${AGENT_IDS[-1]}" "${OPTS[@]}" --json)"
        HOOK_PATHS+=("/v1/hooks/$(echo "$created" | json_field id)")
        HOOK_SIGS+=("$(sign "$(echo "$created" | json_field secret)")")
    done
}

# start_nodes: alfe serve for every node of the current configuration; sets PORTS and PIDS.
start_nodes() {
    local i
    PORTS=() PIDS=()
    for i in $(seq "$NODES"); do
        opts "$i"
        PORTS+=("$(start "$CONFIG-node$i" "$ALFE" serve "${OPTS[@]}" --port 0 --rate-limit 0)")
        PIDS+=("$(cat "$TMP/$CONFIG-node$i.pid")")
    done
}
stop_nodes() {
    local i
    for i in $(seq "$NODES"); do stop "$CONFIG-node$i"; done
}

# wrk_nodes SECONDS [SCRIPT]: one wrk per node at the same time, $CONNECTIONS connections in all; prints
# wrk_summary's line. ALFE_BENCH_PATH and ALFE_BENCH_SIGNATURE say what peers/post.lua posts.
wrk_nodes() {
    local i threads=1 per=$(((CONNECTIONS + NODES - 1) / NODES)) pids=() files=()
    [ "$NODES" -gt 1 ] || threads=2
    for i in $(seq "$NODES"); do
        files+=("$TMP/wrk-$i.out")
        wrk_run_with "$threads" "$per" "$CONFIG-node$i" "${PORTS[$((i - 1))]}" "$ALFE_BENCH_PATH" "$1" "${2:-}" \
            >"${files[-1]}" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || exit 1; done
    wrk_summary "${files[@]}"
}

# ms_per_k TICKS COUNT: CPU milliseconds per 1,000 requests or deliveries.
ms_per_k() { python3 -c "import os, sys; t = int(sys.argv[1]) / os.sysconf('SC_CLK_TCK'); print(f'{t * 1e6 / max(1, int(sys.argv[2])):.0f}')" "$1" "$2"; }
# node_cpu BEFORE... -- AFTER...: each node's CPU seconds between the two samples, "a / b / c".
node_cpu() {
    python3 - "$@" <<'PY'
import os, sys
args = sys.argv[1:]
cut = args.index("--")
before, after = args[:cut], args[cut + 1:]
print(" / ".join(f"{(int(a) - int(b)) / os.sysconf('SC_CLK_TCK'):.1f}" for b, a in zip(before, after)))
PY
}
per_node_ticks() {
    local pid
    for pid in "${PIDS[@]}"; do cpu_ticks "$pid"; done | tr '\n' ' '
}

# --- Ingress -------------------------------------------------------------------------------------------
# ingress NAME NODES [pg]: prints "req/s p50 p99 requests alfe-ms/1k pg-ms/1k"
ingress() {
    local line alfe_before pg_before requests
    configure "$@"
    add_agents 1
    export ALFE_BENCH_PATH="${HOOK_PATHS[0]}" ALFE_BENCH_SIGNATURE="${HOOK_SIGS[0]}"
    start_nodes
    [ -z "$DB" ] || pg_sql "$pg_port" postgres CHECKPOINT >/dev/null
    wrk_nodes 2 >/dev/null # warm-up
    alfe_before="$(cpu_ticks "${PIDS[@]}")"
    pg_before="$(pg_ticks)"
    line="$(wrk_nodes "$SECONDS_PER_RUN")"
    requests="$(echo "$line" | awk '{print $4}')"
    echo "$line $(ms_per_k $(($(cpu_ticks "${PIDS[@]}") - alfe_before)) "$requests")" \
        "$(if [ -z "$DB" ]; then echo -; else ms_per_k $(($(pg_ticks) - pg_before)) "$requests"; fi)"
    stop_nodes
}

echo "bench: load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
ingress in_sqlite 1 >"$TMP/result"
read -r in_sqlite_rps in_sqlite_p50 in_sqlite_p99 _ in_sqlite_cpu _ <"$TMP/result"
echo "bench: ingress SQLite 1 node: $in_sqlite_rps req/s" >&2
in_rows=()
for n in $(seq "$MAX_NODES"); do
    ingress "in_pg$n" "$n" pg >"$TMP/result"
    read -r rps p50 p99 _ cpu pgcpu <"$TMP/result"
    echo "bench: ingress PostgreSQL $n node(s): $rps req/s" >&2
    in_rows+=("$n $rps $p50 $p99 $cpu $pgcpu")
done

# --- Delivery ------------------------------------------------------------------------------------------
# A wrk script posting round robin over the agents' webhooks, each with its own signature.
fill_script() {
    local i
    {
        echo 'local f = assert(io.open(os.getenv("ALFE_BENCH_BODY"), "rb")); local body = f:read("*a"); f:close()'
        echo 'local targets = {'
        for i in "${!HOOK_PATHS[@]}"; do printf '  {"%s", "%s"},\n' "${HOOK_PATHS[$i]}" "${HOOK_SIGS[$i]}"; done
        echo '}'
        echo 'local n = 0'
        echo 'request = function()'
        echo '  n = n % #targets + 1'
        echo '  return wrk.format("POST", targets[n][1], {["Content-Type"] = "application/json", ["X-Alfe-Signature-256"] = targets[n][2]}, body)'
        echo 'end'
    } >"$TMP/fill.lua"
}
# backlog_sum: deliveries waiting or in flight for the current configuration's agents.
backlog_sum() {
    opts 1
    "$ALFE" agent list --json "${OPTS[@]}" | python3 -c 'import json,sys; print(sum(a.get("backlog", 0) for a in json.load(sys.stdin)))'
}
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# delivery NAME NODES [pg]: prints "queued seconds deliveries/s span-deliveries/s received unique
# node-cpu-seconds alfe-ms/1k pg-ms/1k left"
delivery() {
    local stored=0 n queued receiver_port start_at start_s end_at have left i set_pids=() alfe_before pg_before nodes_before=() nodes_after=()
    configure "$@"
    add_agents "$AGENTS"
    start_nodes
    fill_script
    export ALFE_BENCH_PATH=/ # the fill script names the paths
    while [ "$stored" -lt "$DELIVERIES" ]; do
        n="$(wrk_nodes 1 "$TMP/fill.lua" | awk '{print $4}')"
        stored=$((stored + n))
    done
    queued="$(backlog_sum)"
    receiver_port="$(LATENCY_FILE="$TMP/$CONFIG.arrivals" start "$CONFIG-receiver" node "$HERE/peers/agent.mjs" 0)"
    [ -z "$DB" ] || pg_sql "$pg_port" postgres CHECKPOINT >/dev/null
    alfe_before="$(cpu_ticks "${PIDS[@]}")"
    pg_before="$(pg_ticks)"
    read -ra nodes_before <<<"$(per_node_ticks)"
    start_at="$(now)"
    start_s="$(date +%s)"
    # Every agent's forward URL at once (one CLI process each), through node 1's data directory.
    opts 1
    for i in "${!AGENT_IDS[@]}"; do
        "$ALFE" agent set "${AGENT_IDS[$i]}" --forward-to "http://127.0.0.1:$receiver_port/hook/$i" "${OPTS[@]}" \
            >/dev/null &
        set_pids+=($!)
    done
    for i in "${set_pids[@]}"; do wait "$i"; done
    # Done when the receiver has had as many as were queued and the store's backlog is 0 (a node delivering
    # some twice reaches the count early: the backlog says when the last one went out).
    left="$queued"
    while :; do
        have="$(agent_count "$receiver_port")"
        if [ "$have" -ge "$queued" ]; then
            end_at="$(now)"
            left="$(backlog_sum)"
            [ "$left" -eq 0 ] && break
        fi
        if [ $(($(date +%s) - start_s)) -ge "$DRAIN_LIMIT_S" ]; then
            end_at="$(now)"
            left="$(backlog_sum)"
            echo "bench: $CONFIG: drain stopped after ${DRAIN_LIMIT_S} s, $have received, $left left" >&2
            break
        fi
        sleep 0.05
    done
    local seconds alfe_cpu pg_cpu cpu_split
    seconds="$(elapsed "$start_at" "$end_at")"
    alfe_cpu="$(ms_per_k $(($(cpu_ticks "${PIDS[@]}") - alfe_before)) "$queued")"
    pg_cpu="$(if [ -z "$DB" ]; then echo -; else ms_per_k $(($(pg_ticks) - pg_before)) "$queued"; fi)"
    read -ra nodes_after <<<"$(per_node_ticks)"
    cpu_split="$(node_cpu "${nodes_before[@]}" -- "${nodes_after[@]}" | tr -d ' ')"
    stop "$CONFIG-receiver" # writes the arrivals file
    stop_nodes
    python3 - "$TMP/$CONFIG.arrivals" "$queued" "$seconds" "$cpu_split" "$alfe_cpu" "$pg_cpu" "$left" <<'PY'
import sys
path, queued, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = [l.split() for l in open(path) if l.strip()]
times = sorted(float(r[0]) for r in rows)
unique = len({r[1] for r in rows if len(r) > 1})
span = (times[-1] - times[0]) / 1000 if len(times) > 1 else 0
rate = f"{min(unique, queued) / seconds:.0f}" if seconds > 0 else "-"
span_rate = f"{unique / span:.0f}" if span > 0 else "-"
print(queued, f"{seconds:.2f}", rate, span_rate, len(rows), unique, *sys.argv[4:])
PY
}

delivery dl_sqlite 1 >"$TMP/result"
read -r dl_sqlite_queued dl_sqlite_s dl_sqlite_rate dl_sqlite_span dl_sqlite_got dl_sqlite_unique dl_sqlite_split \
    dl_sqlite_cpu _ dl_sqlite_left <"$TMP/result"
echo "bench: delivery SQLite 1 node: $dl_sqlite_rate deliveries/s" >&2
dl_rows=()
for n in $(seq "$MAX_NODES"); do
    delivery "dl_pg$n" "$n" pg >"$TMP/result"
    read -r queued s rate span got unique split cpu pgcpu left <"$TMP/result"
    echo "bench: delivery PostgreSQL $n node(s): $rate deliveries/s ($got received, $unique distinct)" >&2
    dl_rows+=("$n $queued $s $rate $span $got $unique $split $cpu $pgcpu $left")
done

echo
echo "Ingress on several nodes sharing one PostgreSQL $pg_version ($pg_durability), beside SQLite 1 node"
echo "1 KiB signed bodies, keep-alive, $CONNECTIONS wrk connections in all split over the nodes, ${SECONDS_PER_RUN} s"
echo "($(nproc) cores: figures show contention, not scaling; load before the run was in the log above)"
echo
printf '| %-24s | %9s | %9s | %9s | %11s | %16s | %14s |\n' "store, nodes" "req/s" "p50" "p99" "vs SQLite" "alfe CPU ms/1k" "PG CPU ms/1k"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "--------------------------" "----------:" "----------:" "----------:" "------------:" "-----------------:" "---------------:"
printf '| %-24s | %9s | %9s | %9s | %11s | %16s | %14s |\n' "SQLite, 1 node" "$in_sqlite_rps" "$in_sqlite_p50" "$in_sqlite_p99" "1.00x" "$in_sqlite_cpu" "-"
for row in "${in_rows[@]}"; do
    read -r n rps p50 p99 cpu pgcpu <<<"$row"
    printf '| %-24s | %9s | %9s | %9s | %11s | %16s | %14s |\n' "PostgreSQL, $n node(s)" "$rps" "$p50" "$p99" "$(ratio "$rps" "$in_sqlite_rps")" "$cpu" "$pgcpu"
done
echo
echo "p50/p99: the worst node's. CPU: user + system of the alfe processes (all nodes) and of PostgreSQL (postmaster"
echo "and children) per 1,000 requests."
echo
echo "Delivery drain: $AGENTS agents, ~$DELIVERIES deliveries posted while no agent had a forward URL, then every"
echo "forward URL set to one local keep-alive receiver (204 at once); timed until it had them all and the backlog was 0"
echo
DL_ROW='| %-24s | %7s | %8s | %12s | %11s | %14s | %10s | %10s | %16s | %16s | %14s |\n'
# shellcheck disable=SC2059
printf "$DL_ROW" "store, nodes" "queued" "seconds" "delivered/s" "vs SQLite" "first→last /s" "received" "distinct" "CPU s per node" "alfe CPU ms/1k" "PG CPU ms/1k"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "--------------------------" "--------:" "---------:" "-------------:" "------------:" "---------------:" "-----------:" "-----------:" "-----------------:" "-----------------:" "---------------:"
# shellcheck disable=SC2059
printf "$DL_ROW" "SQLite, 1 node" "$dl_sqlite_queued" "$dl_sqlite_s" "$dl_sqlite_rate" "1.00x" "$dl_sqlite_span" "$dl_sqlite_got" "$dl_sqlite_unique" "$dl_sqlite_split" "$dl_sqlite_cpu" "-"
for row in "${dl_rows[@]}"; do
    read -r n queued s rate span got unique split cpu pgcpu left <<<"$row"
    label="PostgreSQL, $n node(s)"
    [ "$left" -eq 0 ] || label="$label, $left left"
    # shellcheck disable=SC2059
    printf "$DL_ROW" "$label" "$queued" "$s" "$rate" "$(ratio "$rate" "$dl_sqlite_rate")" "$span" "$got" "$unique" "$split" "$cpu" "$pgcpu"
done
echo
echo "delivered/s: distinct deliveries received / seconds from the first forward URL being set (the CLI calls are"
echo "inside the time) until the receiver had them all and the backlog was 0. received > distinct: some were sent"
echo "more than once. first→last: distinct deliveries / time from the first arrival to the last (without the CLI"
echo "calls and the wake-up). CPU s per node: node 1 / node 2 / ... during the drain: how the work spread."
[ "$dl_sqlite_left" -eq 0 ] || exit 1
