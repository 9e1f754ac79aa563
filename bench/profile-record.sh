#!/bin/bash
# Where `pooltag record` spends its CPU while a workload runs (docs/PERFORMANCE.md, issue 14, round 4).
# Starts `./pooltag record` (this tree), waits until it traces, then samples the whole JVM with perf (callchains,
# kernel and native; JIT frames named through -XX:+DumpPerfMapAtExit) and its threads' CPU (/proc/PID/task/*/stat)
# during bench/fsbench W x N only, stops it with SIGTERM (its post-stop work is not in the figures) and prints the
# per-thread CPU and the share of each activity (bench/perf-classify.py).
# Usage (root): bench/profile-record.sh OUTDIR [W N]    e.g. bench/profile-record.sh /var/tmp/prof-rec 2 50000
# PROFILE_CMD="hunt --duration 1h" profiles that command instead of record (same sampling; SIGTERM ends it)
set -u
cd "$(dirname "$0")/.."
O=$1; W=${2:-2}; N=${3:-50000}
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
command -v perf > /dev/null || { echo "bench/profile-record.sh needs perf (apt-get install linux-perf)" >&2; exit 2; }
mkdir -p "$O"; rm -f "$O/rec.ptrec"
FSB=bench/target/fsbench; mkdir -p bench/target
[ -x $FSB ] && [ ! bench/fsbench.c -nt $FSB ] || cc -O2 -o $FSB bench/fsbench.c
./pooltag --version > /dev/null   # build outside the measurement
WD=$(mktemp -d /var/tmp/pooltag-fsb.XXXXXX)
POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" \
  setsid ./pooltag ${PROFILE_CMD:-record -o "$O/rec.ptrec" --duration 1h} > "$O/out" 2> "$O/err" & S=$!
# the JVM's pid from the instance it makes (the launcher may run other children first: a cache's training)
P=""; for i in $(seq 1 1200); do I=$(ls -d $T/instances/pooltag-* 2>/dev/null | head -1)
  [ -n "$I" ] && [ "$(cat "$I/tracing_on" 2>/dev/null)" = 1 ] && { P=$(basename "$I" | cut -d- -f2); break; }; sleep 0.05; done
[ -n "$P" ] || { echo "record did not start" >&2; kill -TERM -$S; wait $S; rm -rf "$WD"; exit 1; }
sleep 1
snap() { for t in /proc/$P/task/*; do echo "$(tr ' ' _ < $t/comm) $(awk '{print $14+$15}' $t/stat)"; done |
  awk '{a[$1]+=$2} END{for(k in a) print k, a[k]}' | sort; }
snap > "$O/t0"
perf record -F 1999 -g -p $P -o "$O/perf.data" > /dev/null 2>&1 & PP=$!
sleep 0.3
L=$(cut -d' ' -f1 /proc/loadavg); WT=$($FSB "$W" "$N" "$WD")
kill -INT $PP; wait $PP
snap > "$O/t1"
kill -TERM $P; wait $S
HZ=$(getconf CLK_TCK)
{ echo "load $L; workload $W x $N: $WT s"
  join -a1 "$O/t0" "$O/t1" | awk -v hz=$HZ '{d=($3-$2)/hz; if (d>0) printf "%-24s %.2f s\n", $1, d; s+=d} END{printf "all threads %.2f s\n", s}' | sort -k2 -nr
  grep "pooltag: recorded\|pooltag: trace\|lost\|events" "$O/err" | head -5; } > "$O/summary"
TOTAL=$(awk '/^all threads/{print $3}' "$O/summary")
perf script -i "$O/perf.data" 2>/dev/null | python3 bench/perf-classify.py "$TOTAL" >> "$O/summary"
rm -rf "$WD"
compgen -G "$T/instances/pooltag-$P-*" > /dev/null && echo "!! instance left behind" >> "$O/summary"
cat "$O/summary"
