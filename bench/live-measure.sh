#!/bin/bash
# Live engine measurements for docs/PERFORMANCE.md: the fs workload alone and under `pooltag record`,
# alternated R times in one run (the machine is shared: compare medians, not single runs).
# Usage: live-measure.sh [R] [W] [F]
R=${1:-3}; W=${2:-2}; F=${3:-4000}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=$(dirname "$0")/../cli/target/pooltag.jar
WL=$(dirname "$0")/fs-workload.sh
. "$(dirname "$0")/tracefs.sh"   # sets T: where tracefs is (mounted there when nowhere)
OUT=$(mktemp -d /var/tmp/pooltag-measure.XXXXXX)
for r in $(seq 1 "$R"); do
  sync; base=$($WL "$W" "$F")
  $J -jar "$JAR" record -o "$OUT/r$r.ptrec" --duration 10m 2> "$OUT/r$r.log" &
  pid=$!
  while [ ! -d $T/instances/pooltag-$pid-*/per_cpu ]; do sleep 0.05; done
  sleep 1.5
  sync
  traced=$($WL "$W" "$F")
  cpu=$(awk '{printf "%.2f", ($14+$15)/100}' /proc/$pid/stat)  # utime+stime of pooltag, seconds (CLK_TCK 100)
  kill -TERM $pid; wait $pid
  summary=$(grep recorded "$OUT/r$r.log")
  events=$(echo "$summary" | sed 's/.*recorded \([0-9]*\) events.*/\1/')
  lost=$(echo "$summary" | sed 's/.*lost events: \([0-9]*\).*/\1/')
  size=$(stat -c %s "$OUT/r$r.ptrec")
  echo "round $r: workload alone ${base}s, under pooltag record ${traced}s, events $events, lost $lost, file $size bytes, pooltag cpu ${cpu}s"
done
rm -rf "$OUT"
