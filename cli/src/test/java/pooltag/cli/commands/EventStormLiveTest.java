package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import pooltag.cli.Main;
import pooltag.engine.testkit.Live;
import pooltag.linux.tracefs.CpuStats;
import pooltag.linux.tracefs.Tracefs;
import pooltag.linux.tracefs.TracefsInstance;

/**
 * Issue 13 item 6, live: bounded memory under an event storm. {@code pooltag mon --trace --batch} runs as a child JVM
 * with an explicit heap ({@code -Xmx}) and an explicit small cap ({@code --max-outstanding 200k}) for 60 s while a C
 * child ({@code leaks/storm.c}) creates empty files in a private tmpfs as fast as it can and keeps them: each file is a
 * dentry, a tmpfs inode and its LSM blob, so millions of long-lived kernel allocations (the tmpfs's
 * {@code nr_inodes=2000000} bounds the kernel memory at ~2 GB; when full the child unlinks its oldest and goes on).
 * The pooltag child's RSS ({@code VmRSS}) is sampled every 200 ms.
 *
 * <p>The bound: {@code peak RSS <= Xmx + JVM_OVERHEAD}, with {@code Xmx = page pool + LEDGER_HEAP}. The page pool
 * ({@code max(64, online CPUs x 4096)} 4 KiB pages: 32 MiB on 2 CPUs) is made of heap {@code byte[]} pages, so it
 * lives inside {@code -Xmx}; {@code LEDGER_HEAP} (96 MiB) holds the capped ledger (200k slots) and the decode tables.
 * {@code JVM_OVERHEAD} is what lies outside the heap (code cache, metaspace, GC structures, thread stacks, libc
 * arenas): measured at 71 MiB as the peak RSS of the same command with {@code -Xmx128m -Xms128m -XX:+AlwaysPreTouch}
 * (heap all resident) minus 128 MiB, doubled for the storm's JIT and GC work: 144 MiB.
 * It must exit 0, print a non-zero {@code evicted outstanding} loss, and leave neither tmpfs, children nor
 * tracefs instance behind, whatever happens (the finally block stops both children, unmounts, removes the instance).
 *
 * <p>Measured on 2 online CPUs (a shared, busy machine) with {@code
 * mvn -o -q -B verify -pl cli -am -Dtest=EventStormLiveTest -Dsurefire.failIfNoSpecifiedTests=false} (as root):
 * the child made 1,352,704 files in 55 s (24,595/s); mon's ledger counted exactly 1,352,704 shmem_inode_cache
 * allocations (0 lost events); 4,450,000 allocations evicted while still outstanding (pushed out by newer ones past
 * the 200k cap), 426,638 unpaired frees (frees of evicted allocations among them); peak RSS 143 MiB with
 * {@code -Xmx128m} (bound 272 MiB); exit 0. Three runs: peak RSS 134, 147, 143 MiB.
 * The storm starts only when mon has printed snapshot 1 (its session is tracing by then); an earlier version that
 * slept 3 s instead missed the first ~6k files on a loaded machine.
 */
