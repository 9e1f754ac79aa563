#!/bin/bash
# bcc memleak's ranking of the corpus leaks (issue 11 item 9), beside `bench/corpus/verdict.sh`: for each kind,
# `memleak-bpfcc -T 10 D 1` (kernel allocators, outstanding allocations older than its default 500 ms, top 10 stacks
# by outstanding bytes, one report after D seconds) runs while the leaker leaks RATE objects/s, started 1 s after
# memleak attached. Prints the rank of the best stack that goes through the leak's system call (memleak's unit is a
# stack, so that is its "rank of the leak"), and what is rank 1. Needs bpfcc-tools and the 6.1 headers package
# (memleak compiles its BPF program against kernel headers; see docs/PERFORMANCE.md "What it took to run the peers").
# Usage (root): bench/corpus/memleak-rank.sh D RATE [KINDS...]      e.g. bench/corpus/memleak-rank.sh 10 200
set -u
cd "$(dirname "$0")/../.."
D=${1:-10}; RATE=${2:-200}; [ $# -ge 2 ] && shift 2 || shift $#  # fewer arguments: none is a kind
KINDS=${*:-"pipe unix udp tcp inotify fanotify epoll eventfd timerfd signalfd msg sem key mq memfd"}
KSRC=/var/tmp/bcc-ksrc
if [ ! -f $KSRC/include/linux/kconfig.h ]; then
  mkdir -p $KSRC && cp -rs /usr/src/linux-headers-6.1.0-50-common/. $KSRC/ && cp -rsf /usr/src/linux-headers-6.1.0-50-amd64/. $KSRC/
fi
OUT=$(mktemp -d /var/tmp/pooltag-mlcorpus.XXXXXX)
. bench/corpus/lib.sh
trap 'leak_end; rm -rf $OUT' EXIT
declare -A SYSCALL=([pipe]=pipe2 [unix]=sys_socket [udp]=sys_socket [tcp]=sys_socket [inotify]=inotify_add_watch
  [fanotify]=fanotify_mark [epoll]=epoll_ctl [eventfd]=eventfd2 [timerfd]=timerfd_create [signalfd]=signalfd4
  [msg]=msgsnd [sem]=semget [key]=add_key [mq]=mq_open [memfd]=memfd_create)
echo "# $(date -u +%FT%TZ) memleak ${D}s, leak 1 s after attach at ${RATE}/s; load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in $KINDS; do
  leak_start $k $(( RATE * (D + 2) )) $RATE
  PYTHONUNBUFFERED=1 BCC_KERNEL_SOURCE=$KSRC memleak-bpfcc -T 10 $((D + 1)) 1 > $OUT/ml.log 2>&1 & mp=$!
  until grep -q Attaching $OUT/ml.log || ! kill -0 $mp 2>/dev/null; do sleep 0.1; done
  sleep 1; leak_go
  wait $mp; leak_end
  python3 - $OUT/ml.log $k ${SYSCALL[$k]} <<'PY'
import re, sys
log, kind, sc = sys.argv[1], sys.argv[2], sys.argv[3]
stacks = [(int(m.group(1)), int(m.group(2)), m.group(3)) for m in
          re.finditer(r"(\d+) bytes in (\d+) allocations from stack\n((?:\t\t.*\n?)*)", open(log).read())]
if not stacks:
    print(f"{kind}: memleak printed no stack ({open(log).read()[-200:]!r})"); sys.exit()
stacks.sort(key=lambda s: -s[0])
frames = lambda s: re.findall(r"\t\t\s*(?:0x[0-9a-f]+\s+)?\[?([\w.]+)", s[2])
rank = next((i + 1 for i, s in enumerate(stacks) if any(sc in f for f in frames(s))), None)
top = stacks[0]
print(f"{kind}: stack through {sc} at rank {rank if rank else '>' + str(len(stacks))} of {len(stacks)}; "
      f"rank 1: {top[0]} B in {top[1]} allocs via {' <- '.join(frames(top)[:4])}")
PY
done
