#!/bin/sh
# The "which pod leaks kernel memory" walk-through's two pods (README, docs/FLEET.md), on cgroup v1 or v2:
#   bench/pod-leak-demo.sh start   makes pod-leaky and pod-busy under this shell's memory cgroup; a child in pod-leaky
#                                  opens 200 pipes a second for 40 s and keeps them, one in pod-busy opens and closes
#                                  2,000 a second; prints both cgroup paths
#   bench/pod-leak-demo.sh stop    kills both children and removes both cgroups
# Root only (cgroup.procs). Nothing else on the machine is touched.
set -eu
state=${TMPDIR:-/tmp}/pooltag-pod-demo
# mountinfo: the optional fields (shared:N, master:N, ...) vary in number; the file system type is the field after
# the lone "-", the super options two after it.
mounted() { # mounted FSTYPE [CONTROLLER]: the mount point of the first such mount
    awk -v t="$1" -v c="${2:-}" '{ for (i = 7; i < NF && $i != "-"; i++) ;
        if ($(i + 1) == t && (c == "" || $(i + 3) ~ ("(^|,)" c "(,|$)"))) { print $5; exit } }' /proc/self/mountinfo
}
v2=0
memroot=$(mounted cgroup2)
if [ -n "$memroot" ] && grep -qw memory "$memroot/cgroup.controllers" 2>/dev/null; then
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    v2=1
else
    memroot=$(mounted cgroup memory)
    own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
fi
[ -n "$memroot" ] || { echo "no memory cgroup hierarchy mounted" >&2; exit 1; }
case "${1:-}" in
start)
    mkdir -p "$state"
    if [ "$v2" = 1 ] && ! grep -qw memory "$memroot$own/cgroup.subtree_control"; then
        # v2: a child cgroup has the memory controller (memory.stat, per-cgroup charging) only when its parent enables
        # it for its children. The kernel refuses that for a cgroup with processes of its own (other than the root):
        # then run this from a shell in a leaf cgroup of its own parent, e.g. a systemd-run --scope shell.
        if ! echo +memory > "$memroot$own/cgroup.subtree_control"; then
            echo "cannot enable the memory controller for the children of $own (cgroup v2 allows it only in a cgroup"\
                "without processes of its own; run from a shell whose cgroup has none, or from the root cgroup)" >&2
            exit 1
        fi
    fi
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