class EventStormLiveTest {
    static final int SECONDS = 60;
    /**
     * The storm's length: it ends this long before mon's snapshot 2, which must count all of it. From 2026-11-30 to
     * 2026-12-01 the count came out exactly one event short in about one run in eight (3,337,215 of 3,337,216; and
     * 3,499,007 of 3,499,008 in 25 scripted runs, 3 of them short) while the closing line counted no event lost: the
     * kernel had stranded it. Its reader, asked again at once after a partial page, can recycle a page the writer
     * committed to and left meanwhile, events and all; only the buffer's {@code entries} still counts them after the
     * drain (16 on cpu0 in the short run above, 1 to 31 events in a quarter of the runs). Now the reader waits after a
     * partial page and the closing line counts what the kernel still holds after the drain as lost
     * ({@code left unread in the kernel's buffer}; docs/ENGINE.md). A shortfall prints when the storm ran against the
     * snapshot, and what an independent tracefs instance counted ({@link #kernelWitness}): at {@code created}, the
     * event reached the kernel's buffers; short too, the kernel never traced it.
     */
    static final int STORM_SECONDS = SECONDS - 10;
    static final long MIB = 1 << 20;
    static final long LEDGER_HEAP = 96 * MIB;
    /** Measured non-heap RSS of this command (71 MiB), doubled: see the class comment. */
    static final long JVM_OVERHEAD = 144 * MIB;
    static final Pattern EVICTED = Pattern.compile("(\\d+) evicted outstanding");
    static final String CACHE_ALLOC = "kmem/kmem_cache_alloc";

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void rssStaysUnderTheCapAndTheEvictionsAreReported() throws Exception {
        Live.assumeLive();
        long pageSize = 4096; // the pool's page is the kernel's ring-buffer page: 4 KiB on x86-64 and arm64 (4K)
        long poolBytes = Math.max(64, onlineCpus() * 4096L) * pageSize;
        long xmx = poolBytes + LEDGER_HEAP;
        long bound = xmx + JVM_OVERHEAD;

        Path storm = compileStorm();
        Path mnt = Files.createDirectory(tmp.resolve("tmpfs"));
        assertEquals(0, MonBatchLiveTest.run("mount", "-t", "tmpfs", "-o", "size=16m,nr_inodes=2000000,mode=0700",
                "pooltag-storm", mnt.toString()));
        Process mon = null;
        Process child = null;
        TracefsInstance witness = null;
        try {
            mon = new ProcessBuilder(ServerCommandsProcessTest.java(), "-Xmx" + (xmx / MIB) + "m", "-Xms16m",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "mon", "--trace", "--batch", "--count", "2", "--interval", String.valueOf(SECONDS),
                    "--top", "5", "--max-outstanding", "200k")
                    .redirectErrorStream(true).start();
            Process m = mon;
            CountDownLatch tracing = new CountDownLatch(1); // mon prints snapshot 1 once its session is tracing
            CompletableFuture<String> monOut =
                    CompletableFuture.supplyAsync(() -> readAll(m, " Snapshot 1 of 2", tracing));
            AtomicLong peak = new AtomicLong();
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (m.isAlive()) {
                    peak.accumulateAndGet(rss(m.pid()), Math::max);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            assertTrue(tracing.await(60, TimeUnit.SECONDS), "mon printed no first snapshot: " + monOut.getNow(""));
            long snapshot1Seen = System.nanoTime();
            witness = kernelWitness();
            child = new ProcessBuilder(storm.toString(), mnt.toString(), String.valueOf(STORM_SECONDS))
                    .redirectErrorStream(true).start();
            long stormStarted = System.nanoTime();
            Process c = child;
            CompletableFuture<String> childOut = CompletableFuture.supplyAsync(() -> readAll(c, null, null));
            // Its exit, not the end of its output: the reader may run late (a common-pool task).
            assertTrue(child.waitFor(SECONDS + 30, TimeUnit.SECONDS), "the storm did not end");
            long stormEnded = System.nanoTime();
            long witnessed = witnessed(witness);
            String stormReport = childOut.get(SECONDS + 30, TimeUnit.SECONDS);
            assertEquals(0, child.exitValue(), stormReport);
            // When the storm ran, against mon's snapshot 2 at about +SECONDS after snapshot 1 was read: a count short by
            // a few events at a storm that ended close to it is the ledger's publishing lag, far from it a lost event.
            String timing = String.format(java.util.Locale.ROOT, "storm from +%.2f s to +%.2f s after snapshot 1 was"
                    + " read (snapshot 2 due at +%d s)", (stormStarted - snapshot1Seen) / 1e9,
                    (stormEnded - snapshot1Seen) / 1e9, SECONDS);
            // The kernel's own count from a second instance, independent of pooltag's reading: a shortfall with the
            // witness at `created` is pooltag's; with the witness short too, the kernel traced fewer than the storm made.
            timing += String.format(java.util.Locale.ROOT, "; an independent instance counted %d shmem_inode_cache"
                    + " allocations while the storm ran", witnessed);
            stormReport = stormReport + timing + "\n";
            String out = monOut.get(SECONDS + 30, TimeUnit.SECONDS);
            assertTrue(mon.waitFor(30, TimeUnit.SECONDS), "mon did not end: " + out);
            sampler.join(1000);
            Matcher cr = Pattern.compile("created (\\d+)").matcher(stormReport);
            assertTrue(cr.find(), stormReport);
            long created = Long.parseLong(cr.group(1));
            long evicted = 0;
            Matcher e = EVICTED.matcher(out);
            while (e.find()) {
                evicted = Math.max(evicted, Long.parseLong(e.group(1)));
            }
            System.out.printf("STORM: files %d in %d s (%.0f/s), pooltag peak RSS %d MiB (bound %d = Xmx %d + %d),"
                    + " evicted outstanding %d; %s%n%s%n", created, STORM_SECONDS, created / (double) STORM_SECONDS,
                    peak.get() / MIB, bound / MIB, xmx / MIB, JVM_OVERHEAD / MIB, evicted, timing, out);
            assertEquals(0, mon.exitValue(), out);
            assertTrue(instancesOf(mon.pid()).isEmpty(), "mon left its tracefs instance behind");
            assertTrue(created >= 1_000_000, "the storm made only " + created + " files: not millions\n" + stormReport);
            // Every file's tmpfs inode is an allocation the ledger must have seen, or a counted lost event.
            Matcher shmem = Pattern.compile("(?m)^ shmem_inode_cache\\s+\\S+\\s+(\\d+)\\s").matcher(
                    out.substring(out.indexOf(" Snapshot 2 of 2")));
            Matcher lost = Pattern.compile("(\\d+) lost events").matcher(out);
            long lostEvents = 0;
            while (lost.find()) {
                lostEvents = Math.max(lostEvents, Long.parseLong(lost.group(1)));
            }
            assertTrue(shmem.find(), "no shmem_inode_cache row in snapshot 2:\n" + out);
            long shmemAllocs = Long.parseLong(shmem.group(1));
            // mon's closing line counts the whole run after the drain, with what the Loss line of snapshot 2 could
            // not know yet: the kernel's and pooltag's losses, the end-of-run reconciliation with the kernel's
            // read count (records handed over but never walked) and what the kernel still counts in its buffer after
            // the drain (events its reader stranded).
            Matcher summary = Pattern.compile("pooltag mon: trace: \\d+ events in \\d+ pages; lost by the kernel"
                    + " (\\d+), by pooltag's backlog (\\d+) \\(\\d+ pages\\), unaccounted for (\\d+), left unread in"
                    + " the kernel's buffer (\\d+);").matcher(out);
            assertTrue(summary.find(), "mon printed no closing trace line:\n" + out);
            lostEvents = Math.max(lostEvents, Long.parseLong(summary.group(1)) + Long.parseLong(summary.group(2))
                    + Long.parseLong(summary.group(3)) + Long.parseLong(summary.group(4)));
            if (shmemAllocs + lostEvents < created) {
                System.out.printf("STORM: SHORT BY %d: the ledger saw %d tmpfs inodes and %d lost events for %d files;"
                        + " %s%n", created - shmemAllocs - lostEvents, shmemAllocs, lostEvents, created, timing);
            }
            assertTrue(shmemAllocs + lostEvents >= created, "the ledger saw " + shmemAllocs
                    + " tmpfs inodes and " + lostEvents + " lost events for " + created + " files; " + timing + "\n"
                    + out);
            assertTrue(evicted > 0, "no evicted outstanding loss printed under a 200k cap:\n" + out);
            assertTrue(peak.get() > 0 && peak.get() <= bound,
                    "peak RSS " + peak.get() / MIB + " MiB over the bound " + bound / MIB + " MiB");
        } finally {
            stop(child);
            if (witness != null) {
                witness.close(); // its filter, its event and the instance itself
            }
            stop(mon);
            MonBatchLiveTest.run("umount", "-l", mnt.toString());
            if (mon != null) {
                removeInstancesOf(mon.pid()); // only on failure: the assertion above saw none after a clean exit
            }
        }
    }

    /**
     * A second tracefs instance that counts the storm's tmpfs inodes in the kernel, apart from pooltag: only
     * {@code kmem_cache_alloc} with the filter {@code name == "shmem_inode_cache"}, never read. Its buffer overwrites, so
     * {@code entries + overrun} over the CPUs is every event the kernel wrote into it, whatever the buffer's size (1 MiB).
     */
    static TracefsInstance kernelWitness() {
        TracefsInstance w = TracefsInstance.create(Tracefs.locate(),
                Tracefs.INSTANCE_PREFIX + "stormwitness-" + ProcessHandle.current().pid());
        try {
            w.setTracingOn(false);
            w.setBufferSizeKb(1024);
            w.setOverwrite(true);
            w.setFilter(CACHE_ALLOC, "name == \"shmem_inode_cache\"");
            w.enableEvent(CACHE_ALLOC);
            w.setTracingOn(true);
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** Stops the witness and sums what its kernel buffers were written: events in them plus those overwritten. */
    static long witnessed(TracefsInstance w) {
        w.setTracingOn(false);
        long n = 0;
        for (int c = 0; c < w.cpuCount(); c++) {
            CpuStats s = w.cpuStats(c);
            n += s.entries() + s.overrun();
        }
        return n;
    }

    static long onlineCpus() throws IOException {
        long n = 0;
        for (String part : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
            String[] r = part.split("-");
            n += r.length == 1 ? 1 : Long.parseLong(r[1]) - Long.parseLong(r[0]) + 1;
        }
        return n;
    }

    /** VmRSS of a process in bytes, 0 once it is gone. */
    static long rss(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone between isAlive and the read
        }
        return 0;
    }

    /** Everything a process prints; counts {@code seen} down at the first line that starts with {@code mark}. */
    static String readAll(Process p, String mark, CountDownLatch seen) {
        StringBuilder sb = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                sb.append(l).append('\n');
                if (mark != null && l.startsWith(mark)) {
                    seen.countDown();
                }
            }
        } catch (IOException e) {
            sb.append("(read failed: ").append(e).append(")\n");
        }
        return sb.toString();
    }

