#!/bin/bash
# What the kernel's side of tracing costs the workload, with the C floor (bench/pairfloor.c) as the tracer so that only
# the kernel's work moves (docs/PERFORMANCE.md "hunt, round 11"). Per repetition: fsbench untraced, then under pairfloor
# in each mode, the instance changed after pairfloor has enabled its events and before the workload starts:
#   plain   nothing more
#   null    the filter 'ptr != 0' on kfree (kfree(NULL) kept out of the ring buffer)
#   hot     a stacktrace trigger on kmalloc and kmem_cache_alloc naming fsbench's busiest call sites (what hunt armed
#           when they led)
#   cold    the same trigger naming functions fsbench never allocates from (the filter's cost alone)
# Prints per run: the workload's time, its ratio to the untraced run, pairfloor's CPU ticks during it, and the events
# pairfloor saw (stack records included).
# Usage (root): bench/kernel-side.sh [REPS] [MODES]   e.g. bench/kernel-side.sh 5 "plain null hot cold"
# Leaves nothing behind: triggers and filters come off before pairfloor removes its instance, on every exit.
set -u
cd "$(dirname "$0")/.."
REPS=${1:-5}; MODES=${2:-"plain null hot cold"}
. bench/tracefs.sh   # sets T
mkdir -p bench/target
FSB=bench/target/fsbench; PF=bench/target/pairfloor
[ -x $FSB ] && [ ! bench/fsbench.c -nt $FSB ] || cc -O2 -o $FSB bench/fsbench.c
[ -x $PF ] && [ ! bench/pairfloor.c -nt $PF ] || cc -O2 -pthread -o $PF bench/pairfloor.c
WD=$(mktemp -d /var/tmp/pooltag-kside.XXXXXX)
HOT='stacktrace if call_site.function == ext4_alloc_inode || call_site.function == __d_alloc || call_site.function == alloc_empty_file || call_site.function == security_inode_alloc || call_site.function == alloc_buffer_head || call_site.function == __es_insert_extent || call_site.function == security_file_alloc || call_site.function == radix_tree_node_alloc.constprop.0'
COLD='stacktrace if call_site.function == kthread_create_on_node || call_site.function == do_sys_poll || call_site.function == ksys_sync || call_site.function == kernel_clone || call_site.function == do_mount || call_site.function == init_dup || call_site.function == clone_mnt'
I=""; P=""; SET=""
undo() { # takes off what this script wrote into the instance, then stops pairfloor (which removes the instance)
  if [ -n "$I" ] && [ -d "$I" ]; then
    case "$SET" in
      null) echo 0 > $I/events/kmem/kfree/filter ;;
      hot|cold) for e in kmalloc kmem_cache_alloc; do echo "!$([ $SET = hot ] && echo "$HOT" || echo "$COLD")" \
                  > $I/events/kmem/$e/trigger; done ;;
    esac
  fi
  SET=""
  if [ -n "$P" ]; then kill -TERM $P 2>/dev/null; wait $P 2>/dev/null; fi
  # pairfloor removes its instance on exit; should that have failed (a file of it held open), remove it here
  if [ -n "$I" ] && [ -d "$I" ]; then rmdir "$I" 2>/dev/null || echo "bench: could not remove $I" >&2; fi
  P=""; I=""
}
trap 'undo; rm -rf $WD; tracefs_release' EXIT
trap 'exit 1' INT TERM
timed() { local s=$(date +%s.%N); $FSB 2 100000 $WD > /dev/null; echo "$(date +%s.%N) - $s" | bc; }
for rep in $(seq $REPS); do
  u=$(timed)
  for mode in $MODES; do
    # its own session: a Ctrl-C reaches this script's trap, which takes off what it wrote before pairfloor stops
    setsid $PF $T $(nproc) > $WD/pf.out 2>&1 & P=$!
    I=$T/instances/pairfloor-$P
    for i in $(seq 250); do
      grep -q "pairfloor: tracing" $WD/pf.out && break; kill -0 $P 2>/dev/null || break; sleep 0.02
    done
    if ! grep -q "pairfloor: tracing" $WD/pf.out; then
      echo "rep $rep $mode: pairfloor did not start: $(head -c 300 $WD/pf.out)"; undo; continue
    fi
    [ -d "$I" ] || I=$(ls -d $T/instances/pairfloor-* 2>/dev/null | head -1)
    SET=$mode
    case $mode in
      null) echo 'ptr != 0' > $I/events/kmem/kfree/filter ;;
      hot) for e in kmalloc kmem_cache_alloc; do echo "$HOT" > $I/events/kmem/$e/trigger; done ;;
      cold) for e in kmalloc kmem_cache_alloc; do echo "$COLD" > $I/events/kmem/$e/trigger; done ;;
    esac
    sleep 0.3
    c0=$(awk '{print $14+$15}' /proc/$P/stat); w=$(timed); c1=$(awk '{print $14+$15}' /proc/$P/stat)
    undo
    printf "rep %d %-5s untraced %.3f s traced %.3f s ratio %.3f pairfloor_cpu_ticks %d events %s\n" $rep $mode $u $w \
      $(echo "scale=4; $w / $u" | bc) $((c1 - c0)) "$(grep -o 'pairfloor: [0-9]* events' $WD/pf.out | cut -d' ' -f2)"
  done
done
echo "# instances after: $(ls $T/instances | tr '\n' ' ')"
