#!/bin/bash
# docs/PERFORMANCE.md "hunt: ... memory": peak RSS of `pooltag hunt` with few vs 100 k+ outstanding allocations.
# Alternates ROUNDS times: (a) baseline hunt, no leak; (b) the same hunt while three Leaker processes open
# 9,000 pipes + 9,500 UNIX sockets + 9,000 pipes at 3,000/s each (kept open until the hunt ends; RLIMIT_NOFILE
# 20,000 per process). Reports VmHWM/VmRSS sampled just before the hunt ends and the outstanding allocations the
# hunt reports (sum over all suspects, --top 1000; an allocation can count under both its cache and its call-site
# tag, so this is an upper bound) and the growth of active slab objects (/proc/slabinfo) during the hunt.
# Usage (root): bench/perf-hunt-mem.sh [ROUNDS] [DURATION_S]
set -u
cd "$(dirname "$0")/.."
R=${1:-2}; D=${2:-20}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
slab_objs() { awk 'NR>2{n+=$2} END{print n}' /proc/slabinfo; }   # active slab objects, all caches
OUT=$(mktemp -d /var/tmp/pooltag-mem.XXXXXX)
echo "# $(date -u +%FT%TZ) hunt ${D}s, rounds $R; load $(cut -d' ' -f1-3 /proc/loadavg); instances before: $(ls $T/instances | tr '\n' ' ')"
one() {   # $1 = baseline|leak
  ./pooltag hunt --duration ${D}s --json --top 1000 > $OUT/h.json 2> $OUT/h.err & local hp=$!
  until [ "$(cat $T/instances/pooltag-$hp-*/tracing_on 2>/dev/null)" = 1 ] || ! kill -0 $hp 2>/dev/null; do sleep 0.05; done
  local lps=() i=0 s0; s0=$(slab_objs)
  if [ "$1" = leak ]; then
    for spec in "pipe 9000" "unix 9500" "pipe 9000"; do
      mkfifo $OUT/in$i
      $(bench/corpus/leaker.sh) $spec 3000 < $OUT/in$i > $OUT/l$i.out 2>&1 & lps+=($!)
      eval "exec $((7+i))> $OUT/in$i"; i=$((i+1))
    done
    for k in 0 1 2; do until grep -q READY $OUT/l$k.out || ! kill -0 ${lps[$k]} 2>/dev/null; do sleep 0.05; done; done
    for k in 0 1 2; do echo go >&$((7+k)); done
  fi
  local hwm=0 rss=0 s1=0 l; l=$(cut -d' ' -f1 /proc/loadavg)
  while kill -0 $hp 2>/dev/null; do
    read -r h s < <(awk '/VmHWM/{h=$2} /VmRSS/{r=$2} END{print h, r}' /proc/$hp/status 2>/dev/null) && [ -n "$h" ] && hwm=$h && rss=$s && s1=$(slab_objs)
    sleep 0.25
  done
  wait $hp
  for k in "${!lps[@]}"; do eval "exec $((7+k))>&-"; kill ${lps[$k]} 2>/dev/null; wait ${lps[$k]} 2>/dev/null; rm -f $OUT/in$k; done
  python3 - $OUT/h.json "$1" "$hwm" "$rss" "$l" "$((s1-s0))" <<'PY'
import json,sys
f,kind,hwm,rss,l,ds=sys.argv[1:]
j=json.load(open(f)); s=j["suspects"]
out=sum(x["outstanding"] for x in s); ob=sum(x["outstanding_bytes"] for x in s)
print(f"{kind:8s} load {l} VmHWM {int(hwm)/1024:.0f} MiB VmRSS {int(rss)/1024:.0f} MiB  outstanding (sum over {len(s)} suspects) {out} allocations, {ob/1e6:.1f} MB; slab objects +{ds} during the hunt; events {j['events']} lost {j['lost_events']}")
PY
  compgen -G "$T/instances/pooltag-$hp-*" > /dev/null && echo "   !! instance pooltag-$hp left behind"
}
for r in $(seq 1 "$R"); do one baseline; one leak; done
echo "# instances after: $(ls $T/instances | tr '\n' ' ')"
rm -rf $OUT
