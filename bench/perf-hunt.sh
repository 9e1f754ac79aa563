#!/bin/bash
# docs/PERFORMANCE.md "hunt: workload slowdown": a fixed kernel-heavy workload (bench/fs-workload.sh W F) alone and
# under each tracer, interleaved in every round: alone, pooltag hunt, alone, trace-cmd, alone, memleak, alone,
# bpftrace. Each traced run's slowdown is its time over the mean of the two "alone" runs around it.
# Usage (root): bench/perf-hunt.sh [ROUNDS] [W] [F] [TOOLS]      e.g. bench/perf-hunt.sh 3 2 6000 "pooltag tracecmd memleak bpftrace"
# Peers: trace-cmd (Debian 3.1) runs only with bench/shim/eperm-noop.so (built here if missing);
#        memleak-bpfcc (bpfcc-tools) needs BCC_KERNEL_SOURCE: a merged Debian 6.1 header tree (made here if missing,
#        from linux-headers-6.1.0-50-{common,amd64}); bpftrace runs bench/kmemleak.bt.
# Prints one line per run and a summary; checks tracefs is left clean after every traced run.
set -u
cd "$(dirname "$0")/.."
R=${1:-3}; W=${2:-2}; F=${3:-6000}; TOOLS=${4:-"pooltag tracecmd memleak bpftrace"}
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
OUT=$(mktemp -d /var/tmp/pooltag-perfhunt.XXXXXX)
SHIM=bench/shim/eperm-noop.so
[ -f $SHIM ] || cc -shared -fPIC -O2 -o $SHIM bench/shim/eperm-noop.c -ldl
KSRC=/var/tmp/bcc-ksrc
if [ ! -f $KSRC/include/linux/kconfig.h ]; then
  mkdir -p $KSRC && cp -rs /usr/src/linux-headers-6.1.0-50-common/. $KSRC/ && cp -rsf /usr/src/linux-headers-6.1.0-50-amd64/. $KSRC/
fi
load() { cut -d' ' -f1 /proc/loadavg; }
kmem_enabled() { cat $T/events/kmem/{kmalloc,kfree,kmem_cache_alloc,kmem_cache_free}/enable | tr -d '\n'; }
check_clean() {   # our own leftovers only: trace-cmd/memleak/bpftrace work at top level, pooltag in pooltag-<pid>
  local e; e=$(kmem_enabled)
  if [ "$e" != 0000 ]; then
    echo "   !! top-level kmem events left enabled after $1 ($e): disabling"
    for ev in kmalloc kfree kmem_cache_alloc kmem_cache_free; do echo 0 > $T/events/kmem/$ev/enable; done
  fi
  [ -n "${2:-}" ] && compgen -G "$T/instances/pooltag-$2-*" > /dev/null && echo "   !! instance pooltag-$2 left behind after $1"
  return 0
}
wl() { sync; bench/fs-workload.sh "$W" "$F"; }
alone() { local t; t=$(wl); echo "alone $t $(load)"; }

run_pooltag() {
  ./pooltag hunt --duration 30m > $OUT/hunt.out 2> $OUT/hunt.err & local pid=$!
  until [ "$(cat $T/instances/pooltag-$pid-*/tracing_on 2>/dev/null)" = 1 ]; do sleep 0.05; done
  sleep 1; local l=$(load); local t; t=$(wl)
  local cpu; cpu=$(awk '{printf "%.2f", ($14+$15)/100}' /proc/$pid/stat)
  local rss; rss=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
  kill -TERM $pid; wait $pid
  echo "pooltag $t $l cpu=${cpu}s hwm=${rss}kB"; check_clean pooltag $pid
}
run_tracecmd() {
  LD_PRELOAD=$PWD/$SHIM trace-cmd record -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free \
      -o $OUT/tc.dat > $OUT/tc.log 2>&1 & local pid=$!
  until [ "$(kmem_enabled)" = 1111 ] || ! kill -0 $pid 2>/dev/null; do sleep 0.05; done
  sleep 1; local l=$(load); local t; t=$(wl)
  kill -INT $pid; wait $pid
  local sz; sz=$(stat -c %s $OUT/tc.dat 2>/dev/null); rm -f $OUT/tc.dat*
  echo "tracecmd $t $l file=${sz}B"; check_clean trace-cmd
}
run_memleak() {
  PYTHONUNBUFFERED=1 BCC_KERNEL_SOURCE=$KSRC memleak-bpfcc 3600 > $OUT/ml.log 2>&1 & local pid=$!
  until grep -q Attaching $OUT/ml.log 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 0.1; done
  sleep 1; local l=$(load); local t; t=$(wl)
  kill -TERM $pid; wait $pid   # memleak (python) ignores SIGINT in a background job; SIGTERM ends it
  echo "memleak $t $l"; check_clean memleak
}
run_bpftrace() {
  BPFTRACE_MAP_KEYS_MAX=2000000 bpftrace bench/kmemleak.bt > $OUT/bt.log 2>&1 & local pid=$!
  until grep -q Attaching $OUT/bt.log 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 0.1; done
  sleep 1; local l=$(load); local t; t=$(wl)
  kill -INT $pid; wait $pid
  echo "bpftrace $t $l"; check_clean bpftrace
}

echo "# $(date -u +%FT%TZ) workload: bench/fs-workload.sh $W $F; rounds $R; tools: $TOOLS; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# instances before: $(ls $T/instances | tr '\n' ' ') kmem enables: $(kmem_enabled)"
for r in $(seq 1 "$R"); do
  for tool in $TOOLS; do
    alone | sed "s/^/round $r /"
    run_$tool | sed "s/^/round $r /"
  done
  alone | sed "s/^/round $r /"
done | tee $OUT/runs.txt
echo "# instances after: $(ls $T/instances | tr '\n' ' ') kmem enables: $(kmem_enabled)"
python3 - $OUT/runs.txt <<'PY'
import sys, statistics as st
runs=[l.split() for l in open(sys.argv[1]) if l.startswith("round") and not "!!" in l]
# each traced run against the mean of the alone runs just before and after it (same round)
ratios={}; alone=[]
for i,l in enumerate(runs):
    if l[2]=="alone": alone.append(float(l[3])); continue
    a=(float(runs[i-1][3])+float(runs[i+1][3]))/2
    ratios.setdefault(l[2],[]).append((float(l[3])/a, float(l[3]), float(l[4])))
print(f"alone: median {st.median(alone):.2f} s, min-max {min(alone):.2f}-{max(alone):.2f} s, n={len(alone)}")
for k,v in ratios.items():
    rs=[x[0] for x in v]; ts=[x[1] for x in v]; ls=[x[2] for x in v]
    print(f"{k:9s} slowdown median {st.median(rs):.2f}x (min-max {min(rs):.2f}-{max(rs):.2f}), traced time median {st.median(ts):.2f} s, load {min(ls)}-{max(ls)}, n={len(v)}")
PY
rm -rf $OUT
