package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.cli.leaks.LeakChild;
import pooltag.engine.testkit.Live;
import pooltag.cli.render.Json;

/**
 * {@code hunt} and {@code find} on real kernel leaks made by child processes ({@link LeakChild}) at
 * 200 per second with distinctive counts, and on look-alikes that are not leaks. The children are killed after each
 * test (their exit frees everything), and no tracefs instance of this process is left behind.
 */
class HuntLiveTest {
    /** Allocations the hunt must see outstanding at least (a distinctive count, reached in 2.5 s). */
    static final int LEAKED = 499;
    /** The leaker keeps leaking at 200/s for 7.5 s, past the end of a 6 s hunt, as a real leak does. */
    static final int LEAK_TOTAL = 1499;
    static final double RATE = 200;

    private final List<LeakChild> children = new ArrayList<>();
    private final List<Process> others = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (LeakChild c : children) {
            c.close();
        }
        for (Process p : others) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Path mine = pooltag.cli.live.TracefsInstances.mine();
        assertTrue(!Files.exists(mine), "tracefs instance left behind: " + mine);
    }

    static void needsTracing() {
        Live.assumeLive();
        boolean ok = Files.isReadable(Path.of("/proc/slabinfo")) && Files.isReadable(Path.of("/proc/kallsyms"));
        if (!ok) {
            System.err.println("HuntLiveTest skipped: not root (slabinfo and kallsyms unreadable)");
        }
        assumeTrue(ok, "needs root");
    }

    /** Starts a corpus leaker ({@link LeakChild}) and returns once it is prepared; it leaks when {@link #go} is called. */
    private LeakChild leaker(String kind, int count) throws Exception {
        LeakChild c = LeakChild.start(kind, count, RATE);
        children.add(c);
        return c;
    }

    private static void go(LeakChild p) throws Exception {
        p.go();
    }

    /**
     * Waits until this process's tracefs instance is tracing (the session has loaded symbols, sized its buffers and
     * switched tracing on), then {@code afterMillis} more: a leak started before that would be invisible.
     */
    static void awaitTracing(long afterMillis) throws Exception {
        awaitTracing(pooltag.cli.live.TracefsInstances.mine(), afterMillis);
    }

    /** As {@link #awaitTracing(long)}, for the instance of another process (a child pooltag). */
    static void awaitTracing(Path instance, long afterMillis) throws Exception {
        // A new instance starts with tracing_on 1; the session turns it off, enables its events, and turns it on at
        // start: so an enabled kmalloc event ("1*" with a trigger) and tracing_on 1 mean tracing; tracing_on alone
        // can be the new instance's default, seen before the session turned it off (a leak started then was not
        // traced: CgroupHuntLiveTest's move was missed so, once in four runs).
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!(readOrEmpty(instance.resolve("events/kmem/kmalloc/enable")).startsWith("1")
                && readOrEmpty(instance.resolve("tracing_on")).equals("1"))) {
            assertTrue(System.nanoTime() < deadline, "tracing never started");
            Thread.sleep(20);
        }
        Thread.sleep(afterMillis);
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (java.io.IOException e) {
            return ""; // not made yet, or removed
        }
    }

    /** Runs {@code hunt --json} in-process; the leak starts {@code leakAfterMillis} after tracing began. */
    private JsonNode huntDuring(LeakChild leaker, String duration, long leakAfterMillis) throws Exception {
        CompletableFuture<CliRun> hunt = CompletableFuture.supplyAsync(() -> CliRun.of("hunt", "--duration", duration, "--json"));
        awaitTracing(leakAfterMillis);
        if (leaker != null) {
            go(leaker);
        }
        CliRun r = hunt.get(120, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        return Json.MAPPER.readTree(r.out());
    }

    static String frames(JsonNode suspect) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode st : suspect.get("stacks")) {
            for (JsonNode f : st.get("frames")) {
                sb.append(f.asText()).append(';');
            }
        }
        return sb.toString();
    }

    static String top(JsonNode report, int n) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (JsonNode f : report.get("findings")) {
            if (i++ >= n) {
                break;
            }
            sb.append(String.format("%n %d %s %s pid %d conf %.3f", i, f.get("cause").asText(),
                    f.get("cause_tag").asText(), f.get("pid").asLong(), f.get("confidence").asDouble()));
        }
        return sb.toString();
    }

    /**
     * The leaker's finding (matched by its pid: the test judges only its own child's objects, the machine is shared):
     * called a leak, named by the system call on its stacks, its cause tag one of the right tags, with at least
     * {@code count} outstanding over its members, at rank 1 among the findings this test's processes could have
     * made (another process's finding above it is printed, not judged). Returns it.
     */
    private static JsonNode assertRanked(JsonNode report, LeakChild child, List<String> rightTags, String syscall,
                                         int count) {
        JsonNode mine = null;
        int ownRank = 0;
        for (JsonNode f : report.get("findings")) {
            long pid = f.get("pid").asLong();
            if (pid == child.pid()) {
                mine = f;
                ownRank++;
                break;
            }
            if (pid >= 0 && ours(pid)) {
                ownRank++;
            }
        }
        assertTrue(mine != null, "no finding of the leaker (pid " + child.pid() + "):" + top(report, 8));
        assertEquals(1, ownRank, "a finding of this test's own processes outranks the leak:" + top(report, 8));
        assertTrue(mine.get("leak").asBoolean(), "the leak's finding is not called a leak:" + top(report, 8)
                + "\nits why: " + mine.get("why"));
        assertEquals(syscall, mine.get("cause").asText(), "cause:" + top(report, 8));
        assertTrue(rightTags.contains(mine.get("cause_tag").asText()), "cause tag " + mine.get("cause_tag") + top(report, 8));
        long outstanding = 0;
        for (JsonNode m : mine.get("members")) {
            outstanding = Math.max(outstanding, m.get("outstanding").asLong());
        }
        assertTrue(outstanding >= count, "outstanding " + outstanding);
        assertTrue(frames(mine).contains("do_syscall_64"), "no syscall stack: " + frames(mine));
        assertEquals(0, report.get("loss").get("lost_events").asLong(), "events lost");
        return mine;
    }

    /** A thread of this JVM or of one of its children (descendants). */
    static boolean ours(long pid) {
        long self = ProcessHandle.current().pid();
        if (Files.exists(Path.of("/proc", Long.toString(self), "task", Long.toString(pid)))) {
            return true;
        }
        return ProcessHandle.current().descendants().anyMatch(p -> p.pid() == pid
                || Files.exists(Path.of("/proc", Long.toString(p.pid()), "task", Long.toString(pid))));
    }

    /** Findings called leaks that this test's own processes made (its JVM's threads, its children). */
    private static List<String> ownLeaks(JsonNode report) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : report.get("findings")) {
            if (f.get("leak").asBoolean() && f.get("pid").asLong() >= 0 && ours(f.get("pid").asLong())) {
                out.add(f.get("cause").asText() + " " + f.get("cause_tag").asText() + " pid " + f.get("pid"));
            }
        }
        return out;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void pipesNeverClosedRankFirstWithPipe2OnTheStack() throws Exception {
        needsTracing();
        LeakChild p = leaker("pipe", LEAK_TOTAL);
        JsonNode r = huntDuring(p, "6s", 300);
        assertRanked(r, p, List.of("alloc_pipe_info", "alloc_empty_file", "security_file_alloc"), "pipe2", LEAKED);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void unixSocketsAreToldApartByTheirStackThoughTheirSitesAreGeneric() throws Exception {
        needsTracing();
        LeakChild p = leaker("unix", LEAK_TOTAL);
        JsonNode r = huntDuring(p, "6s", 300);
        // sk_prot_alloc, alloc_empty_file and __d_alloc serve every socket, file and name: the stack says socket(2).
        JsonNode s = assertRanked(r, p, List.of("sk_prot_alloc", "sock_alloc_inode", "alloc_empty_file",
                "security_file_alloc"), "socket", LEAKED);
        assertTrue(frames(s).contains("__sys_socket"), frames(s));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void inotifyWatchesNeverRemovedRankFirst() throws Exception {
        needsTracing();
        LeakChild p = leaker("inotify", LEAK_TOTAL);
        JsonNode r = huntDuring(p, "6s", 300);
        // inotify marks arrive under the merged cache name sigqueue on this kernel; the sites say what they are.
        assertRanked(r, p, List.of("fsnotify_add_mark_locked", "inotify_update_watch"), "inotify_add_watch", LEAKED);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void epollRegistrationsNeverRemovedRankFirst() throws Exception {
        needsTracing();
        LeakChild p = leaker("epoll", LEAK_TOTAL);
        JsonNode r = huntDuring(p, "6s", 300);
        assertRanked(r, p, List.of("do_epoll_ctl", "ep_ptable_queue_proc"), "epoll_ctl", LEAKED);
    }

    /**
     * Another process closes 3,000 epoll registrations it made before the hunt, 1.5 s into the leak: the kernel's
     * ep_head, eventpoll_epi and eventpoll_pwq counts fall by far more than the leak adds, through frees the trace
     * cannot pair. Before the ledger kept those frees per cache, this hunt called the leak "no leak" (confidence
     * 0.25: the /proc/slabinfo cross-check read the fall as a refutation); a CI run failed the same way at 0.50 while
     * other processes closed epoll files.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void anEpollLeakStaysFirstWhileAnotherProcessClosesOlderRegistrations() throws Exception {
        needsTracing();
        Beside b = leakWhileOlderObjectsAreFreed("epoll");
        JsonNode mine = assertRanked(b.report(), b.leaker(), List.of("do_epoll_ctl", "ep_ptable_queue_proc"),
                "epoll_ctl", LEAKED);
        assertTrue(mine.get("why").get("lines").toString().contains("made before the hunt and freed during it"),
                "the older objects' frees are not named: " + mine.get("why"));
    }

    /**
     * The kmalloc form: another process removes 3,000 SysV semaphore sets it made before the hunt while a semget
     * leak runs in the same kmalloc-cg-512. kfree names no cache, so the frees cannot be charged to it; their
     * addresses can be its objects' and they explain the kernel's fall, so the cross-check is inconclusive (x0.80)
     * instead of a refutation (before: confidence 0.25, "no leak").
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aSemaphoreLeakStaysALeakWhileAnotherProcessRemovesOlderSets() throws Exception {
        needsTracing();
        Beside b = leakWhileOlderObjectsAreFreed("sem");
        JsonNode mine = assertRanked(b.report(), b.leaker(), List.of("newary"), "semget", LEAKED);
        assertTrue(mine.get("why").get("lines").toString().contains("kfrees of objects made before the hunt"),
                "the older objects' kfrees are not named: " + mine.get("why"));
    }

    private record Beside(LeakChild leaker, JsonNode report) {
    }

    /**
     * A hunt of a {@code kind} leak while another child of the same kind frees 3,000 objects it made before the hunt
     * (it exits 1.5 s into the leak). The report must count those frees as unpaired.
     */
    private Beside leakWhileOlderObjectsAreFreed(String kind) throws Exception {
        LeakChild older = LeakChild.start(kind, 3000, 100_000);
        children.add(older);
        older.leak(); // all 3,000 made before the hunt starts
        LeakChild p = leaker(kind, LEAK_TOTAL);
        CompletableFuture<CliRun> hunt = CompletableFuture.supplyAsync(() -> CliRun.of("hunt", "--duration", "6s",
                "--json"));
        awaitTracing(300);
        go(p);
        Thread.sleep(1500);
        older.close(); // what it holds is freed as it exits
        CliRun run = hunt.get(120, TimeUnit.SECONDS);
        assertEquals(0, run.exit(), run.err());
        JsonNode r = Json.MAPPER.readTree(run.out());
        assertTrue(r.get("loss").get("unpaired_frees").asLong() >= 3000, "unpaired frees: " + r.get("loss"));
        return new Beside(p, r);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void findListsAtLeastEveryLeakedPipeAllocation() throws Exception {
        needsTracing();
        LeakChild p = leaker("pipe", LEAK_TOTAL);
        CompletableFuture<CliRun> find = CompletableFuture.supplyAsync(
                () -> CliRun.of("find", "alloc_pipe_info", "--duration", "6s", "--json"));
        awaitTracing(300);
        go(p);
        CliRun r = find.get(120, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        long fromLeaker = 0;
        for (JsonNode o : j.get("outstanding")) {
            assertTrue(o.get("block").asText().matches("@[0-9a-f]{8}"), "addresses are masked: " + o.get("block"));
            // Events carry the thread id; the corpus leaker is single-threaded.
            if (o.get("pid").asLong() == p.pid()) {
                fromLeaker++;
            }
        }
        // alloc_pipe_info makes two allocations per pipe: the pipe_inode_info and its buffer array.
        assertTrue(fromLeaker >= 2L * LEAKED, "outstanding from the leaker: " + fromLeaker);
        assertTrue(j.get("count").asLong() >= 2L * LEAKED);
        assertTrue(j.has("loss"));
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aFileScanDoesNotOutrankAPipeLeak() throws Exception {
        needsTracing();
        LeakChild p = leaker("pipe", LEAK_TOTAL);
        // Page cache, buffer heads, dentries and inodes grow under a scan of many files: reclaimable, not leaked.
        Process scan = new ProcessBuilder("bash", "-c",
                "sync; echo 2 > /proc/sys/vm/drop_caches; for i in 1 2 3; do find /usr -xdev -type f -size -64k -print0"
                        + " 2>/dev/null | xargs -0 cat > /dev/null 2>&1; done").inheritIO().start();
        others.add(scan);
        JsonNode r = huntDuring(p, "7s", 300);
        JsonNode mine = assertRanked(r, p, List.of("alloc_pipe_info", "alloc_empty_file", "security_file_alloc"), "pipe2",
                LEAKED);
        // The scan's findings (its pid, or many) are never leaks: Paged growth and what rides on it is discounted.
        for (JsonNode f : r.get("findings")) {
            long pid = f.get("pid").asLong();
            if (pid != p.pid() && pid >= 0 && ours(pid)) {
                assertTrue(!f.get("leak").asBoolean(), "the file scan was called a leak:" + top(r, 8));
            }
        }
        for (JsonNode m : mine.get("members")) {
            if (m.get("pool").asText().equals("Paged")) {
                assertEquals("consequence", m.get("role").asText(), "a Paged member of the pipe leak: " + m);
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void untracedFreesOfMmapChurnAreNotLeaks() throws Exception {
        needsTracing();
        // mmap/munmap churn allocates maple_node and vm_area_struct and frees them through RCU and bulk paths that
        // have no free event; nothing here leaks.
        Process churn = new ProcessBuilder("python3", "-c", String.join("\n",
                "import mmap, time",
                "end = time.time() + 9",
                "while time.time() < end:",
                "    ms = [mmap.mmap(-1, 4096 * (1 + i % 7)) for i in range(64)]",
                "    for m in ms: m.close()",
                "    time.sleep(0.002)")).inheritIO().start();
        others.add(churn);
        JsonNode r = huntDuring(null, "6s", 0);
        // Judged on this test's own processes (the churn child, this JVM): the machine is shared.
        assertEquals(List.of(), ownLeaks(r), "no leak runs, yet one was called:" + top(r, 8));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pooltagsOwnFootprintIsNeverALeak() throws Exception {
        needsTracing();
        JsonNode r = huntDuring(null, "6s", 0);
        assertTrue(r.get("events").asLong() > 0, "the kernel allocates even when idle: the trace saw nothing");
        // pooltag's own footprint (its JVM, its tracefs ring buffer) is never a leak. What other processes on a
        // shared machine grow meanwhile is printed, not judged.
        assertEquals(List.of(), ownLeaks(r), "pooltag called its own footprint a leak:" + top(r, 8));
        if (!r.get("leak_found").asBoolean()) {
            return;
        }
        System.err.println("HuntLiveTest: other processes' findings called leaks on this shared machine:" + top(r, 5));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void collapsedStacksAreFoldedRootFirstWeightedByBytes() throws Exception {
        needsTracing();
        LeakChild p = leaker("pipe", LEAK_TOTAL);
        Path folded = Files.createTempFile("pooltag-hunt", ".folded");
        Files.delete(folded); // --collapsed creates the file new, never over an existing one
        try {
            CompletableFuture<CliRun> hunt = CompletableFuture.supplyAsync(
                    () -> CliRun.of("hunt", "--duration", "6s", "--collapsed", folded.toString()));
            awaitTracing(300);
            go(p);
            CliRun r = hunt.get(120, TimeUnit.SECONDS);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains(" LEAK"), r.out());
            assertTrue(r.out().contains(" Loss: "), r.out());
            List<String> lines = Files.readAllLines(folded);
            assertTrue(lines.stream().anyMatch(l -> l.matches("entry_SYSCALL_64\\S*;.*__x64_sys_pipe2;.* \\d+")),
                    String.join("\n", lines));
            for (String l : lines) {
                assertTrue(!l.contains("trace_event_raw_event"), "tracepoint frames are not part of the stack: " + l);
            }
        } finally {
            Files.deleteIfExists(folded);
        }
    }
}
