#!/bin/sh
# The "which pod leaks kernel memory" walk-through's two pods (README, docs/FLEET.md), on cgroup v1 or v2:
#   bench/pod-leak-demo.sh start   makes pod-leaky and pod-busy under this shell's memory cgroup; a child in pod-leaky
#                                  opens 200 pipes a second for 40 s and keeps them, one in pod-busy opens and closes
#                                  2,000 a second; prints both cgroup paths
#   bench/pod-leak-demo.sh stop    kills both children and removes both cgroups
# Root only (cgroup.procs). Nothing else on the machine is touched.
set -eu
state=${TMPDIR:-/tmp}/pooltag-pod-demo
memroot=$(awk '$9 == "cgroup2" && $5 ~ /cgroup/ {print $5; exit}' /proc/self/mountinfo)
if [ -n "$memroot" ] && grep -qw memory "$memroot/cgroup.controllers" 2>/dev/null; then
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
else
    memroot=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ {print $5; exit}' /proc/self/mountinfo)
    own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
fi
[ -n "$memroot" ] || { echo "no memory cgroup hierarchy mounted" >&2; exit 1; }
case "${1:-}" in
start)
    mkdir -p "$state"
    for pod in pod-leaky pod-busy; do mkdir -p "$memroot$own/$pod"; done
    # each child joins its pod before it allocates anything: sh moves itself, then becomes python; neither keeps
    # this script's output open (a caller reading it, as in pods=$(... start), would wait for them)
    sh -c 'echo $$ > "$1/cgroup.procs"; exec python3 -c "$2"' sh "$memroot$own/pod-leaky" '
import os, resource, time
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
kept = []
end = time.time() + 40
while time.time() < end:
    for i in range(20):
        kept.append(os.pipe())
    time.sleep(0.1)
time.sleep(3600)' < /dev/null > /dev/null 2>&1 &
    echo $! > "$state/leaky.pid"
    sh -c 'echo $$ > "$1/cgroup.procs"; exec python3 -c "$2"' sh "$memroot$own/pod-busy" '
import os, time
end = time.time() + 600
while time.time() < end:
    for i in range(20):
        r, w = os.pipe(); os.close(r); os.close(w)
    time.sleep(0.01)' < /dev/null > /dev/null 2>&1 &
    echo $! > "$state/busy.pid"
    echo "$own/pod-leaky $own/pod-busy"
    ;;
stop)
    for p in leaky busy; do
        [ -f "$state/$p.pid" ] && kill "$(cat "$state/$p.pid")" 2>/dev/null || true
        rm -f "$state/$p.pid"
    done
    sleep 1
    for pod in pod-leaky pod-busy; do rmdir "$memroot$own/$pod" 2>/dev/null || true; done
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
