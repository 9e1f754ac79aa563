#!/bin/bash
# docs/PERFORMANCE.md "hunt: time to a verdict": for each hunt duration D, start `pooltag hunt --duration D --json`,
# wait until its tracefs instance is tracing, then start a fresh pipe leak (Leaker pipes 2000 200: 200 pipes/s)
# and read the verdict: rank, tag and confidence of the first right tag (alloc_pipe_info, alloc_empty_file, filp,
# kmalloc-cg-1k, kmalloc-cg-192), whether it is the top suspect and at/above the threshold (a LEAK).
# Usage (root): bench/perf-verdict.sh [ROUNDS] [DURATIONS...]     e.g. bench/perf-verdict.sh 2 3 4 5 6 8 10
set -u
cd "$(dirname "$0")/.."
R=${1:-1}; shift || true; DS=${*:-"3 4 5 6 8 10"}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
OUT=$(mktemp -d /var/tmp/pooltag-verdict.XXXXXX)
echo "# $(date -u +%FT%TZ) durations: $DS; rounds $R; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# instances before: $(ls $T/instances | tr '\n' ' ')"
for r in $(seq 1 "$R"); do
 for d in $DS; do
  ./pooltag hunt --duration ${d}s --json > $OUT/h.json 2> $OUT/h.err & hp=$!
  until [ "$(cat $T/instances/pooltag-$hp-*/tracing_on 2>/dev/null)" = 1 ] || ! kill -0 $hp 2>/dev/null; do sleep 0.02; done
  t_trace=$(date +%s.%N)
  mkfifo $OUT/in
  $(bench/corpus/leaker.sh) pipe 2000 200 < $OUT/in > $OUT/leak.out 2>&1 & lp=$!
  exec 9> $OUT/in
  until grep -q READY $OUT/leak.out || ! kill -0 $lp 2>/dev/null; do sleep 0.02; done
  echo go >&9; t_leak=$(date +%s.%N); l=$(cut -d' ' -f1 /proc/loadavg)
  wait $hp; t_end=$(date +%s.%N)
  exec 9>&-; kill $lp 2>/dev/null; wait $lp 2>/dev/null; rm -f $OUT/in
  python3 - "$OUT/h.json" "$d" "$t_trace" "$t_leak" "$t_end" "$l" "$r" <<'PY'
import json,sys
f,d,tt,tl,te,l,r=sys.argv[1:]
right={"alloc_pipe_info","alloc_empty_file","filp","kmalloc-cg-1k","kmalloc-cg-192"}
try: j=json.load(open(f))
except Exception as e: print(f"round {r} D={d}s: no JSON ({e})"); sys.exit()
s=j["suspects"]; th=j["threshold"]
hit=[(i+1,x) for i,x in enumerate(s) if x["tag"] in right]
top=s[0] if s else None
if hit:
    rank,x=hit[0]
    v="CORRECT" if rank==1 and x["leak"] else ("right tag not top" if rank>1 else "below threshold")
    print(f"round {r} D={d}s leak-start->report {float(te)-float(tl):.1f}s (trace on->leak {float(tl)-float(tt):.2f}s) load {l}: "
          f"first right tag {x['tag']} rank {rank} conf {x['confidence']:.2f} leak={x['leak']} | top: {top['tag']} conf {top['confidence']:.2f} | {v} | events {j['events']} lost {j['lost_events']}")
else:
    print(f"round {r} D={d}s load {l}: no right tag among {len(s)} suspects; top: {top['tag'] if top else '-'} {top['confidence'] if top else ''} | events {j['events']}")
PY
  compgen -G "$T/instances/pooltag-$hp-*" > /dev/null && echo "   !! instance pooltag-$hp left behind"
 done
done
echo "# instances after: $(ls $T/instances | tr '\n' ' ')"
rm -rf $OUT
