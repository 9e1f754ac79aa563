#!/bin/bash
# A hunt beside another process freeing objects it made before the hunt (docs/LEDGER.md, "Ranking"): for each kind,
# an "older" corpus child makes N objects at once and holds them; a 6 s hunt starts; with MODE=leak a second child of
# the same kind leaks 200/s from 0.3 s after tracing began, and the older child exits 1.5 s later (its objects are
# freed: unpaired frees, and /proc/slabinfo falls); with MODE=none nothing leaks and the older child exits 3 s in.
# Prints per run: leak_found, unpaired frees, and the rank-1 finding (pid, cause, cause tag, confidence, leak), and
# for MODE=leak whether it is the leaker's.
# Usage (root): bench/corpus/older-frees.sh MODE [N] [KINDS...]    e.g. bench/corpus/older-frees.sh leak 3000 epoll sem
set -u
cd "$(dirname "$0")/../.."
MODE=${1:?MODE: leak or none}; N=${2:-3000}; [ $# -ge 2 ] && shift 2 || shift $#
KINDS=${*:-"epoll sem pipe msg"}
. bench/tracefs.sh
LEAKER=$(bench/corpus/leaker.sh)
OUT=$(mktemp -d /var/tmp/pooltag-older.XXXXXX)
trap 'exec 7>&- 8>&-; wait 2>/dev/null; tracefs_release; rm -rf $OUT' EXIT
echo "# $(date -u +%FT%TZ) mode $MODE, $N older objects; load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in $KINDS; do
  mkfifo $OUT/older $OUT/leak
  $LEAKER $k $N 100000 < $OUT/older > $OUT/older.out & op=$!
  exec 7> $OUT/older
  until grep -q READY $OUT/older.out || ! kill -0 $op 2>/dev/null; do sleep 0.02; done
  echo GO >&7
  until grep -q DONE $OUT/older.out || ! kill -0 $op 2>/dev/null; do sleep 0.02; done
  lp=-1
  if [ "$MODE" = leak ]; then
    $LEAKER $k 1499 200 < $OUT/leak > $OUT/leak.out 7>&- & lp=$!
    exec 8> $OUT/leak
    until grep -q READY $OUT/leak.out || ! kill -0 $lp 2>/dev/null; do sleep 0.02; done
  fi
  ./pooltag hunt --duration 6s --json > $OUT/h.json 2> $OUT/h.err 7>&- 8>&- & hp=$!
  until [ "$(cat $T/instances/pooltag-$hp-*/tracing_on 2>/dev/null)" = 1 ] || ! kill -0 $hp 2>/dev/null; do sleep 0.02; done
  if [ "$MODE" = leak ]; then sleep 0.3; echo GO >&8; sleep 1.5; else sleep 3; fi
  exec 7>&-; wait $op
  wait $hp
  [ "$MODE" = leak ] && { exec 8>&-; wait $lp; }
  python3 - "$OUT/h.json" "$k" "$lp" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); kind, lp = sys.argv[2], int(sys.argv[3])
f = r['findings'][0] if r['findings'] else None
top = f and '%s %s %s %.2f %s' % (f['pid'], f['cause'], f['cause_tag'], f['confidence'], 'LEAK' if f['leak'] else '-')
mine = '' if lp < 0 else (' | rank 1 is the leaker' if f and f['pid'] == lp and f['leak'] else ' | MISSED')
print('%-6s leak_found %-5s unpaired %6d | rank 1: %s%s' % (kind, r['leak_found'], r['loss']['unpaired_frees'], top, mine))
PY
  rm -f $OUT/older $OUT/leak
done
