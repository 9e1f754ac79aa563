#!/bin/bash
# docs/PERFORMANCE.md "hunt: time to a verdict": bcc memleak's view of the same 200/s pipe leak over time. Starts
# `memleak-bpfcc -T 10 1` (kernel allocators, top 10 stacks every 1 s, as shipped otherwise), starts the leak once
# memleak has attached, and prints, for every interval, the rank (by outstanding bytes) of the best stack that
# goes through the pipe code (alloc_pipe_info / create_pipe_files / do_pipe2) and what is rank 1.
# Usage (root): bench/perf-memleak-rank.sh [SECONDS]
set -u
cd "$(dirname "$0")/.."
S=${1:-12}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
KSRC=/var/tmp/bcc-ksrc
if [ ! -f $KSRC/include/linux/kconfig.h ]; then
  mkdir -p $KSRC && cp -rs /usr/src/linux-headers-6.1.0-50-common/. $KSRC/ && cp -rsf /usr/src/linux-headers-6.1.0-50-amd64/. $KSRC/
fi
OUT=$(mktemp -d /var/tmp/pooltag-mlrank.XXXXXX)
echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
PYTHONUNBUFFERED=1 BCC_KERNEL_SOURCE=$KSRC memleak-bpfcc -T 10 1 > $OUT/ml.log 2>&1 & mp=$!
until grep -q Attaching $OUT/ml.log || ! kill -0 $mp 2>/dev/null; do sleep 0.1; done
mkfifo $OUT/in
$(bench/corpus/leaker.sh) pipe 2000 200 < $OUT/in > $OUT/leak.out 2>&1 & lp=$!
exec 9> $OUT/in
until grep -q READY $OUT/leak.out; do sleep 0.05; done
echo go >&9; t0=$(date +%s)
sleep "$S"
kill -TERM $mp; wait $mp; exec 9>&-; kill $lp; wait $lp 2>/dev/null
python3 - $OUT/ml.log "$t0" <<'PY'
import re,sys,datetime
log,t0=sys.argv[1],int(sys.argv[2])
blocks=re.split(r"^\[(\d\d:\d\d:\d\d)\] Top \d+ stacks.*$", open(log).read(), flags=re.M)
day=datetime.datetime.fromtimestamp(t0)
for i in range(1,len(blocks),2):
    ts=blocks[i]; body=blocks[i+1]
    stacks=[]
    for m in re.finditer(r"(\d+) bytes in (\d+) allocations from stack\n((?:\t\t.*\n?)*)", body):
        stacks.append((int(m.group(1)),int(m.group(2)),m.group(3)))
    stacks.sort(key=lambda s:-s[0])
    h,mi,se=map(int,ts.split(":"))
    t=day.replace(hour=h,minute=mi,second=se).timestamp()-t0
    rank=next((k+1 for k,s in enumerate(stacks) if re.search(r"alloc_pipe_info|create_pipe_files|do_pipe2",s[2])),None)
    top=stacks[0] if stacks else None
    topf=(re.findall(r"\t([\w.]+)\+",top[2])[:4] if top else [])
    print(f"t={t:+.0f}s pipe stack rank {rank if rank else '>'+str(len(stacks))}; rank 1: {top[0] if top else 0} B in {top[1] if top else 0} allocs via {' <- '.join(topf)}")
PY
cp $OUT/ml.log bench-out/memleak-rank.log 2>/dev/null
rm -rf $OUT
