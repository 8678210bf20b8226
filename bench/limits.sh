#!/usr/bin/env bash
# Two rows of SPEC §10 about the ingress under control rather than at full tilt, each beside its baseline
# measured in the same run:
#   - p99 latency (post sent -> 2xx) at half the peak rate that wrk measured just before (target < 5 ms);
#   - a request declaring a 100 MiB body: answered 413, and the process's RSS grows < 5 MiB.
# Usage: bench/limits.sh BUILD_DIR [SECONDS]   (./dev bench runs it)
set -euo pipefail

BUILD="$1"
SECONDS_PER_RUN="${2:-10}"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

alfe_setup "$TMP/data"
export ALFE_BENCH_SIGNATURE="$(sign "$WEBHOOK_SECRET")"
port="$(start alfe "$ALFE" serve "${ALFE_OPTS[@]}" --port 0 --rate-limit 0)"
pid="$(cat "$TMP/alfe.pid")"

read -r peak _ peak_p99 _ < <(run alfe "$port" "/v1/hooks/$WEBHOOK")
half="$(python3 -c "import sys; print(int(float(sys.argv[1]) / 2))" "$peak")"
node "$HERE/peers/pace.mjs" "http://127.0.0.1:$port/v1/hooks/$WEBHOOK" "$TMP/body.json" "$ALFE_BENCH_SIGNATURE" \
    "$half" "$SECONDS_PER_RUN" "$TMP/pace.txt" >/dev/null
read -r p50 p99 < <(python3 - "$TMP/pace.txt" <<'PY'
import sys
lat = sorted(float(a) - float(s) for s, a, _ in (l.split() for l in open(sys.argv[1]) if l.strip()))
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"{pick(0.50):.2f}ms {pick(0.99):.2f}ms")
PY
)

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
before="$(rss)"
status="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H "X-Alfe-Signature-256: $ALFE_BENCH_SIGNATURE" -H 'Content-Length: 104857600' --data-binary @"$TMP/body.json" \
    "http://127.0.0.1:$port/v1/hooks/$WEBHOOK" || true)"
sleep 0.5
after="$(rss)"

echo
echo "Ingress under control ($(nproc) cores)"
echo
printf '| %-52s | %-22s | %-26s | %-10s |\n' "what" "Alfe" "baseline (same run)" "target"
printf '|%s|%s|%s|%s|\n' "------------------------------------------------------" "------------------------" "----------------------------" "------------"
printf '| %-52s | %-22s | %-26s | %-10s |\n' "latency at half the peak rate ($half/s), p50 / p99" "$p50 / $p99" "at the peak: p99 $peak_p99" "p99 < 5 ms"
printf '| %-52s | %-22s | %-26s | %-10s |\n' "100 MiB body declared: answer, RSS growth" "$status, $(((after - before))) KiB" "RSS before: $before KiB" "413, < 5 MiB"
