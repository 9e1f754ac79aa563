#!/bin/bash
# The tracer comparison of docs/PERFORMANCE.md in one command (issue 14 item 6). Per repetition, in an order rotated
# each repetition: the workload untraced, then under each tool. The workload is bench/fsbench.c (W workers x N rounds
# of create/write/fstat/unlink + pipe2/write/read: kmem events at the highest rate the CPUs give).
# Per run: workload time and its ratio to the untraced run of the same repetition; events seen and lost (the kernel's
# per-CPU stats and the tool's own count, where the tool has them); the tool's CPU (user+sys of all its processes,
# between the workload's start and end) and per million events; its peak RSS; its output file's size.
# Usage (root): bench/compare.sh [REPS] [W] [N] [TOOLS]
#   e.g. bench/compare.sh 5 2 100000 "record hunt tracecmd memleak bpftrace"   (recordread: record with
#   -Dpooltag.noSplice=true, its readers on read(2)+write(2) instead of splice(2); record4k and hunt4k: with
#   -Dpooltag.subbufKb=4, one-page sub-buffers; huntc1: hunt with the C1 compiler only; huntcold: hunt
#   without the merge path's warm-up before tracing (-Dpooltag.warmMerge=false); huntbase: the hunt of the
#   tree HUNT_BASE names; recordsmall: record with --buffer-kb 1408, trace-cmd's buffer; pairfloor and pairfloorq:
#   bench/pairfloor.c, a minimal pairing tracer in C, as a floor for hunt's CPU; jfloordecode, jfloorpair and
#   jfloorledger: pooltag's trace session under lighter consumers, in Java (bench/…/LiveFloor.java); jfloorinline:
#   pairfloor's one-thread design in Java (bench/…/InlineFloor.java); huntthp: hunt with
#   -XX:+UseTransparentHugePages; huntc2: hunt with the C2 compiler only, -XX:-TieredCompilation)
# bench/kernel-side.sh measures the kernel's side alone (stacks, filters) with pairfloor as the tracer.
# trace-cmd (Debian 3.1) runs only with bench/shim/eperm-noop.so (built here), memleak-bpfcc needs kernel headers
# (BCC_KERNEL_SOURCE, or BTF) and is reported as not runnable when it does not attach within 60 s.
# Leaves nothing behind: checks tracefs after each run (pooltag instances, top-level kmem events).
set -u
cd "$(dirname "$0")/.."
REPS=${1:-5}; W=${2:-2}; N=${3:-100000}; TOOLS=${4:-"record hunt tracecmd memleak bpftrace"}
# Each tool's CPU is measured by GNU time (start_timed): without it every run would report '-'.
[ -x /usr/bin/time ] || { echo "bench/compare.sh needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
OUT=$(mktemp -d /var/tmp/pooltag-compare.XXXXXX)
WD=$OUT/work; mkdir -p $WD
FSB=bench/target/fsbench
mkdir -p bench/target
[ -x $FSB ] && [ ! bench/fsbench.c -nt $FSB ] || cc -O2 -o $FSB bench/fsbench.c
PF=bench/target/pairfloor
[ -x $PF ] && [ ! bench/pairfloor.c -nt $PF ] || cc -O2 -pthread -o $PF bench/pairfloor.c
SHIM=bench/shim/eperm-noop.so
[ -f $SHIM ] || cc -shared -fPIC -O2 -o $SHIM bench/shim/eperm-noop.c -ldl
./pooltag --version > /dev/null   # build outside the measurement
. scripts/find-jdk.sh; find_java_home; JFLOOR_JAVA=$JAVA_PICKED/bin/java   # the launcher's JDK, for LiveFloor
load() { cut -d' ' -f1 /proc/loadavg; }
kmem_enabled() { cat $T/events/kmem/{kmalloc,kfree,kmem_cache_alloc,kmem_cache_free}/enable | tr -d '\n'; }
# CPU ticks (utime+stime) and summed VmHWM (kB) of every process in session $1
sess_cpu() { local s=0 p; for p in $(ps -e -o pid=,sid= | awk -v s="$1" '$2==s{print $1}'); do
  s=$((s + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $s; }
sess_hwm() { local s=0 p; for p in $(ps -e -o pid=,sid= | awk -v s="$1" '$2==s{print $1}'); do
  s=$((s + $(awk '/VmHWM/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $s; }
HZ=$(getconf CLK_TCK)
# measure SID: runs the workload, prints "time cpu_s hwm_kB load"
measure() {
  local sid=$1 l c0 c1 t h
  l=$(load); c0=$(sess_cpu "$sid"); t=$($FSB "$W" "$N" "$WD"); c1=$(sess_cpu "$sid"); h=$(sess_hwm "$sid")
  echo "$t $(echo "scale=2; ($c1 - $c0) / $HZ" | bc) $h $l"
}
clean_check() {
  local e; e=$(kmem_enabled)
  if [ "$e" != 0000 ]; then echo "!! top-level kmem events left enabled after $1 ($e): disabling" >&2
    for ev in kmalloc kfree kmem_cache_alloc kmem_cache_free; do echo 0 > $T/events/kmem/$ev/enable; done; fi
  ls $T/instances | grep -q "^pooltag-${2:-x}" && echo "!! pooltag instance left behind after $1" >&2
  return 0
}
# start_timed LOG CMD...: starts CMD in its own session under /usr/bin/time (its whole CPU, start to exit, including
# what happens after the workload: a JVM's start, trace-cmd's compression of its per-CPU files at the end); sets
# SID (the session: time's pid) and TPID (the tool's own pid, the child of time).
start_timed() {
  local log=$1; shift
  setsid /usr/bin/time -f '%U %S' -o "$log.time" "$@" > "$log.out" 2> "$log.err" & SID=$!
  local i; TPID=""
  for i in $(seq 1 200); do TPID=$(pgrep -P $SID | head -1); [ -n "$TPID" ] && break; sleep 0.01; done
  TPID=${TPID:-$SID}
}
# total CPU seconds of the last start_timed LOG, once it has exited
total_cpu() { awk 'NF==2{printf "%.2f", $1+$2; f=1} END{if(!f) printf "-"}' "$1.time" 2>/dev/null || echo -; }
wait_on() { local i; for i in $(seq 1 1200); do [ "$(cat $T/instances/pooltag-$1-*/tracing_on 2>/dev/null)" = 1 ] && return 0; kill -0 $1 2>/dev/null || return 1; sleep 0.05; done; return 1; }

run_untraced() { sync; echo "$($FSB "$W" "$N" "$WD") - - $(load) - - - - -"; }
# fields: time cpu hwm load events lost_kernel lost_tool file_bytes total_cpu
run_record() {
  sync; start_timed $OUT/rec ./pooltag record -o $OUT/rec.ptrec --duration 1h ${RECORD_EXTRA:-}
  wait_on $TPID || { echo "- - - - - - - - - not-started"; kill -TERM $TPID 2>/dev/null; wait $SID; return; }; sleep 1
  local m; m=$(measure $SID); kill -TERM $TPID; wait $SID
  local line; line=$(grep "pooltag: trace:" $OUT/rec.err)
  local ev lk lp; ev=$(sed -n 's/.*trace: \([0-9]*\) events.*/\1/p' <<<"$line"); lk=$(sed -n 's/.*lost by the kernel \([0-9]*\).*/\1/p' <<<"$line")
  lp=$(sed -n "s/.*backlog \([0-9]*\).*/\1/p" <<<"$line")
  # what record did after the stop (its spool compressed into the file), kept apart: the table counts the workload
  grep -o "spool [0-9,]* bytes.*after the stop[^;]*" $OUT/rec.err >> $OUT/record-after-stop.txt
  echo "$m ${ev:--} ${lk:--} ${lp:--} $(stat -c %s $OUT/rec.ptrec 2>/dev/null || echo -) $(total_cpu $OUT/rec)"; rm -f $OUT/rec.ptrec
  clean_check record $TPID
}
# record with its spooling readers on read(2)+write(2) instead of splice(2) (the A/B of docs/PERFORMANCE.md round 4)
run_recordread() { POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -Dpooltag.noSplice=true" run_record; }
run_hunt() {   # hunt prints its report only when it ends by itself: a duration longer than the workload
  sync; start_timed $OUT/hunt ${PT:-./pooltag} hunt --duration "${HUNT_S}s"
  wait_on $TPID || { echo "- - - - - - - - - not-started"; kill -TERM $TPID 2>/dev/null; wait $SID; return; }; sleep 1
  local m; m=$(measure $SID); wait $SID
  local line; line=$(grep "pooltag hunt: trace:" $OUT/hunt.err); echo "${PT:-./pooltag} ${POOLTAG_JAVA_OPTS:-}: $line" >> $OUT/hunt-trace.txt
  local ev lk lp; ev=$(sed -n 's/.*trace: \([0-9]*\) events.*/\1/p' <<<"$line"); lk=$(sed -n 's/.*lost by the kernel \([0-9]*\).*/\1/p' <<<"$line")
  lp=$(sed -n "s/.*backlog \([0-9]*\).*/\1/p" <<<"$line")
  echo "$m ${ev:--} ${lk:--} ${lp:--} - $(total_cpu $OUT/hunt)"
  clean_check hunt $TPID
}
# hunt reading the kernel's default one-page sub-buffers instead of 64 KiB ones (the A/B of PERFORMANCE.md round 5)
run_hunt4k() { POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -Dpooltag.subbufKb=4" run_hunt; }
run_recordsmall() { RECORD_EXTRA="--buffer-kb 1408" run_record; }
run_record4k() { POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -Dpooltag.subbufKb=4" run_record; }
# hunt with the C1 compiler only, as record runs (the JIT's share of a short hunt's CPU: PERFORMANCE.md round 6)
run_huntcold() { POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -Dpooltag.warmMerge=false" run_hunt; }
run_huntc1() { POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -XX:TieredStopAtLevel=1" run_hunt; }
# hunt with its Java heap on transparent huge pages (madvise: the launcher's SerialGC heap; the page pool and the
# outstanding table live there): fewer TLB misses on the merge thread's random probes
run_huntthp() { POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -XX:+UseTransparentHugePages" run_hunt; }
run_huntc2() { POOLTAG_JAVA_OPTS="${POOLTAG_JAVA_OPTS:-} -XX:-TieredCompilation" run_hunt; }
# hunt from another tree (HUNT_BASE=/path/to/a/built/copy, e.g. of main): before/after in the same repetitions
run_huntbase() { PT=${HUNT_BASE:?HUNT_BASE names the tree}/pooltag run_hunt; }
run_tracecmd() {
  sync; LD_PRELOAD=$PWD/$SHIM start_timed $OUT/tc trace-cmd record -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc \
      -e kmem:kmem_cache_free -o $OUT/tc.dat
  local pid=$TPID
  local i; for i in $(seq 1 600); do [ "$(kmem_enabled)" = 1111 ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
  [ "$(kmem_enabled)" = 1111 ] || { echo "- - - - - - - - - not-started"; kill -INT $pid 2>/dev/null; wait $SID; clean_check trace-cmd; return; }
  sleep 1; local m; m=$(measure $SID); kill -INT $pid; wait $SID; cat $OUT/tc.out $OUT/tc.err > $OUT/tc.log
  # the kernel's per-CPU stats trace-cmd saved at the end: "read events" = seen, overrun + dropped = lost;
  # trace-cmd's own count: its "CPU N: M events lost" lines
  trace-cmd report --stat -i $OUT/tc.dat > $OUT/tc.stat 2>/dev/null
  local ev lk lt; ev=$(awk '/^read events:/{s+=$3} END{print s+0}' $OUT/tc.stat)
  lk=$(awk '/^overrun:/{s+=$2} /^dropped events:/{s+=$3} END{print s+0}' $OUT/tc.stat)
  lt=$(awk '/events lost/{s+=$3} END{print s+0}' $OUT/tc.log)
  echo "$m $ev $lk $lt $(du -cb $OUT/tc.dat* 2>/dev/null | tail -1 | cut -f1) $(total_cpu $OUT/tc)"; rm -f $OUT/tc.dat*
  clean_check trace-cmd
}
# run_floor NAME LOG CMD...: a yardstick that prints "NAME: tracing" when it traces and, on SIGTERM, "NAME: N events,
# lost by the kernel K[, by the backlog B]" (pairfloor, LiveFloor, InlineFloor)
run_floor() {
  local name=$1 log=$OUT/$2; shift 2
  sync; start_timed $log "$@"
  local i; for i in $(seq 1 600); do grep -q "$name: tracing" $log.err 2>/dev/null && break; kill -0 $TPID 2>/dev/null || break; sleep 0.05; done
  grep -q "$name: tracing" $log.err || { echo "- - - - - - - - - not-started"; kill -TERM $TPID 2>/dev/null; wait $SID; return; }
  sleep 1; local m; m=$(measure $SID); kill -TERM $TPID; wait $SID
  local line; line=$(grep "$name: [0-9]* events" $log.err); echo "${FLOOR_TAG:-$name}: $line" >> $OUT/floors.txt
  local ev lk lp; ev=$(sed -n "s/.*$name: \([0-9]*\) events.*/\1/p" <<<"$line"); lk=$(sed -n 's/.*lost by the kernel \([0-9]*\).*/\1/p' <<<"$line")
  lp=$(sed -n 's/.*by the backlog \([0-9]*\).*/\1/p' <<<"$line")
  echo "$m ${ev:--} ${lk:--} ${lp:--} - $(total_cpu $log)"
  ls $T/instances | grep -q "^pairfloor-" && echo "!! pairfloor instance left behind" >&2
  clean_check "$name" $TPID
}
# bench/pairfloor.c: the least a live pairing tool does, in C (one thread reads, walks and pairs; no ordering, names,
# stacks or report), a yardstick for hunt's CPU; pairfloorq: the same with one reader thread per CPU handing pages to
# the pairing thread, as pooltag's readers do
run_pairfloor() { FLOOR_TAG=${PF_MODE:-inline} run_floor pairfloor pf $PF "$T" "$(nproc)" ${PF_MODE:-}; }
run_pairfloorq() { PF_MODE=handoff run_pairfloor; }
# bench/…/LiveFloor.java: pooltag's own session (readers, page pool, merge, decode, warm-up, hunt's buffer) driving
# less than hunt's consumer: jfloordecode reads each event's type and address, jfloorpair pairs as pairfloor.c does
# (in Java), jfloorledger runs pooltag's Ledger without publishing, stacks or ranking: hunt's CPU split live
run_jfloor() {
  [ -f bench/target/benchmarks.jar ] || { echo "- - - - - - - - - no-benchmarks.jar"; return; }
  FLOOR_TAG=$1 run_floor livefloor jf "$JFLOOR_JAVA" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED \
      -Dfloor.mode=$1 -cp bench/target/benchmarks.jar pooltag.bench.LiveFloor
}
run_jfloordecode() { run_jfloor decode; }
run_jfloorpair() { run_jfloor pair; }
run_jfloorledger() { run_jfloor ledger; }
# bench/…/InlineFloor.java: pairfloor.c's design in Java (one thread reads every CPU, walks, decodes and pairs in read
# order): the language's share, apart from pooltag's design
run_jfloorinline() {
  [ -f bench/target/benchmarks.jar ] || { echo "- - - - - - - - - no-benchmarks.jar"; return; }
  run_floor inlinefloor ji "$JFLOOR_JAVA" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED \
      -cp bench/target/benchmarks.jar pooltag.linux.kmem.InlineFloor
}
run_memleak() {
  sync; PYTHONUNBUFFERED=1 setsid memleak-bpfcc 3600 > $OUT/ml.log 2>&1 & local pid=$!
  local i; for i in $(seq 1 600); do grep -q Attaching $OUT/ml.log 2>/dev/null && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  grep -q Attaching $OUT/ml.log || { kill -TERM $pid 2>/dev/null; wait $pid; echo "- - - - - - - - - not-runnable:$(grep -m1 -io 'error[^ ]* [^ ]* [^ ]*\|fail[^ ]* [^ ]* [^ ]*' $OUT/ml.log | tr ' ' _)"; return; }
  sleep 1; local m; m=$(measure $pid); kill -TERM $pid; wait $pid
  echo "$m - - - - -"; clean_check memleak
}
run_bpftrace() {
  sync; BPFTRACE_MAP_KEYS_MAX=2000000 setsid bpftrace bench/kmemleak.bt > $OUT/bt.log 2>&1 & local pid=$!
  local i; for i in $(seq 1 600); do grep -q Attaching $OUT/bt.log 2>/dev/null && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  grep -q Attaching $OUT/bt.log || { wait $pid; echo "- - - - - - - - - not-runnable"; return; }
  sleep 1; local m; m=$(measure $pid); kill -INT $pid; wait $pid
  local lost; lost=$(grep -o "Lost [0-9]* events" $OUT/bt.log | awk '{s+=$2} END{print s+0}')
  echo "$m - - $lost - -"; clean_check bpftrace
}

echo "# $(date -u +%FT%TZ) bench/compare.sh $REPS $W $N \"$TOOLS\"; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# kernel $(uname -r); instances before: $(ls $T/instances | tr '\n' ' ')"
set -- $TOOLS; ALL=(untraced "$@")
for r in $(seq 1 "$REPS"); do
  # rotate the order each repetition
  k=$(( (r - 1) % ${#ALL[@]} )); ORDER=("${ALL[@]:$k}" "${ALL[@]:0:$k}")
  for tool in "${ORDER[@]}"; do
    [[ "$tool" = hunt* ]] && HUNT_S=$(python3 -c "print(int(max(20, 2.5 * ${LAST_UNTRACED:-10} + 5)))")
    res=$(run_$tool)
    echo "rep $r $tool $res" | tee -a $OUT/runs.txt
    [ "$tool" = untraced ] && LAST_UNTRACED=$(cut -d' ' -f1 <<<"$res")
  done
done
echo "# $(date -u +%FT%TZ) load after: $(cut -d' ' -f1-3 /proc/loadavg); instances after: $(ls $T/instances | tr '\n' ' ')kmem enables: $(kmem_enabled)"
python3 - $OUT/runs.txt <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
base = {r[1]: float(r[3]) for r in rows if r[2] == "untraced" and r[3] != "-"}
tools = []
for r in rows:
    if r[2] not in tools: tools.append(r[2])
def num(x):
    try: return float(x)
    except ValueError: return None
print("| tool | runs | workload time, median (min-max) | vs untraced, same rep: median (min-max) | events seen | lost: kernel | lost: tool's own | tool CPU during the run | CPU s per M events | tool CPU start to exit | peak RSS | file | load (1 min) |")
print("|---|---:|---|---|---|---|---|---|---|---|---|---|---|")
for t in tools:
    rs = [r for r in rows if r[2] == t]
    ok = [r for r in rs if num(r[3]) is not None]
    note = " ".join(sorted({r[12] for r in rs if len(r) > 12}))
    if not ok:
        print(f"| {t} | 0 | {note or 'did not run'} |  |  |  |  |  |  |  |  |  |  |"); continue
    ts = [float(r[3]) for r in ok]
    rat = [float(r[3]) / base[r[1]] for r in ok if r[1] in base]
    def rng(v, f="{:.0f}"):
        v = [x for x in v if x is not None]
        if not v: return "-"
        return f.format(st.median(v)) + ("" if len(v) == 1 else " (" + f.format(min(v)) + "-" + f.format(max(v)) + ")")
    ev = [num(r[7]) for r in ok]; lk = [num(r[8]) for r in ok]; lt = [num(r[9]) for r in ok]
    cpu = [num(r[4]) for r in ok]; hwm = [num(r[5]) / 1024 if num(r[5]) else None for r in ok]; fb = [num(r[10]) / 1e6 if num(r[10]) else None for r in ok]
    per = [c / (e / 1e6) for c, e in zip(cpu, ev) if c is not None and e]
    ld = [num(r[6]) for r in ok]
    tot = [num(r[11]) if len(r) > 11 else None for r in ok]
    print(f"| {t} | {len(ok)} | {rng(ts, '{:.2f}')} s | {rng(rat, '{:.2f}')}x | {rng(ev)} | {rng(lk)} | {rng(lt)} | {rng(cpu, '{:.2f}')} s | {rng(per, '{:.2f}')} | {rng(tot, '{:.2f}')} s | {rng(hwm)} MB | {rng(fb)} MB | {rng(ld, '{:.1f}')} |")
PY
[ -s $OUT/hunt-trace.txt ] && { echo "# hunt's trace line, per run:"; sed 's/^/#   /' $OUT/hunt-trace.txt; }
[ -s $OUT/record-after-stop.txt ] && { echo "# record after the stop, per run:"; sed 's/^/#   /' $OUT/record-after-stop.txt; }
echo "# raw runs: $OUT/runs.txt (rep tool time cpu_s hwm_kB load events lost_kernel lost_tool file_bytes total_cpu_s)"
rm -rf "$WD"
