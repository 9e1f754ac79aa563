#!/bin/bash
# docs/PERFORMANCE.md "Start-up": one-shot commands against a Java hello world on the same JDK (the floor), with the
# launcher's AOT cache (JDK 25+) and without it (POOLTAG_NO_AOT=1: the class-data archive of older JDKs).
# Usage (root, for poolused): bench/perf-startup.sh [RUNS]     needs hyperfine (apt-get install hyperfine)
set -eu
cd "$(dirname "$0")/.."
R=${1:-15}
. scripts/find-jdk.sh
jh=$(pick_java_home)
OUT=$(mktemp -d /var/tmp/pooltag-startup.XXXXXX)
F=../shared/fixtures/windows
[ -d $F ] || F=/work/shared/fixtures/windows
mkdir -p $OUT/hello && cat > $OUT/hello/Hello.java <<'J'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
J
"$jh/bin/javac" -d $OUT/hello $OUT/hello/Hello.java
./pooltag --version > /dev/null   # build and train first
echo "# $(date -u +%FT%TZ) JDK $(major_of "$jh"); load $(cut -d' ' -f1-3 /proc/loadavg); $R runs after 3 warm-ups"
hyperfine -N -w 3 -r "$R" --export-json $OUT/h.json \
  -n hello "$jh/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $OUT/hello Hello" \
  -n version "./pooltag --version" \
  -n "poolused 4" "./pooltag poolused 4" \
  -n tags "./pooltag tags --pooltag $F/pooltag-excerpt-2.txt Ntfs" \
  -n diff "./pooltag diff $F/poolused-2.txt $F/poolused-3.txt" \
  -n "version, no AOT" "env POOLTAG_NO_AOT=1 ./pooltag --version" \
  -n "poolused 4, no AOT" "env POOLTAG_NO_AOT=1 ./pooltag poolused 4" > $OUT/hyperfine.txt 2>&1
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - $OUT/h.json <<'PY'
import json, sys, statistics as st
r = json.load(open(sys.argv[1]))["results"]
h = r[0]; hm = st.median(h["times"]); hc = h["user"] + h["system"]
print(f"| command | wall median | vs hello | CPU user+sys (mean) | vs hello |")
print(f"|---|---:|---:|---:|---:|")
for x in r:
    m = st.median(x["times"]); c = x["user"] + x["system"]
    print(f"| {x['command']} | {m*1000:.0f} ms | {m/hm:.2f}x | {c*1000:.0f} ms | {c/hc:.2f}x |")
PY
rm -rf $OUT
