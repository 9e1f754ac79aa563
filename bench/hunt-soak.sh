#!/bin/bash
# Quiet when nothing leaks (issue 11 item 5): RUNS consecutive `pooltag hunt --duration 10 --json` with no leak
# running, cycling through six workloads that make kernel objects without leaking them: idle, mmap/munmap churn,
# file create/delete, fork/exit storm, page-cache fill (reading a large tree) and a JVM starting and stopping.
# Counts the hunts with any finding or suspect at confidence >= 0.8 (false positives) and checks the text verdict
# of one idle hunt says "No leak found". Prints one line per hunt with the load average (the machine is shared).
# Usage (root): bench/hunt-soak.sh [RUNS]      (default 50; about 12 s per hunt). RECORD=1 in the environment keeps
# each hunt's recording beside its report (hN.ptrec: 'pooltag hunt --from' ranks it again, offline).
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-50}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
. bench/tracefs.sh   # sets T: where tracefs is (mounted there when nowhere)
OUT=$(mktemp -d /var/tmp/pooltag-soak.XXXXXX)
WORK=(idle mmap files fork pagecache jvm)
workload() {   # $1 = name; runs ~14 s in the background in a session of its own, prints its pid
  # (its output goes to /dev/null: inheriting the $(...) pipe would make the caller wait the 14 s before the hunt)
  case $1 in
    idle) setsid sleep 14 > /dev/null 2>&1 & ;;
    mmap) setsid python3 -c '
import mmap, time
end = time.time() + 14
while time.time() < end:
    ms = [mmap.mmap(-1, 4096 * (1 + i % 7)) for i in range(64)]
    for m in ms: m.close()
    time.sleep(0.002)' > /dev/null 2>&1 & ;;
    # the soak ends each workload with SIGTERM to its session: the trap removes the folder then too
    files) setsid bash -c 'd=$(mktemp -d /var/tmp/pooltag-soak-files.XXXXXX); trap "exit" TERM INT; trap "rm -rf \"\$d\"" EXIT; end=$((SECONDS+14)); while [ $SECONDS -lt $end ]; do
             for i in $(seq 1 200); do echo x > $d/f$i; done; rm -f $d/f*; done; rmdir $d' > /dev/null 2>&1 & ;;
    fork) setsid bash -c 'end=$((SECONDS+14)); while [ $SECONDS -lt $end ]; do for i in $(seq 1 50); do /bin/true & done; wait; done' > /dev/null 2>&1 & ;;
    pagecache) setsid bash -c 'timeout 14 find /usr -xdev -type f -size -256k -print0 2>/dev/null | timeout 14 xargs -0 cat > /dev/null 2>&1' > /dev/null 2>&1 & ;;
    jvm) setsid bash -c "end=\$((SECONDS+14)); while [ \$SECONDS -lt \$end ]; do $J -version > /dev/null 2>&1; done" > /dev/null 2>&1 & ;;
  esac
  echo $!
}
fp=0
echo "# $(date -u +%FT%TZ) $RUNS hunts of 10 s; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$RUNS"); do
  w=${WORK[$(( (i - 1) % ${#WORK[@]} ))]}
  wp=$(workload "$w")
  rec=(); [ -n "${RECORD:-}" ] && rec=(--record $OUT/h$i.ptrec)
  ./pooltag hunt --duration 10s --json "${rec[@]}" > $OUT/h$i.json 2> $OUT/h$i.err
  kill -- -"$wp" 2>/dev/null; wait "$wp" 2>/dev/null
  l=$(cut -d' ' -f1 /proc/loadavg)
  r=$(python3 - "$OUT/h$i.json" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"ERROR no JSON ({e})"); sys.exit()
f = j.get("findings", [])
s = j.get("suspects", [])
mf = max((x["confidence"] for x in f), default=0)
ms = max((x["confidence"] for x in s), default=0)
top = f[0] if f else None
bad = "FALSE-POSITIVE" if mf >= 0.8 or ms >= 0.8 else "quiet"
def comm(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return "gone" if pid >= 0 else "many"
high = "; ".join(f"{x['cause']} {x['cause_tag']} {x['confidence']:.2f} pid {x['pid']} ({comm(x['pid'])})"
                 for x in f if x["confidence"] >= 0.8)
print(f"{bad} max finding {mf:.2f} max suspect {ms:.2f} top {top['cause'] + ' ' + top['cause_tag'] if top else '-'}"
      f" events {j['events']} lost {j['lost_events']}" + (f" | >= 0.8: {high}" if high else ""))
PY
)
  case $r in FALSE-POSITIVE*) fp=$((fp + 1));; esac
  echo "hunt $i ($w) load $l: $r"
done
./pooltag hunt --duration 4s > $OUT/idle.txt 2>/dev/null
grep -q "^No leak found" $OUT/idle.txt && echo "idle text verdict: $(grep '^No leak found' $OUT/idle.txt)" \
  || echo "idle text verdict: MISSING 'No leak found' ($(sed -n 4,6p $OUT/idle.txt | tr '\n' ' '))"
echo "# false positives (confidence >= 0.8): $fp of $RUNS; load at end $(cut -d' ' -f1-3 /proc/loadavg); output in $OUT"
