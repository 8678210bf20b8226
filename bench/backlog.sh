#!/usr/bin/env bash
# Ingress throughput as the stored backlog grows (SPEC §10: flat from 0 to 1,000,000 deliveries, the last
# 10 s window at least 80 % of the first), with the agent offline so everything stays queued. wrk -c32,
# 1 KiB signed bodies, back-to-back 10 s windows until BACKLOG deliveries are stored.
# Usage: bench/backlog.sh BUILD_DIR [BACKLOG (default 1000000)]
set -euo pipefail

BUILD="$1"
BACKLOG="${2:-1000000}"
WINDOW=10
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

alfe_setup "$TMP/data" # its agent has no forward URL: offline, every delivery stays queued
export ALFE_BENCH_SIGNATURE="$(sign "$WEBHOOK_SECRET")"
port="$(start alfe "$ALFE" serve "${ALFE_OPTS[@]}" --port 0 --rate-limit 0)"

stored=0
rates=()
while [ "$stored" -lt "$BACKLOG" ]; do
    read -r rps _ p99 n < <(wrk_run alfe "$port" "/v1/hooks/$WEBHOOK" "$WINDOW")
    stored=$((stored + n))
    rates+=("$rps")
    printf 'backlog %9d  %8.0f req/s  p99 %s\n' "$stored" "$rps" "$p99" >&2
done
# Three windows at each end (a single 10 s window varies by ±10 % on a shared VM).
mean() { python3 -c "import sys; v = [float(x) for x in sys.argv[1:]]; print(f'{sum(v) / len(v):.0f}')" "$@"; }
first="$(mean "${rates[@]:0:3}")"
last="$(mean "${rates[@]: -3}")"
echo
echo "Ingress as the backlog grows to $stored queued deliveries (agent offline), ${WINDOW} s windows ($(nproc) cores)"
echo
printf '| %-34s | %10s |\n' "window" "req/s"
printf '|%s|%s|\n' "------------------------------------" "------------"
printf '| %-34s | %10.0f |\n' "first 3 windows (the baseline)" "$first"
printf '| %-34s | %10.0f |\n' "last 3 windows (near $stored)" "$last"
printf '| %-34s | %10s |\n' "last / first (target >= 0.80x)" "$(ratio "$last" "$first")"
