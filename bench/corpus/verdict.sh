#!/bin/bash
# Time to a verdict for every corpus leak (issue 11 items 4 and 9): for each kind and round, start
# `pooltag hunt --duration D --json`, wait until it traces, start the leak 1 s later (RATE objects/s), and judge the
# report: the rank-1 finding must be the leaker's (its pid), named by the leak's syscall, at confidence >= 0.8.
# Prints one line per hunt and a summary per kind; keeps each report as $OUT/KIND-ROUND.json and, with RECORD=1 in
# the environment, the hunt's recording as KIND-ROUND.ptrec ('pooltag hunt --from' ranks it again, offline).
# Usage (root): bench/corpus/verdict.sh D ROUNDS RATE [KINDS...]
#   e.g. bench/corpus/verdict.sh 3 10 50        bench/corpus/verdict.sh 10 1 200 pipe msg
set -u
cd "$(dirname "$0")/../.."
D=${1:-3}; R=${2:-10}; RATE=${3:-200}; [ $# -ge 3 ] && shift 3 || shift $#  # fewer arguments: none is a kind
KINDS=${*:-"pipe unix udp tcp inotify fanotify epoll eventfd timerfd signalfd msg sem key mq memfd"}
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
OUT=$(mktemp -d /var/tmp/pooltag-verdict.XXXXXX)
. bench/corpus/lib.sh
trap 'leak_end; tracefs_release' EXIT
declare -A SYSCALL=([pipe]=pipe2 [unix]=socket [udp]=socket [tcp]=socket [inotify]=inotify_add_watch
  [fanotify]=fanotify_mark [epoll]=epoll_ctl [eventfd]=eventfd2 [timerfd]=timerfd_create [signalfd]=signalfd4
  [msg]=msgsnd [sem]=semget [key]=add_key [mq]=mq_open [memfd]=memfd_create)
echo "# $(date -u +%FT%TZ) hunt ${D}s, leak 1 s after tracing at ${RATE}/s, $R rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in $KINDS; do
  good=0
  for r in $(seq 1 "$R"); do
    leak_start $k $(( RATE * (D + 2) )) $RATE
    rec=(); [ -n "${RECORD:-}" ] && rec=(--record $OUT/$k-$r.ptrec)
    ./pooltag hunt --duration ${D}s --json "${rec[@]}" > $OUT/h.json 2> $OUT/h.err & hp=$!
    until [ "$(cat $T/instances/pooltag-$hp-*/tracing_on 2>/dev/null)" = 1 ] || ! kill -0 $hp 2>/dev/null; do sleep 0.02; done
    sleep 1; leak_go; t0=$(date +%s.%N); l=$(cut -d' ' -f1 /proc/loadavg)
    wait $hp; t1=$(date +%s.%N)
    leaker=$lp; leak_end  # leak_end forgets $lp
    v=$(python3 - $OUT/h.json $leaker ${SYSCALL[$k]} $t0 $t1 <<'PY'
import json, sys
f, pid, sc, t0, t1 = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
try:
    j = json.load(open(f))
except Exception as e:
    print(f"NO-JSON {e}"); sys.exit()
fs = j.get("findings", [])
mine = [(i + 1, x) for i, x in enumerate(fs) if x["pid"] == pid]
if not mine:
    print(f"MISS no finding of pid {pid}; top {fs[0]['cause'] + ' ' + fs[0]['cause_tag'] if fs else '-'}"); sys.exit()
rank, x = mine[0]
ok = rank == 1 and x["cause"] == sc and x["confidence"] >= 0.8
print(f"{'OK' if ok else 'BAD'} rank {rank} cause {x['cause']} tag {x['cause_tag']} conf {x['confidence']:.2f}"
      f" | leak start -> report {t1 - t0:.1f} s | events {j['events']} lost {j['lost_events']}")
PY
)
    cp $OUT/h.json $OUT/$k-$r.json
    case $v in OK*) good=$((good + 1));; esac
    echo "$k round $r load $l: $v"
  done
  echo "## $k: $good of $R at rank 1 with its syscall, confidence >= 0.8 (hunt ${D}s, ${RATE}/s)"
done
echo "# reports: $OUT/KIND-ROUND.json"
