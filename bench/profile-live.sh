#!/bin/bash
# Where a live pooltag run spends its time and loses events (docs/PERFORMANCE.md "Live path breakdown").
# Runs `pooltag CMD ...` under JFR while bench/fsbench loads the kernel, and samples every 0.5 s:
# per-thread CPU (/proc/PID/task/*/stat), per-CPU ring-buffer stats of pooltag's instance (entries, overrun),
# and the reader wake-ups (voluntary context switches of the pooltag-cpuN threads).
# Usage (root): bench/profile-live.sh OUTDIR W N -- hunt --duration 25s     (W workers x N fsbench rounds; the
# command must end by itself: --duration longer than the workload + 1 s; hunt prints no report on SIGTERM yet)
set -u
cd "$(dirname "$0")/.."
OUT=$1; W=$2; N=$3; shift 4
mkdir -p "$OUT"
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
FSB=bench/target/fsbench; [ bench/fsbench.c -nt $FSB ] && rm -f $FSB
[ -x $FSB ] || { mkdir -p bench/target && cc -O2 -o $FSB bench/fsbench.c; }
WD=$(mktemp -d /var/tmp/pooltag-fsb.XXXXXX)
POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$OUT/run.jfr,settings=profile,dumponexit=true" \
  ./pooltag "$@" > "$OUT/stdout" 2> "$OUT/stderr" & pid=$!
for i in $(seq 1 600); do [ "$(cat $T/instances/pooltag-$pid-*/tracing_on 2>/dev/null)" = 1 ] && break; sleep 0.05; done
I=$(ls -d $T/instances/pooltag-$pid-* | head -1)
python3 bench/sample-threads.py $pid "$I" 0.25 > "$OUT/samples.tsv" 2> "$OUT/threads.txt" & sp=$!
sleep 1
echo "load before: $(cat /proc/loadavg)" > "$OUT/workload.txt"
$FSB "$W" "$N" "$WD" >> "$OUT/workload.txt"
echo "load after: $(cat /proc/loadavg)" >> "$OUT/workload.txt"
sleep 1
wait $pid; wait $sp
rm -rf "$WD"
compgen -G "$T/instances/pooltag-$pid-*" > /dev/null && echo "!! instance left behind: $I"
cat "$OUT/workload.txt"; cat "$OUT/threads.txt"; grep -v jfr "$OUT/stderr" | tail -3; grep -i "loss\|events" "$OUT/stdout" | head -3
