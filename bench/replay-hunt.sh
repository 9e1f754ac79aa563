#!/bin/bash
# hunt's merge thread on a real recording, without the kernel (docs/PERFORMANCE.md "hunt, round 9"): the pages of a
# recording of bench/fsbench W x N, in memory, through a fresh merger and a ledger built as a live hunt's, PASSES
# times per round (pooltag.bench.ReplayHunt). Per round the best of the passes after the first, in ns per event;
# with HUNT_BASE=DIR the same rounds alternate with DIR's build (its cli/target/pooltag.jar; the tool is this tree's).
# Without RECORDING, records fsbench W x N under this tree's `pooltag record` first (root; /var/tmp/pooltag-replay.ptrec).
# Usage: bench/replay-hunt.sh [ROUNDS] [PASSES] [RECORDING]     e.g. HUNT_BASE=/work/main bench/replay-hunt.sh 4 7
set -u
cd "$(dirname "$0")/.."
ROUNDS=${1:-4}; PASSES=${2:-7}; REC=${3:-}; W=${W:-2}; N=${N:-100000}
. scripts/find-jdk.sh; find_java_home; J=$JAVA_PICKED/bin/java   # the launcher's JDK 21+
./pooltag --version > /dev/null 2>&1   # builds this tree when its sources changed
[ -f bench/target/benchmarks.jar ] || { echo "bench/target/benchmarks.jar missing: mvn -pl bench -am install" >&2; exit 2; }
if [ -z "$REC" ]; then
  REC=/var/tmp/pooltag-replay.ptrec; rm -f "$REC"
  FSB=bench/target/fsbench; [ -x $FSB ] && [ ! bench/fsbench.c -nt $FSB ] || cc -O2 -o $FSB bench/fsbench.c
  WD=$(mktemp -d /var/tmp/pooltag-replay.XXXXXX)
  ./pooltag record -o "$REC" --duration 1h 2> "$WD/rec.err" & S=$!
  sleep 3; $FSB "$W" "$N" "$WD" > /dev/null; kill -TERM $S; wait $S   # SIGTERM: a background job ignores SIGINT
  grep "recorded" "$WD/rec.err"; rm -rf "$WD"
fi
# The tool from this tree's benchmarks.jar, the engine (core, linux) from the build under test: its jar first.
run() { "$J" -Xmx4g -cp "$1/cli/target/pooltag.jar:bench/target/benchmarks.jar" pooltag.bench.ReplayHunt "$REC" \
  "$PASSES" 2>/dev/null | tail -n +2 | awk '{print $10}' | sort -n | head -1; }
A=""; B=""
for r in $(seq 1 "$ROUNDS"); do
  A="$A $(run .)"
  [ -n "${HUNT_BASE:-}" ] && B="$B $(run "$HUNT_BASE")"
done
med() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "$(date -u +%FT%TZ) load $(cut -d' ' -f1 /proc/loadavg); $REC; best pass of $PASSES per round, ns per event"
echo "this tree:${A} (median $(med $A))"
[ -n "${HUNT_BASE:-}" ] && echo "$HUNT_BASE:${B} (median $(med $B))"
exit 0
