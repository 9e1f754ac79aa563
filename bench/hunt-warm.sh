#!/bin/bash
# What a hunt's first seconds of events cost against its later ones (docs/PERFORMANCE.md, round 8): one
# `./pooltag hunt` (this tree) runs bench/fsbench W x N three times in a row, 1 s apart, with the untraced workload
# before and after; per run the workload's time and the hunt's CPU (utime+stime of the JVM, ticks of 1/HZ s) during
# it. The first run pays what the JIT compiles as the merge path gets hot; the later ones do not.
# Usage (root): bench/hunt-warm.sh [W] [N]      e.g. POOLTAG_JAVA_OPTS=-Dpooltag.warmMerge=false bench/hunt-warm.sh
set -u
cd "$(dirname "$0")/.."
W=${1:-2}; N=${2:-100000}
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
FSB=bench/target/fsbench; mkdir -p bench/target
[ -x $FSB ] && [ ! bench/fsbench.c -nt $FSB ] || cc -O2 -o $FSB bench/fsbench.c
./pooltag --version > /dev/null   # build outside the measurement
WD=$(mktemp -d /var/tmp/pooltag-warm.XXXXXX); ERR=$WD/hunt.err
u1=$($FSB "$W" "$N" "$WD")
setsid ./pooltag hunt --duration 1h > /dev/null 2> "$ERR" & S=$!
P=""; for i in $(seq 1 1200); do I=$(ls -d $T/instances/pooltag-* 2>/dev/null | head -1)
  [ -n "$I" ] && [ "$(cat "$I/tracing_on" 2>/dev/null)" = 1 ] && { P=$(basename "$I" | cut -d- -f2); break; }; sleep 0.05; done
[ -n "$P" ] || { echo "hunt did not start" >&2; kill -TERM -$S; wait $S; rm -rf "$WD"; exit 1; }
sleep 1
cpu() { awk '{print $14+$15}' /proc/$P/stat; }
line="hunt"
for r in 1 2 3; do
  c0=$(cpu); t=$($FSB "$W" "$N" "$WD"); c1=$(cpu)
  line="$line; run $r: workload $t s, hunt CPU $((c1 - c0)) ticks"
  sleep 1
done
kill -TERM -$S; wait $S
u2=$($FSB "$W" "$N" "$WD")
echo "untraced $u1 s and $u2 s; $line (HZ $(getconf CLK_TCK))"
grep "trace:" "$ERR"
rm -rf "$WD"
