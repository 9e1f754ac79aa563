#!/bin/bash
# docs/PERFORMANCE.md "poolused and start-up": wall time of `pooltag poolused` against `slabtop -o` (procps) and
# the JVM floor, in one hyperfine run (hyperfine runs each command's rounds back to back; we repeat the whole run
# R times so that the comparison is interleaved A/B/A/B across runs), then the ProcfsSnapshotBenchmark scaling.
# Usage (as root, from anywhere): bench/perf-poolused.sh [R] [RUNS]   (default 3 hyperfine runs x 15 runs each)
# Output: bench-out/poolused-*.json (hyperfine) and a summary on stdout; JMH output in bench-out/jmh-procfs.txt.
set -eu
cd "$(dirname "$0")/.."
R=${1:-3}; N=${2:-15}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
J=$JAVA_HOME/bin/java
mkdir -p bench-out
./pooltag poolused > /dev/null    # make sure the class-data archive exists
for r in $(seq 1 "$R"); do
  echo "== run $r  $(date -u +%FT%TZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  hyperfine -N -w 3 -r "$N" --export-json "bench-out/poolused-$r.json" \
    -n 'slabtop -o' 'slabtop -o' \
    -n 'pooltag poolused' './pooltag poolused' \
    -n 'pooltag poolused --no-vmalloc' './pooltag poolused --no-vmalloc' \
    -n 'java -jar pooltag.jar poolused (no CDS)' "$J -XX:+UseSerialGC -Xshare:off --enable-native-access=ALL-UNNAMED -jar cli/target/pooltag.jar poolused" \
    -n 'pooltag --version (CDS)' './pooltag --version' \
    -n 'pooltag --version (-Xshare:off)' "$J -XX:+UseSerialGC -Xshare:off --enable-native-access=ALL-UNNAMED -jar cli/target/pooltag.jar --version" \
    -n 'java -version' "$J -version" \
    2>&1 | grep -E 'Benchmark|Time|Range' || true
  echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 - "$R" <<'PY'
import json,sys,statistics as st
R=int(sys.argv[1]); rows={}
for r in range(1,R+1):
    for res in json.load(open(f"bench-out/poolused-{r}.json"))["results"]:
        rows.setdefault(res["command"],[]).append(res["median"])
base=rows["slabtop -o"]
print(f"{'command':45s} {'median of run medians (ms)':>28s} {'min-max (ms)':>16s} {'ratio vs slabtop (per run)':>30s}")
for k,v in rows.items():
    ratios=[a/b for a,b in zip(v,base)]
    print(f"{k:45s} {st.median(v)*1000:28.1f} {min(v)*1000:7.1f}-{max(v)*1000:<8.1f} {st.median(ratios):10.1f}x ({min(ratios):.1f}-{max(ratios):.1f})")
PY
if [ "${JMH:-1}" = 1 ]; then
  echo "== JMH ProcfsSnapshotBenchmark $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
  $J -jar bench/target/benchmarks.jar ProcfsSnapshotBenchmark -prof gc 2>&1 | tee bench-out/jmh-procfs.txt | sed -n '/^Benchmark/,$p' | grep -vE 'gc.count|gc.time|alloc.rate  '
  echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
