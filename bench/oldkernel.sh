#!/bin/bash
# pooltag live on an older kernel than the host's: boots Debian 12's Linux 6.1 (its linux-image .deb, unpacked, never
# installed) under QEMU with this machine's root shared over 9p, and runs this tree's jar there as root against that
# kernel: a hunt and a record while the corpus leaker makes pipes, then `hit` by cache name and by call site while
# it makes 300 more each time. No KVM is needed (TCG;
# the guest runs about ten times slower, so its event rates say nothing of pooltag's speed).
#
# Usage (root): bench/oldkernel.sh OUTDIR [PIPES]     e.g. bench/oldkernel.sh /var/tmp/k61 2000
# Needs: qemu-system-x86 and busybox-static (apt-get install qemu-system-x86 busybox-static), apt access to the
# kernel package, and the jar built (./pooltag --version). KPKG=linux-image-<version>-amd64-unsigned picks another
# kernel package of the configured archives (its modules must include 9p and virtio_pci); APT_OPTS passes options to
# apt-cache and apt-get, e.g. a private sources list for Debian 11's 5.10 without touching the system's:
#   APT_OPTS="-o Dir::Etc::SourceList=/var/tmp/apt510/sources.list -o Dir::Etc::SourceParts=/dev/null
#             -o Dir::State::Lists=/var/tmp/apt510/lists -o Dir::Cache=/var/tmp/apt510/cache"  (after apt-get $APT_OPTS update)
# OUTDIR gets: the guest's console (console.log), each command's stdout/stderr, the leaker's lines, the recording
# (pipes-<kernel>.ptrec), the kernel's kmem event formats (formats/), /proc/slabinfo and a listing of
# /sys/kernel/slab (name, link target, object_size, slab_size, reclaim_account).
#
# Seen here (2026-12-02, QEMU 7.2 TCG, JDK 25.0.3): the guest's JVM died now and then (3 of 5 hunts) with SIGSEGV
# (SEGV_ACCERR) or SIGILL (ILL_ILLOPN) in C1-compiled JDK code (String.indexOf) or a lambda, often before tracing
# started: freshly written JIT code mis-executed by the emulator, never seen on this or any real machine. Such a run
# writes hs_err_*.log into OUTDIR; the guest script runs that step again (up to 3 times) and says so.
set -u
cd "$(dirname "$0")/.."
O=$(realpath -m "${1:?usage: bench/oldkernel.sh OUTDIR [PIPES]}"); PIPES=${2:-2000}
command -v qemu-system-x86_64 > /dev/null || { echo "bench/oldkernel.sh needs qemu-system-x86 (apt-get install qemu-system-x86)" >&2; exit 2; }
BB=$(command -v busybox) || { echo "bench/oldkernel.sh needs busybox-static (apt-get install busybox-static)" >&2; exit 2; }
file -L "$BB" | grep -q "statically linked" || { echo "$BB is not static: apt-get install busybox-static" >&2; exit 2; }
JAR=$PWD/cli/target/pooltag.jar; [ -f "$JAR" ] || { echo "no $JAR: run ./pooltag --version first" >&2; exit 2; }
JAVA=${JAVA_HOME:-/nonexistent}/bin/java
[ -x "$JAVA" ] || JAVA=$(ls -d /usr/lib/jvm/*25*/bin/java /usr/lib/jvm/*2[1-9]*/bin/java 2>/dev/null | head -1)
[ -x "${JAVA:-}" ] || { echo "no JDK 21+ found under /usr/lib/jvm" >&2; exit 2; }
mkdir -p "$O/pkg" "$O/run"
if [ -z "${KPKG:-}" ]; then
  KVER=$(apt-cache ${APT_OPTS:-} depends linux-image-amd64 2>/dev/null | grep -o 'linux-image-[0-9][^ ]*-amd64' | head -1 | sed 's/^linux-image-//')
  [ -n "$KVER" ] || { echo "apt knows no linux-image-amd64 (Debian archives needed)" >&2; exit 2; }
  KPKG=linux-image-$KVER-unsigned
