# Sourced by the bench scripts: sets T to where tracefs is mounted, as pooltag finds it (Tracefs.locate):
# /sys/kernel/tracing, else another tracefs mount (debugfs's /sys/kernel/debug/tracing). When tracefs is mounted
# nowhere it is mounted at /sys/kernel/tracing, as trace-cmd and pooltag mount it, and tracefs_release (run from the
# EXIT trap set here; a script that sets its own EXIT trap calls it from there) unmounts it again: a bench run leaves
# the mounts as it found them. Every tracefs mount shows the same instances, so any one of them serves.
TRACEFS_MOUNTED_HERE=0
tracefs_release() {
  if [ "$TRACEFS_MOUNTED_HERE" = 1 ]; then umount /sys/kernel/tracing 2>/dev/null && TRACEFS_MOUNTED_HERE=0; fi
  return 0
}
T=$(awk '$3 == "tracefs" { print $2 }' /proc/mounts | awk '$1 == "/sys/kernel/tracing" { p = $1 } NR == 1 { f = $1 }
  END { print (p != "" ? p : f) }')
if [ -z "$T" ] && [ -d /sys/kernel/debug ] && ls /sys/kernel/debug/tracing/instances > /dev/null 2>&1; then
  T=/sys/kernel/debug/tracing # debugfs's automount, made by the look above
fi
if [ -z "$T" ]; then
  mount -t tracefs nodev /sys/kernel/tracing || { echo "bench: cannot mount tracefs at /sys/kernel/tracing" >&2; exit 2; }
  T=/sys/kernel/tracing; TRACEFS_MOUNTED_HERE=1
fi
trap tracefs_release EXIT
