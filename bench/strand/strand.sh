#!/usr/bin/env bash
# strand.sh [RUNS] [SECONDS]: does the kernel strand events in a ring buffer read like pooltag reads it? As root.
# Per run: the storm (cli/src/test/resources/leaks/storm.c: empty files in a private tmpfs, as fast as it can) starts
# stopped; two tracefs instances trace its pid with the four kmem events: A is read by reader.c, B (overwrite on) is
# never read. Both buffers are written by the same tracepoint calls, so A's written count (read + entries + overrun +
# dropped) equals B's; after the reader has drained A with tracing off, A's entries must be 0. "left" is what it is
# not: events the kernel counted into A and no read returned. Runs alternate reading at once after a partial page
# (pause=0, pooltag before 2026-12-01) and waiting first (pause=1). Leaves no instance, mount or process behind.
set -euo pipefail
runs=${1:-10}
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tracefs.sh"   # sets T: where tracefs is (mounted there when nowhere)
work=$(mktemp -d)
cleanup() {
  kill -KILL $(jobs -p) 2> /dev/null || true # an interrupted run's storm (perhaps stopped) and reader
  wait 2> /dev/null || true
  for x in A B; do
    i=$T/instances/pooltag-strand-$x-$$
    if [ -d "$i" ]; then
      echo 0 > "$i/tracing_on" || true
      for e in kmalloc kfree kmem_cache_alloc kmem_cache_free; do echo 0 > "$i/events/kmem/$e/enable" || true; done
      echo > "$i/set_event_pid" || true
      rmdir "$i" || true
    fi
  done
  mountpoint -q "$work/mnt" && umount -l "$work/mnt"
  rm -rf "$work"
}
trap 'cleanup; tracefs_release' EXIT
trap "exit 130" INT TERM
gcc -O2 -o "$work/storm" "$here/../../cli/src/test/resources/leaks/storm.c"
gcc -O2 -pthread -o "$work/reader" "$here/reader.c"
mkdir "$work/mnt"
total() { # events written into instance $1's buffer
  cat "$1"/per_cpu/cpu*/stats | awk -F': ' '/^(entries|overrun|commit overrun|dropped events|read events)/{s+=$2} END{print s}'
}
for r in $(seq "$runs"); do
  for pause in 0 1; do
    mountpoint -q "$work/mnt" && umount -l "$work/mnt"
    mount -t tmpfs -o size=16m,nr_inodes=2000000,mode=0700 pooltag-strand "$work/mnt"
    for x in A B; do
      i=$T/instances/pooltag-strand-$x-$$
      mkdir "$i"; echo 0 > "$i/tracing_on"; echo 8192 > "$i/buffer_size_kb"
    done
    A=$T/instances/pooltag-strand-A-$$ B=$T/instances/pooltag-strand-B-$$
    echo 0 > "$A/options/overwrite"; echo 1 > "$A/buffer_percent"; echo 1 > "$B/options/overwrite"
    sh -c 'kill -STOP $$; exec "$0" "$1" "$2"' "$work/storm" "$work/mnt" "$secs" > "$work/storm.out" &
    sp=$!
    sleep 0.3
    for i in "$A" "$B"; do
      echo "$sp" > "$i/set_event_pid"
      for e in kmalloc kfree kmem_cache_alloc kmem_cache_free; do echo 1 > "$i/events/kmem/$e/enable"; done
    done
    "$work/reader" "$A" "$(nproc)" "$pause" &
    rp=$!
    echo 1 > "$A/tracing_on"; echo 1 > "$B/tracing_on"
    kill -CONT "$sp"; wait "$sp"
    echo 0 > "$A/tracing_on"; echo 0 > "$B/tracing_on"
    sleep 0.2
    kill -TERM "$rp"; wait "$rp" || true
    left=$(cat "$A"/per_cpu/cpu*/stats | awk -F': ' '/^entries/{s+=$2} END{print s}')
    echo "run $r pause=$pause written A=$(total "$A") B=$(total "$B") left=$left $(tail -1 "$work/storm.out")"
    for i in "$A" "$B"; do
      for e in kmalloc kfree kmem_cache_alloc kmem_cache_free; do echo 0 > "$i/events/kmem/$e/enable"; done
      echo > "$i/set_event_pid"; rmdir "$i"
    done
  done
done
