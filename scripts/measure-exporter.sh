#!/usr/bin/env bash
# Measures the exporter as docs/PERFORMANCE.md reports it: scrape latency over N scrapes (curl time_total), the
# exporter's own CPU (utime+stime from /proc/PID/stat across the scrapes) and its resident memory (VmRSS, VmHWM).
# Usage (as root): [POOLTAG_JAVA_OPTS=...] [EXPORTER_ARGS=--no-vmalloc] scripts/measure-exporter.sh [SCRAPES] [TOP]
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
n=${1:-100}
top=${2:-50}
port=$((20000 + RANDOM % 20000))
"$here/pooltag" exporter --listen 127.0.0.1:$port --top "$top" ${EXPORTER_ARGS:-} 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.1; done
# Warm-up scrapes (JIT), not counted.
for _ in $(seq 10); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"; done
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
usr() { awk '{print $14}' "/proc/$pid/stat"; }
c0=$(cpu); u0=$(usr); t0=$(date +%s.%N)
for _ in $(seq "$n"); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics"; done > /tmp/pooltag-scrapes.$$
t1=$(date +%s.%N); c1=$(cpu); u1=$(usr)
bytes=$(curl -s "http://127.0.0.1:$port/metrics" | wc -c)
series=$(curl -s "http://127.0.0.1:$port/metrics" | grep -c '^pooltag_tag_bytes{')
sort -n /tmp/pooltag-scrapes.$$ | awk -v n="$n" '{a[NR]=$1; s+=$1} END {printf "scrapes %d: mean %.1f ms, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", n, 1000*s/NR, 1000*a[int(NR*0.5)], 1000*a[int(NR*0.9)], 1000*a[int(NR*0.99)], 1000*a[NR]}'
rm -f /tmp/pooltag-scrapes.$$
awk -v c0="$c0" -v c1="$c1" -v u0="$u0" -v u1="$u1" -v t="$tick" -v n="$n" -v w0="$t0" -v w1="$t1" 'BEGIN {printf "exporter CPU: %.2f s over %d scrapes = %.1f ms per scrape (user %.1f ms, system %.1f ms; wall %.1f s)\n", (c1-c0)/t, n, 1000*(c1-c0)/t/n, 1000*(u1-u0)/t/n, 1000*((c1-c0)-(u1-u0))/t/n, w1-w0}'
grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' \t' ' '
echo "response: $bytes bytes, $series pooltag_tag_bytes series (top $top)"
# Idle cost: no scrapes for 10 s.
c0=$(cpu); sleep 10; c1=$(cpu)
awk -v c0="$c0" -v c1="$c1" -v t="$tick" 'BEGIN {printf "idle CPU over 10 s: %.2f s\n", (c1-c0)/t}'