fi
KVER=${KPKG#linux-image-}; KVER=${KVER%-unsigned}
if [ ! -f "$O/pkg/$KVER/boot/vmlinuz-$KVER" ]; then
  (cd "$O/pkg" && apt-get ${APT_OPTS:-} download "$KPKG" > /dev/null 2>&1) || { echo "apt-get download $KPKG failed" >&2; exit 2; }
  dpkg-deb -x "$O"/pkg/"$KPKG"_*.deb "$O/pkg/$KVER"
  depmod -b "$O/pkg/$KVER" "$KVER"
fi
K=$O/pkg/$KVER
# initramfs: static busybox, the modules a 9p root needs (in load order), an init that mounts the host's root and
# runs the guest script in it
I=$O/pkg/initramfs; rm -rf "$I"; mkdir -p "$I/bin" "$I/mod" "$I/proc" "$I/sys" "$I/dev" "$I/host"
cp "$BB" "$I/bin/busybox"
# load order: modprobe's, dependencies first (it differs between 6.1 builds: virtio needs virtio_ring in 6.1.192)
MODS=""
for f in $(for top in virtio_pci 9pnet_virtio 9p; do modprobe -d "$K" -S "$KVER" --show-depends $top; done |
           awk '$1 == "insmod" && !seen[$2]++ {print $2}'); do
  m=$(basename "$f"); cp "$f" "$I/mod/$m"; MODS="$MODS $m"
done
[ -n "$MODS" ] || { echo "no 9p/virtio modules in $KPKG" >&2; exit 2; }
cat > "$I/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $MODS; do insmod /mod/\$m; done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host /host || { echo "9p mount failed"; poweroff -f; }
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp; mount -t tmpfs run /host/run
echo "guest up: \$(uname -r)"
chroot /host /bin/bash $O/run/guest.sh > /dev/console 2>&1
poweroff -f
EOF
chmod +x "$I/init"
(cd "$I" && find . | busybox cpio -o -H newc 2> /dev/null | gzip -1 > "$O/pkg/initramfs.gz")
LEAKER=$O/run/leaker; gcc -O2 -o "$LEAKER" cli/src/test/resources/leaks/leaker.c
cat > "$O/run/guest.sh" <<EOF
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
O=$O; cd /tmp
# the emulator's faults kill a JVM now and then (exit 134, hs_err_*.log): such a step is run again, up to 3 times
pt() { local rc i; for i in 1 2 3; do
  $JAVA -XX:ErrorFile=\$O/hs_err_%p.log -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -jar $JAR "\$@"; rc=\$?
  [ \$rc = 134 ] || return \$rc; echo "emulation fault, attempt \$i of 3: \$1" > /dev/console; done; return \$rc; }
left() { echo "instances left after \$1: \$(ls /sys/kernel/tracing/instances 2>/dev/null | wc -l)"; }
# leak COUNT RATE OUT: the leaker makes COUNT pipes at RATE/s from one second after a pooltag instance traces
leak() { rm -f /tmp/go; mkfifo /tmp/go
  ( exec 3>/tmp/go; for i in \$(seq 1 900); do I=\$(ls -d /sys/kernel/tracing/instances/pooltag-* 2>/dev/null | head -1)
     [ -n "\$I" ] && [ "\$(cat \$I/tracing_on 2>/dev/null)" = 1 ] && break; sleep 0.1; done; sleep 1; echo GO >&3
     sleep \$((\$1 / \$2 + 20)) ) &
  $LEAKER pipe \$1 \$2 < /tmp/go > \$3 2>&1 & }
echo "kernel \$(uname -r)"; uname -a > \$O/uname.txt
mkdir -p \$O/formats; mount -t tracefs nodev /sys/kernel/tracing
for e in /sys/kernel/tracing/events/kmem/*/; do [ -f \$e/format ] && cp \$e/format \$O/formats/\$(basename \$e); done
cp /sys/kernel/tracing/events/header_page /sys/kernel/tracing/events/header_event \$O/formats/
cat /proc/slabinfo > \$O/slabinfo.txt
for d in /sys/kernel/slab/*; do echo "\${d##*/} \$(readlink \$d || echo -) \$(cat \$d/object_size) \$(cat \$d/slab_size) \$(cat \$d/reclaim_account)"; done > \$O/slab-sysfs.txt
leak $PIPES 200 \$O/leaker-hunt.txt
pt hunt --duration 25 > \$O/hunt.txt 2> \$O/hunt.err; echo "hunt rc=\$?"; left hunt; wait
leak 600 100 \$O/leaker-record.txt
pt record -o \$O/pipes-$KVER.ptrec --duration 12 > \$O/record.txt 2> \$O/record.err; echo "record rc=\$?"; left record; wait
leak 300 100 \$O/leaker-hit-cache.txt
pt hit inode_cache --duration 8 > \$O/hit-cache.txt 2> \$O/hit-cache.err; echo "hit inode_cache rc=\$?"; left hit; wait
leak 300 100 \$O/leaker-hit.txt
pt hit alloc_pipe_info --duration 8 > \$O/hit-site.txt 2> \$O/hit-site.err; echo "hit alloc_pipe_info rc=\$?"; left hit; wait
EOF
rm -f "$O"/hs_err_*.log "$O"/pipes-*.ptrec
timeout 1800 qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m 4096 -nographic -no-reboot \
  -kernel "$K/boot/vmlinuz-$KVER" -initrd "$O/pkg/initramfs.gz" -append "console=ttyS0 quiet panic=-1" \
  -virtfs local,path=/,mount_tag=host,security_model=passthrough,multidevs=remap > "$O/console.log" 2>&1
grep -a -E "^(kernel|hunt|record|hit|instances)" "$O/console.log"
