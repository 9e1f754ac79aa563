#!/bin/bash
# Stopping is finishing (issue 11 item 7): N hunts (default 20), each stopped by SIGINT or SIGTERM at a random moment
# 0.3-8 s after it starts tracing, half in text and half in --json, while a pipe leak runs; each must exit 0 with its
# whole report (text: first line "Hunt over", last line the loss line; JSON: parses, with findings and loss). Then one
# hunt gets two SIGINTs: it must exit 130 and say "aborted". No instance may be left behind.
# Usage (root): bench/hunt-stop.sh [N]
set -u
# Job control: without it bash starts background commands with SIGINT ignored, the JVM then keeps it ignored
# (a nohup'ed process), and a SIGINT would not stop the hunt at all (pooltag says so on stderr).
set -m
cd "$(dirname "$0")/.."
N=${1:-20}
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
OUT=$(mktemp -d /var/tmp/pooltag-stop.XXXXXX)
LEAKER=$(bench/corpus/leaker.sh)
mkfifo $OUT/in; $LEAKER pipe 9000 100 < $OUT/in > $OUT/leak.out & lp=$!; exec 9> $OUT/in; sleep 0.5; echo GO >&9
ok=0
for i in $(seq 1 "$N"); do
  sig=$([ $((i % 2)) = 0 ] && echo TERM || echo INT); mode=$([ $((i % 4)) -lt 2 ] && echo text || echo json)
  args=(hunt --duration 60s); [ $mode = json ] && args+=(--json)
  ./pooltag "${args[@]}" > $OUT/o$i 2> $OUT/e$i & hp=$!
  until [ "$(cat $T/instances/pooltag-$hp-*/tracing_on 2>/dev/null)" = 1 ] || ! kill -0 $hp 2>/dev/null; do sleep 0.02; done
  d=$(python3 -c "import random; print(round(random.uniform(0.3, 8), 2))"); sleep "$d"
  kill -$sig $hp; ts=$(date +%s.%N); wait $hp; rc=$?; took=$(python3 -c "print(round($(date +%s.%N) - $ts, 1))")
  if [ $mode = text ]; then
    head -1 $OUT/o$i | grep -q "^Hunt over" && tail -1 $OUT/o$i | grep -q "Loss: " && full=yes || full=no
  else
    python3 -c "import json,sys; j=json.load(open('$OUT/o$i')); sys.exit(0 if 'findings' in j and 'loss' in j else 1)" 2>/dev/null && full=yes || full=no
  fi
  left=$(compgen -G "$T/instances/pooltag-$hp-*" > /dev/null && echo LEFT || echo none)
  # The signal must end the hunt (a hunt that ran its 60 s out would also have a full report).
  prompt=$(python3 -c "print('yes' if $took < 20 else 'no')")
  [ $rc = 0 ] && [ $full = yes ] && [ $left = none ] && [ $prompt = yes ] && ok=$((ok + 1))
  echo "hunt $i SIG$sig after ${d}s ($mode): exit $rc ${took}s after the signal, full report $full, $(wc -l < $OUT/o$i) lines, instance $left"
done
./pooltag hunt --duration 60s > $OUT/o2x 2> $OUT/e2x & hp=$!
until [ "$(cat $T/instances/pooltag-$hp-*/tracing_on 2>/dev/null)" = 1 ] || ! kill -0 $hp 2>/dev/null; do sleep 0.02; done
sleep 1; kill -INT $hp; sleep 0.05; kill -INT $hp; wait $hp; rc=$?   # apart: two pending SIGINTs would merge into one
sleep 1
echo "two SIGINTs: exit $rc; $(grep -h 'aborted' $OUT/e2x); instance $(compgen -G "$T/instances/pooltag-$hp-*" > /dev/null && echo LEFT || echo none)"
exec 9>&-; wait $lp 2>/dev/null
echo "# $ok of $N stopped hunts printed their full report and exited 0; load $(cut -d' ' -f1-3 /proc/loadavg)"
