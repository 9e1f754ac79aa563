# Sourced by the corpus scripts (verdict.sh, memleak-rank.sh): one way to run a corpus leaker and to give back what
# it borrowed. Needs $OUT (a private directory).
#   leak_start KIND COUNT RATE   starts the leaker, waits for its READY; sets $lp; GO is sent by leak_go
#   leak_go                      starts the leak (RATE objects/s)
#   leak_end                     closes its stdin (it frees everything and exits), waits, restores queues_max
LEAKER=$(bench/corpus/leaker.sh)
MQ_QUEUES_MAX=/proc/sys/fs/mqueue/queues_max
mq_found=
# POSIX queues count against fs.mqueue.queues_max (256) unless the caller has CAP_SYS_RESOURCE, which root lacks on
# this machine: an mq leaker gets COUNT more for its run, so the leak grows for the whole hunt (as LeakChild does).
leak_start() {
  if [ "$1" = mq ]; then
    mq_found=$(cat $MQ_QUEUES_MAX); echo $((mq_found + $2 + 64)) > $MQ_QUEUES_MAX
  fi
  rm -f $OUT/in; mkfifo $OUT/in
  $LEAKER "$1" "$2" "$3" < $OUT/in > $OUT/leak.out & lp=$!
  exec 9> $OUT/in
  until grep -q READY $OUT/leak.out || ! kill -0 $lp 2>/dev/null; do sleep 0.02; done
}
leak_go() { echo GO >&9; }
leak_end() {
  exec 9>&-; [ -n "${lp:-}" ] && wait $lp 2>/dev/null; lp=
  if [ -n "$mq_found" ]; then echo $mq_found > $MQ_QUEUES_MAX; mq_found=; fi
}