    Path compileStorm() throws Exception {
        Path src = tmp.resolve("storm.c");
        try (var in = EventStormLiveTest.class.getResourceAsStream("/leaks/storm.c")) {
            Files.copy(in, src);
        }
        Path bin = tmp.resolve("storm");
        assertEquals(0, MonBatchLiveTest.run("cc", "-O2", "-o", bin.toString(), src.toString()),
                "cc failed on leaks/storm.c");
        return bin;
    }

    static void stop(Process p) throws InterruptedException {
        if (p != null && p.isAlive()) {
            p.destroy(); // SIGTERM: mon's shutdown hook removes its tracefs instance
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** This child's tracefs instances: {@code pooltag-<pid>-<pidns>-<starttime>}. */
    static java.util.List<Path> instancesOf(long pid) throws IOException {
        Path dir = pooltag.cli.live.TracefsInstances.dir();
        if (!Files.isDirectory(dir)) {
            return java.util.List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("pooltag-" + pid + "-")).toList();
        }
    }

    static void removeInstancesOf(long pid) throws IOException {
        for (Path p : instancesOf(pid)) {
            try {
                Files.delete(p); // rmdir of an instance removes it with its events
            } catch (IOException e) {
                System.err.println("could not remove " + p + ": " + e);
            }
        }
    }
}
