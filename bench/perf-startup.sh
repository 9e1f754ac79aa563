#!/bin/bash
# docs/PERFORMANCE.md "Start-up": one-shot commands against a Java hello world on the same JDK (the floor) and
# `slabtop -o` (a peer), with the launcher's AOT cache (JDK 25+) and without it (POOLTAG_NO_AOT=1: the class-data
# archive of older JDKs). Interleaved rounds (each round runs every command once, in an order rotated per round),
# so load that drifts during the run moves every command alike; the table gives per command the median wall time
# and the median CPU time (user + system of the process and its children), each also as a ratio to hello world.
# Usage (root, for poolused): bench/perf-startup.sh [RUNS [BEFORE]]   (RUNS rounds after 2 warm-up rounds, default
# 15; BEFORE: another checkout, e.g. a clone of main, whose ./pooltag runs the same commands in the same rounds)
set -eu
cd "$(dirname "$0")/.."
R=${1:-15}
. scripts/find-jdk.sh
jh=$(pick_java_home)
OUT=$(mktemp -d /var/tmp/pooltag-startup.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
F=../shared/fixtures/windows
[ -d $F ] || F=/work/shared/fixtures/windows
mkdir -p $OUT/hello && cat > $OUT/hello/Hello.java <<'J'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
J
"$jh/bin/javac" -d $OUT/hello $OUT/hello/Hello.java
./pooltag --version > /dev/null   # build and train first
B=${2:-}
if [ -n "$B" ]; then B=$(cd "$B" && pwd); "$B/pooltag" --version > /dev/null; fi
cat > $OUT/commands.tsv <<T
hello world (java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC Hello)	$jh/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp $OUT/hello Hello
slabtop -o	slabtop -o
./pooltag --version	./pooltag --version
./pooltag poolused 4	./pooltag poolused 4
./pooltag tags --pooltag F Ntfs	./pooltag tags --pooltag $F/pooltag-excerpt-2.txt Ntfs
./pooltag diff OLD NEW	./pooltag diff $F/poolused-2.txt $F/poolused-3.txt
--version, no AOT cache	env POOLTAG_NO_AOT=1 ./pooltag --version
poolused 4, no AOT cache	env POOLTAG_NO_AOT=1 ./pooltag poolused 4
T
if [ -n "$B" ]; then
  cat >> $OUT/commands.tsv <<T
before: ./pooltag --version	$B/pooltag --version
before: ./pooltag poolused 4	$B/pooltag poolused 4
before: ./pooltag tags --pooltag F Ntfs	$B/pooltag tags --pooltag $F/pooltag-excerpt-2.txt Ntfs
before: ./pooltag diff OLD NEW	$B/pooltag diff $F/poolused-2.txt $F/poolused-3.txt
T
fi
echo "# $(date -u +%FT%TZ) JDK $(major_of "$jh"), $(nproc) CPUs; $(git log -1 --format=%h)${B:+ against $B at $(git -C "$B" log -1 --format=%h)}; load $(cut -d' ' -f1-3 /proc/loadavg); $R interleaved rounds after 2 warm-up rounds"
python3 - "$R" 2 $OUT/commands.tsv <<'PY'
import os, shlex, subprocess, sys, time, statistics as st
rounds, warm = int(sys.argv[1]), int(sys.argv[2])
spec = [l.rstrip("\n").split("\t") for l in open(sys.argv[3]) if l.strip()]
wall = {n: [] for n, _ in spec}; cpu = {n: [] for n, _ in spec}
for r in range(warm + rounds):
    k = r % len(spec)
    for name, cmd in spec[k:] + spec[:k]:
        t0 = time.perf_counter()
        p = subprocess.Popen(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        w = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"{name}: exit status {p.returncode}: {err.decode(errors='replace')[:300]}")
        if r >= warm:
            wall[name].append(w); cpu[name].append(ru.ru_utime + ru.ru_stime)
h = spec[0][0]; hw = st.median(wall[h]); hc = st.median(cpu[h])
print("| command | wall median | vs hello | CPU median | vs hello |")
print("|---|---:|---:|---:|---:|")
for name, _ in spec:
    w, c = st.median(wall[name]), st.median(cpu[name])
    print(f"| {name} | {w*1000:,.0f} ms | {w/hw:.2f}× | {c*1000:,.0f} ms | {c/hc:.2f}× |")
PY
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
