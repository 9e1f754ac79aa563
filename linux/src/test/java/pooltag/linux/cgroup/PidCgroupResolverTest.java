package pooltag.linux.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.event.AllocEvent;
import pooltag.core.testkit.ReusableEvent;

/** pid → cgroup on a fake /proc: contexts are never guessed, exits, pid reuse and moves are noticed. */
public class PidCgroupResolverTest {
    private static final CgroupHierarchy V1 = new CgroupHierarchy(1, Path.of("/unused"), "/");

    /** A stat line with the given flags and start time (fields 9 and 22). */
    static void task(Path proc, int pid, long flags, long start, String memoryPath) throws Exception {
        Path d = taskDir(proc, pid);
        Files.createDirectories(d);
        Files.writeString(d.resolve("stat"), pid + " (java) S 1 1 1 0 -1 " + flags
                + " 0 0 0 0 0 0 0 0 20 0 1 0 " + start + " 1000 100\n");
        Files.writeString(d.resolve("cgroup"), "9:name=systemd:/\n4:memory:" + memoryPath + "\n0::/\n");
    }

    static void exit(Path proc, int pid) throws Exception {
        Path d = taskDir(proc, pid);
        Files.delete(d.resolve("stat"));
        Files.delete(d.resolve("cgroup"));
        Files.delete(d);
        Files.delete(d.getParent());
        Files.delete(d.getParent().getParent());
    }

    /** Where the resolver reads a task: its own directory, {@code <pid>/task/<pid>}, as in /proc. */
    static Path taskDir(Path proc, int pid) {
        return proc.resolve(pid + "/task/" + pid);
    }

    /** Just enough of an event for the resolver: pid, time, context flags. */
    public record Ev(int pid, long timestampNanos, int contextFlags) implements AllocEvent {
        @Override public int type() { return ALLOC; }
        @Override public int source() { return SOURCE_KMALLOC; }
        @Override public int cpu() { return 0; }
        @Override public long address() { return 0x1000; }
        @Override public long callSite() { return 0; }
        @Override public long bytesRequested() { return 64; }
        @Override public long bytesAllocated() { return 64; }
        @Override public int cacheId() { return -1; }
        @Override public long gfpFlags() { return 0; }
        @Override public int stackDepth() { return 0; }
        @Override public long stackFrame(int i) { throw new IndexOutOfBoundsException(); }
    }

    /** A task birth: {@code creator} made {@code child} (a fresh view each: the resolver keeps nothing of it). */
    static AllocEvent born(int creator, int child, long ts, long cloneFlags) {
        return new ReusableEvent().newTask(ts, 0, creator, child, cloneFlags);
    }

    /** A task move: {@code mover} put {@code task} into {@code path} of hierarchy {@code hierarchy}. */
    static AllocEvent moved(int mover, int task, long ts, int hierarchy, String path) {
        return new ReusableEvent().taskMove(ts, 0, mover, task, hierarchy, path);
    }

    /** Checks run on the event's thread: a check's changes apply at the event that started it. */
    static PidCgroupResolver inline(Path proc) {
        return new PidCgroupResolver(proc, V1, PidCgroupResolver.MAX_TASKS, Runnable::run);
    }

    @Test
    void tasksAreChargedToTheirMemoryCgroupAndContextsToThemselves(@TempDir Path proc) throws Exception {
        task(proc, 101, 0x400100, 7001, "/pods/leaky");
        task(proc, 2, PidCgroupResolver.PF_KTHREAD | 0x8040, 3, "/");
        PidCgroupResolver r = new PidCgroupResolver(proc, V1);
        assertEquals("/pods/leaky", r.path(r.cgroupOf(new Ev(101, 1, 0))));
        assertEquals("[kernel thread]", r.path(r.cgroupOf(new Ev(2, 2, 0))));
        assertEquals("[kernel thread]", r.path(r.cgroupOf(new Ev(0, 3, 0))));
        // In interrupt context the pid is whoever was interrupted: never charged to it.
        assertEquals("[softirq]", r.path(r.cgroupOf(new Ev(101, 4, AllocEvent.CONTEXT_SOFTIRQ))));
        assertEquals("[hardirq]", r.path(r.cgroupOf(new Ev(101, 5, AllocEvent.CONTEXT_HARDIRQ | 0x01))));
        assertEquals("[nmi]", r.path(r.cgroupOf(new Ev(101, 6, AllocEvent.CONTEXT_NMI | AllocEvent.CONTEXT_HARDIRQ))));
        assertEquals("[exited]", r.path(r.cgroupOf(new Ev(999, 7, 0))));
        assertEquals(2, r.resolved());
        assertEquals(1, r.exitedBeforeRead());
        assertTrue(r.describe().contains("0 tasks read before tracing, 0 placed at their birth in their creator's cgroup"
                + " (0 born into another: CLONE_INTO_CGROUP), 2 read at their first event, 1 gone before their cgroup"
                + " was read (charged to [exited])"), r.describe());
    }

    @Test
    void aTaskIsReadOnceThenAnsweredFromTheTable(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        PidCgroupResolver r = new PidCgroupResolver(proc, V1);
        int id = r.cgroupOf(new Ev(101, 1, 0));
        Files.writeString(taskDir(proc, 101).resolve("cgroup"), "4:memory:/b\n"); // not re-read before the check period
        assertEquals(id, r.cgroupOf(new Ev(101, 2, 0)));
        assertEquals(1, r.resolved());
    }

    @Test
    void exitsReuseAndMovesAreNoticedAtTheNextCheck(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        task(proc, 102, 0, 7002, "/a");
        task(proc, 103, 0, 7003, "/a");
        java.util.List<String> decided = new java.util.ArrayList<>();
        PidCgroupResolver r = inline(proc).onDecision((ns, pid, path) -> decided.add(pid + " " + path));
        long t = 1_000;
        for (int pid = 101; pid <= 103; pid++) {
            assertEquals("/a", r.path(r.cgroupOf(new Ev(pid, t, 0))));
        }
        exit(proc, 101);                        // exited
        exit(proc, 102);
        task(proc, 102, 0, 9999, "/reused");    // pid 102 now belongs to another task
        Files.writeString(taskDir(proc, 103).resolve("cgroup"), "4:memory:/moved\n"); // moved
        t += PidCgroupResolver.REVALIDATE_NANOS;
        assertEquals("/reused", r.path(r.cgroupOf(new Ev(102, t, 0))));
        assertEquals("/moved", r.path(r.cgroupOf(new Ev(103, t + 1, 0))));
        assertEquals("[exited]", r.path(r.cgroupOf(new Ev(101, t + 2, 0))));
        assertEquals(1, r.exits());
        assertEquals(1, r.reuses());
        assertEquals(1, r.moves());
        // What a recording carries: each task with the cgroup it was charged to, moves included.
        assertEquals(5, decided.stream().filter(d -> !d.endsWith("[exited]")).count(), decided.toString());
    }

    /**
     * The decisions a recording keeps replay as the resolver charged: a replay that charges each event of a pid to
     * its latest decision at or before the event reproduces every answer, moves, reuse and exits included.
     */
    @Test
    void theDecisionsReplayEveryAnswer(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        task(proc, 102, 0, 7002, "/a");
        java.util.List<String> log = new java.util.ArrayList<>();
        PidCgroupResolver r = inline(proc).onDecision((ns, pid, path) -> log.add(ns + " " + pid
                + " " + path));
        java.util.List<long[]> asked = new java.util.ArrayList<>(); // {pid, ts}
        java.util.List<String> answers = new java.util.ArrayList<>();
        java.util.function.BiConsumer<Integer, Long> ask = (pid, ts) -> {
            asked.add(new long[] {pid, ts});
            answers.add(r.path(r.cgroupOf(new Ev(pid, ts, 0))));
        };
        ask.accept(101, 1_000L);
        ask.accept(102, 1_001L);
        ask.accept(101, 1_002L); // known: no decision
        Files.writeString(taskDir(proc, 101).resolve("cgroup"), "4:memory:/moved\n");
        exit(proc, 102);
        task(proc, 102, 0, 9999, "/reused");
        long t = 1_000 + PidCgroupResolver.REVALIDATE_NANOS;
        ask.accept(101, t);
        ask.accept(102, t + 1);
        ask.accept(103, t + 2); // never existed: [exited]
        assertEquals(java.util.List.of("/a", "/a", "/a", "/moved", "/reused", "[exited]"), answers);
        assertEquals(java.util.List.of("1000 101 /a", "1001 102 /a", t + " 101 /moved", (t + 1) + " 102 /reused",
                (t + 2) + " 103 [exited]"), log, "one decision per task seen, moved or reused; none per event");
        // Replayed: each (pid, ts) goes to the pid's latest decision at or before ts.
        for (int i = 0; i < asked.size(); i++) {
            long pid = asked.get(i)[0];
            long ts = asked.get(i)[1];
            String replayed = null;
            for (String d : log) {
                String[] f = d.split(" ", 3);
                if (Long.parseLong(f[1]) == pid && Long.parseLong(f[0]) <= ts) {
                    replayed = f[2];
                }
            }
            assertEquals(answers.get(i), replayed, "event " + i);
        }
    }

    /**
     * The check runs off the writer thread: the event that starts it only hands it over (no file read, the old
     * answers stand), and its changes take effect, with their decisions, at the first event after it finished.
     */
    @Test
    void theCheckRunsElsewhereAndItsChangesApplyAtTheNextEvent(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        task(proc, 103, 0, 7003, "/a");
        java.util.List<Runnable> handed = new java.util.ArrayList<>();
        java.util.List<String> log = new java.util.ArrayList<>();
        PidCgroupResolver r = new PidCgroupResolver(proc, V1, PidCgroupResolver.MAX_TASKS, handed::add)
                .onDecision((ns, pid, path) -> log.add(ns + " " + pid + " " + path));
        long t = 1_000;
        r.cgroupOf(new Ev(101, t, 0));
        r.cgroupOf(new Ev(103, t, 0));
        exit(proc, 101);
        Files.writeString(taskDir(proc, 103).resolve("cgroup"), "4:memory:/moved\n");
        t += PidCgroupResolver.REVALIDATE_NANOS;
        assertEquals("/a", r.path(r.cgroupOf(new Ev(103, t, 0))), "the check is only handed over");
        assertEquals(1, handed.size());
        assertEquals("/a", r.path(r.cgroupOf(new Ev(101, t + 1, 0))), "not applied before it finished");
        Thread checker = new Thread(handed.get(0));
        checker.start();
        checker.join();
        assertEquals("/moved", r.path(r.cgroupOf(new Ev(103, t + 2, 0))));
        assertEquals("[exited]", r.path(r.cgroupOf(new Ev(101, t + 3, 0))), "dropped: read again, gone");
        assertEquals(1, r.exits());
        assertEquals(1, r.moves());
        assertEquals(java.util.List.of("1000 101 /a", "1000 103 /a", (t + 2) + " 103 /moved",
                (t + 3) + " 101 [exited]"), log, "a change is decided when it takes effect");
        assertEquals(1, handed.size(), "one check in flight at a time, none started by the events that applied it");
        assertEquals(1, r.checks());
        assertEquals(PidCgroupResolver.REVALIDATE_NANOS, r.checkGapNanos(), "a check of two tasks: one per second");
    }

    /** A full table evicts one task per new one; it is not emptied (every known task would be read again). */
    @Test
    void aFullTableEvictsOneTaskNotAll(@TempDir Path proc) throws Exception {
        for (int pid = 101; pid <= 105; pid++) {
            task(proc, pid, 0, 7000 + pid, "/a");
        }
        PidCgroupResolver r = new PidCgroupResolver(proc, V1, 4, Runnable::run);
        for (int pid = 101; pid <= 105; pid++) {
            assertEquals("/a", r.path(r.cgroupOf(new Ev(pid, pid, 0))));
        }
        assertEquals(4, r.size());
        assertEquals(1, r.evictions());
        assertEquals(5, r.resolved());
        for (int pid = 101; pid <= 105; pid++) {
            r.cgroupOf(new Ev(pid, 200, 0));
        }
        // The evicted task and, as the table is full again, one more are read again; the rest are probes.
        assertEquals(7, r.resolved());
        assertEquals(4, r.size());
    }

    /** Every pid stays findable after removals shift entries back (linear probing without tombstones). */
    @Test
    void removalsKeepEveryOtherTaskFindable(@TempDir Path proc) throws Exception {
        int n = 60;
        for (int pid = 1; pid <= n; pid++) {
            task(proc, pid, 0, 7000 + pid, "/p" + (pid % 3));
        }
        PidCgroupResolver r = new PidCgroupResolver(proc, V1, 64, Runnable::run);
        for (int pid = 1; pid <= n; pid++) {
            r.cgroupOf(new Ev(pid, 1, 0));
        }
        for (int pid = 1; pid <= n; pid += 2) {
            exit(proc, pid);
        }
        r.cgroupOf(new Ev(2, 1 + PidCgroupResolver.REVALIDATE_NANOS, 0)); // the check drops the odd pids
        assertEquals(n / 2, r.exits());
        assertEquals(n / 2, r.size());
        long read = r.resolved();
        for (int pid = 2; pid <= n; pid += 2) {
            assertEquals("/p" + (pid % 3), r.path(r.cgroupOf(new Ev(pid, 2 + PidCgroupResolver.REVALIDATE_NANOS, 0))));
        }
        assertEquals(read, r.resolved(), "all found by a probe, none read again");
    }

    @Test
    void newPathsPastTheLimitAreOtherCgroups(@TempDir Path proc) throws Exception {
        task(proc, 1, 0, 7001, "/pods/0");
        PidCgroupResolver r = inline(proc);
        long t = 1;
        r.cgroupOf(new Ev(1, t, 0));
        // Contexts and /pods/0 hold the first ids; every check then finds the task moved to a new path.
        int fit = PidCgroupResolver.MAX_PATHS - PidCgroupResolver.contexts() - 1;
        for (int i = 1; i <= fit; i++) {
            Files.writeString(taskDir(proc, 1).resolve("cgroup"), "4:memory:/pods/" + i + "\n");
            t += PidCgroupResolver.REVALIDATE_NANOS;
            assertEquals("/pods/" + i, r.path(r.cgroupOf(new Ev(1, t, 0))));
        }
        assertEquals(0, r.foldedPaths());
        Files.writeString(taskDir(proc, 1).resolve("cgroup"), "4:memory:/pods/past\n");
        t += PidCgroupResolver.REVALIDATE_NANOS;
        assertEquals("[other cgroups]", r.path(r.cgroupOf(new Ev(1, t, 0))));
        task(proc, 2, 0, 7002, "/pods/also-past");
        assertEquals("[other cgroups]", r.path(r.cgroupOf(new Ev(2, t, 0))));
        assertEquals("/pods/1", r.path(PidCgroupResolver.contexts() + 1), "kept paths keep their ids");
        assertEquals(2, r.foldedPaths());
    }

    /**
     * On this machine's /proc: threads that are not their process's leader are read from their own task directory,
     * charged to this process's memory cgroup, kept by a check while they live and dropped as exits once they ended.
     */
    @Test
    void threadsOfThisProcessOnTheRealProc() throws Exception {
        CgroupHierarchy h = liveHierarchyOrSkip();
        String mine = h.pathIn(Files.readString(Path.of("/proc/self/cgroup")));
        org.junit.jupiter.api.Assumptions.assumeTrue(mine != null, "no memory cgroup line in /proc/self/cgroup");
        int n = 50;
        int[] tids = new int[n];
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(n);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            int k = i;
            threads[i] = new Thread(() -> {
                tids[k] = pooltag.linux.procfs.ThreadIds.current();
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "cgroup-test-" + i);
            threads[i].start();
        }
        try {
            started.await();
            PidCgroupResolver r = new PidCgroupResolver(Path.of("/proc"), h, PidCgroupResolver.MAX_TASKS,
                    Runnable::run);
            long t = 1;
            for (int tid : tids) {
                assertTrue(tid > 0 && tid != ProcessHandle.current().pid(), "a thread id, not the leader's: " + tid);
                assertEquals(mine, r.path(r.cgroupOf(new Ev(tid, t, 0))), "thread " + tid);
            }
            assertEquals(n, r.resolved());
            t += PidCgroupResolver.REVALIDATE_NANOS;
            r.cgroupOf(new Ev(tids[0], t, 0));
            assertEquals(0, r.exits() + r.reuses() + r.moves(), "a live thread's start time and cgroup are read back");
            assertEquals(n, r.size());
            release.countDown();
            for (Thread th : threads) {
                th.join(10_000);
            }
            // A joined thread's kernel task may linger a moment (its cgroup file then reads as the root's): the
            // check is judged once every task is gone from where the resolver looks.
            long deadline = System.nanoTime() + 10_000_000_000L;
            for (int tid : tids) {
                Path stat = Path.of("/proc/" + tid + "/task/" + tid + "/stat");
                while (Files.exists(stat) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            }
            t += PidCgroupResolver.REVALIDATE_NANOS;
            r.cgroupOf(new Ev(0, t, 0)); // pid 0: a kernel thread, no read; the check drops the ended threads
            assertEquals(n, r.exits(), r.describe());
            assertEquals(0, r.size());
        } finally {
            release.countDown();
        }
    }

    /**
     * Tasks alive before tracing are read then, not at their first event (the merge thread's file reads), and a
     * recording is told them at time 0, before every event.
     */
    @Test
    void preloadReadsTheTasksAliveBeforeTracing(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/pods/a");
        task(proc, 2, PidCgroupResolver.PF_KTHREAD, 3, "/");
        Files.createDirectories(proc.resolve("self")); // not a pid: skipped
        Files.writeString(proc.resolve("meminfo"), "MemTotal: 1 kB\n");
        PidCgroupResolver r = inline(proc).preload();
        assertEquals(2, r.preloaded());
        assertEquals(2, r.size());
        java.util.List<String> log = new java.util.ArrayList<>();
        r.onDecision((ns, pid, path) -> log.add(ns + " " + pid + " " + path));
        assertEquals(java.util.Set.of("0 101 /pods/a", "0 2 [kernel thread]"), new java.util.HashSet<>(log));
        task(proc, 102, 0, 7002, "/pods/b");
        assertEquals("/pods/a", r.path(r.cgroupOf(new Ev(101, 5, 0))));
        assertEquals("[kernel thread]", r.path(r.cgroupOf(new Ev(2, 6, 0))));
        assertEquals("/pods/b", r.path(r.cgroupOf(new Ev(102, 7, 0))));
        assertEquals(1, r.resolved(), "only the task born after the preload was read at its event");
        assertEquals("7 102 /pods/b", log.get(2));
    }

    /** A check that takes long spaces the next ones out: at most a tenth of the time goes to checking. */
    @Test
    void aLongCheckSpacesTheNextOnesOut() {
        assertEquals(PidCgroupResolver.REVALIDATE_NANOS, PidCgroupResolver.checkGapAfter(5_000_000L), "5 ms: 1 s");
        assertEquals(PidCgroupResolver.REVALIDATE_NANOS, PidCgroupResolver.checkGapAfter(100_000_000L), "0.1 s: 1 s");
        assertEquals(3_000_000_000L, PidCgroupResolver.checkGapAfter(300_000_000L), "0.3 s: 3 s");
    }

    /**
     * A task born while tracing is placed in its creator's cgroup at its birth, with nothing read about it: one that
     * is gone before its first event is seen is still its cgroup's, not [exited]. Births with CLONE_INTO_CGROUP, and
     * children of kernel threads, are read at their first event instead.
     */
    @Test
    void aTaskBornWhileTracingIsPlacedInItsCreatorsCgroup(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/pods/cron");
        task(proc, 2, PidCgroupResolver.PF_KTHREAD, 3, "/");
        java.util.List<String> decided = new java.util.ArrayList<>();
        PidCgroupResolver r = new PidCgroupResolver(proc, V1).onDecision((ns, pid, path) -> decided.add(ns + " " + pid
                + " " + path));
        r.onNewTask(born(101, 500, 10, 0x1200011L));  // fork: SIGCHLD | CLONE_CHILD_SETTID | ..._CLEARTID
        r.onNewTask(born(500, 501, 11, 0x3d0f00L));   // a thread of the child (CLONE_THREAD ...): its creator's
        // 500 and 501 have no /proc entry at all (gone before their first event was merged): still /pods/cron.
        assertEquals("/pods/cron", r.path(r.cgroupOf(new Ev(500, 12, 0))));
        assertEquals("/pods/cron", r.path(r.cgroupOf(new Ev(501, 13, 0))));
        assertEquals(2, r.born());
        assertEquals(0, r.exitedBeforeRead());
        assertEquals(1, r.resolved(), "only the creator was read");
        assertEquals(java.util.List.of("10 101 /pods/cron", "10 500 /pods/cron", "11 501 /pods/cron"), decided);

        // clone3 with CLONE_INTO_CGROUP: its cgroup is not its creator's; read at its first event.
        task(proc, 502, 0, 7502, "/pods/other");
        r.onNewTask(born(101, 502, 20, PidCgroupResolver.CLONE_INTO_CGROUP | 0x11L));
        assertEquals("/pods/other", r.path(r.cgroupOf(new Ev(502, 21, 0))));
        assertEquals(1, r.bornIntoCgroup());
        // A kernel thread's child may be a user-mode helper: read at its first event, never assumed a kernel thread.
        task(proc, 503, 0, 7503, "/");
        r.onNewTask(born(2, 503, 30, 0x800100L));
        assertEquals("/", r.path(r.cgroupOf(new Ev(503, 31, 0))));
        assertEquals(2, r.born());
        assertTrue(r.describe().contains("2 placed at their birth in their creator's cgroup (1 born into another:"
                + " CLONE_INTO_CGROUP), 4 read at their first event, 0 gone"), r.describe()); // 101, 502, 2, 503
    }

    /**
     * A birth replaces what was held for its pid (an earlier task whose exit no check had seen yet); a check keeps a
     * born task's start time once it reads it, so a later reuse of the pid without a traced birth is still noticed.
     */
    @Test
    void aBirthReplacesTheOldTaskOfItsPidAndTheCheckAdoptsItsStartTime(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        task(proc, 102, 0, 7002, "/b");
        task(proc, 300, 0, 7300, "/b");
        PidCgroupResolver r = inline(proc);
        long t = 1_000;
        assertEquals("/b", r.path(r.cgroupOf(new Ev(300, t, 0))));
        assertEquals("/a", r.path(r.cgroupOf(new Ev(101, t, 0))));
        r.onNewTask(born(101, 300, t + 1, 0x11L)); // pid 300 is a new task now, 101's child
        assertEquals("/a", r.path(r.cgroupOf(new Ev(300, t + 2, 0))));
        exit(proc, 300);
        task(proc, 300, 0, 8300, "/a");
        t += PidCgroupResolver.REVALIDATE_NANOS;
        assertEquals("/a", r.path(r.cgroupOf(new Ev(300, t, 0)))); // the check read 300 alive in /a: start kept
        assertEquals(0, r.reuses());
        exit(proc, 300);
        task(proc, 300, 0, 9300, "/b"); // reused without a traced birth (its task_newtask lost)
        t += PidCgroupResolver.REVALIDATE_NANOS;
        r.cgroupOf(new Ev(102, t, 0)); // the check runs and finds the reuse
        assertEquals(1, r.reuses());
        assertEquals("/b", r.path(r.cgroupOf(new Ev(300, t + 1, 0))));
    }

    /**
     * A traced move applies at once, in event order, so a task moved into a container and its children born right
     * after are the container's; moves in another hierarchy, or when moves are not followed, change nothing.
     */
    @Test
    void aTracedMoveAppliesAtOnceAndItsChildrenFollow(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/system");
        java.util.List<String> decided = new java.util.ArrayList<>();
        PidCgroupResolver r = new PidCgroupResolver(proc, V1).followMovesIn(4)
                .onDecision((ns, pid, path) -> decided.add(ns + " " + pid + " " + path));
        assertEquals("/system", r.path(r.cgroupOf(new Ev(101, 1, 0))));
        r.onTaskMove(moved(1, 101, 2, 9, "/elsewhere")); // the name=systemd hierarchy: not memory's
        assertEquals("/system", r.path(r.cgroupOf(new Ev(101, 3, 0))));
        r.onTaskMove(moved(1, 101, 4, 4, "/pods/web")); // /proc still says /system: the move is traced first
        assertEquals("/pods/web", r.path(r.cgroupOf(new Ev(101, 5, 0))));
        r.onNewTask(born(101, 600, 6, 0x11L));
        assertEquals("/pods/web", r.path(r.cgroupOf(new Ev(600, 7, 0))));
        r.onTaskMove(moved(1, 700, 8, 4, "/pods/db")); // a task not held yet: placed
        assertEquals("/pods/db", r.path(r.cgroupOf(new Ev(700, 9, 0))));
        assertEquals(2, r.movesTraced());
        assertEquals(java.util.List.of("1 101 /system", "4 101 /pods/web", "6 600 /pods/web", "8 700 /pods/db"),
                decided);

        PidCgroupResolver notFollowing = new PidCgroupResolver(proc, V1);
        assertEquals("/system", notFollowing.path(notFollowing.cgroupOf(new Ev(101, 1, 0))));
        notFollowing.onTaskMove(moved(1, 101, 2, 4, "/pods/web"));
        assertEquals("/system", notFollowing.path(notFollowing.cgroupOf(new Ev(101, 3, 0))));
        assertTrue(notFollowing.describe().contains("0 moves traced as they happened (not followed here)"),
                notFollowing.describe());
    }

    /** Traced moves are followed only in the initial cgroup namespace, whose paths are the tracepoint's. */
    @Test
    void movesAreFollowedOnlyWherePathsAgree(@TempDir Path proc) throws Exception {
        Files.createDirectories(proc.resolve("self/ns"));
        Files.writeString(proc.resolve("self/cgroup"), "9:name=systemd:/\n4:memory:/user\n0::/\n");
        Files.createSymbolicLink(proc.resolve("self/ns/cgroup"), Path.of(PidCgroupResolver.INIT_CGROUP_NS));
        assertEquals(4, PidCgroupResolver.tracedHierarchyId(proc, V1));
        assertEquals(0, PidCgroupResolver.tracedHierarchyId(proc, new CgroupHierarchy(2, Path.of("/unused"), "/")));
        Files.delete(proc.resolve("self/ns/cgroup"));
        Files.createSymbolicLink(proc.resolve("self/ns/cgroup"), Path.of("cgroup:[4026532301]")); // a container's
        assertEquals(-1, PidCgroupResolver.tracedHierarchyId(proc, V1));
        Files.delete(proc.resolve("self/ns/cgroup"));
        assertEquals(-1, PidCgroupResolver.tracedHierarchyId(proc, V1)); // no namespaces at all
    }

    /** This machine's own answer: the memory hierarchy's id from /proc/self/cgroup, in the initial namespace. */
    @Test
    void thisMachinesMemoryHierarchyIsFollowed() throws Exception {
        CgroupHierarchy h = liveHierarchyOrSkip();
        String self = Files.readString(Path.of("/proc/self/cgroup"));
        int id = PidCgroupResolver.tracedHierarchyId(Path.of("/proc"), h);
        boolean initNs = Files.readSymbolicLink(Path.of("/proc/self/ns/cgroup")).toString()
                .equals(PidCgroupResolver.INIT_CGROUP_NS);
        System.out.println("PidCgroupResolverTest: memory hierarchy " + h.describe() + ", id " + id + ", initial"
                + " cgroup namespace " + initNs);
        if (initNs) {
            String line = self.lines().filter(l -> h.version() == 2 ? l.startsWith("0::")
                    : java.util.Arrays.asList(l.split(":")[1].split(",")).contains("memory")).findFirst().orElseThrow();
            assertEquals(Integer.parseInt(line.substring(0, line.indexOf(':'))), id, self);
        } else {
            assertEquals(-1, id);
        }
    }

    /**
     * An exiting task (PF_EXITING) reads as cgroup {@code /} in a v1 hierarchy whatever its cgroup was: the check
     * leaves it as it is until it is reaped (then an exit), never a move to the root; a first read of it gives
     * [exited], not {@code /}. In v2 the file keeps naming its cgroup, and it is read.
     */
    @Test
    void anExitingTaskIsNeverMovedToTheRoot(@TempDir Path proc) throws Exception {
        task(proc, 101, 0x400100, 7001, "/pods/a");
        PidCgroupResolver r = inline(proc);
        long t = 1_000;
        assertEquals("/pods/a", r.path(r.cgroupOf(new Ev(101, t, 0))));
        task(proc, 101, 0x400100 | PidCgroupResolver.PF_EXITING, 7001, "/"); // what v1's /proc shows while it exits
        task(proc, 102, 0x400100 | PidCgroupResolver.PF_EXITING, 7002, "/");
        t += PidCgroupResolver.REVALIDATE_NANOS;
        assertEquals("[exited]", r.path(r.cgroupOf(new Ev(102, t, 0))));
        assertEquals("/pods/a", r.path(r.cgroupOf(new Ev(101, t + 1, 0))), "its cgroup until it is reaped");
        assertEquals(0, r.moves());
        exit(proc, 101);
        t += PidCgroupResolver.REVALIDATE_NANOS;
        r.cgroupOf(new Ev(102, t, 0)); // the next check: 101 is gone
        assertEquals(1, r.exits());

        Path v2proc = proc.resolve("v2");
        Path d = taskDir(v2proc, 201);
        Files.createDirectories(d);
        Files.writeString(d.resolve("stat"), "201 (sh) Z 1 1 1 0 -1 " + (0x400100 | PidCgroupResolver.PF_EXITING)
                + " 0 0 0 0 0 0 0 0 20 0 1 0 7201 0 0\n");
        Files.writeString(d.resolve("cgroup"), "0::/system.slice/cron.service\n"); // v2 keeps naming it
        PidCgroupResolver v2 = new PidCgroupResolver(v2proc, new CgroupHierarchy(2, Path.of("/unused"), "/"),
                PidCgroupResolver.MAX_TASKS, Runnable::run);
        assertEquals("/system.slice/cron.service", v2.path(v2.cgroupOf(new Ev(201, 1, 0))));
    }

    /**
     * A kernel thread is never placed at its birth (its creator is kthreadd), but a traced move places what it names:
     * a kernel thread attached to a cgroup (vhost workers before 6.4) is found by the next check to be a kernel thread
     * and charged so from then on, not to the cgroup for good.
     */
    @Test
    void aKernelThreadPlacedByAMoveIsAKernelThreadAfterTheCheck(@TempDir Path proc) throws Exception {
        task(proc, 2, PidCgroupResolver.PF_KTHREAD, 3, "/");
        task(proc, 500, PidCgroupResolver.PF_KTHREAD, 9500, "/vm");
        PidCgroupResolver r = inline(proc).followMovesIn(4);
        long t = 1_000;
        r.cgroupOf(new Ev(2, t, 0));
        r.onNewTask(born(2, 500, t + 1, 0x800100L)); // kthreadd's child: not placed
        r.onTaskMove(moved(900, 500, t + 2, 4, "/vm"));
        assertEquals("/vm", r.path(r.cgroupOf(new Ev(500, t + 3, 0))), "as traced, until a check reads it");
        t += PidCgroupResolver.REVALIDATE_NANOS;
        assertEquals("[kernel thread]", r.path(r.cgroupOf(new Ev(500, t, 0))));
    }

    /**
     * Each placement has its own start-time stamp: a check that found the earlier task of a pid gone does not remove
     * a later birth of the same pid, placed in the same cgroup before the check's changes were applied.
     */
    @Test
    void aCheckOfAnEarlierBirthLeavesALaterBirthOfTheSamePidAlone(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        java.util.List<Runnable> handed = new java.util.ArrayList<>();
        PidCgroupResolver r = new PidCgroupResolver(proc, V1, PidCgroupResolver.MAX_TASKS, handed::add);
        long t = 1_000;
        r.cgroupOf(new Ev(101, t, 0));
        r.onNewTask(born(101, 600, t + 1, 0x11L)); // 600 lives and exits: no /proc entry
        t += PidCgroupResolver.REVALIDATE_NANOS;
        r.cgroupOf(new Ev(101, t, 0)); // hands over a check of {101, 600}
        assertEquals(1, handed.size());
        handed.get(0).run(); // finds 600 gone: an exit for the placement it copied
        r.onNewTask(born(101, 600, t + 1, 0x11L)); // the pid is born again, same creator, same cgroup
        task(proc, 600, 0, 9600, "/a");
        assertEquals("/a", r.path(r.cgroupOf(new Ev(600, t + 2, 0))), "the new task keeps its placement");
        assertEquals(0, r.exits(), "the exit was the earlier task's");
        assertEquals(2, r.born());
    }

    /** This machine's memory hierarchy; skips (saying why) where the kernel has none. */
    static CgroupHierarchy liveHierarchyOrSkip() {
        try {
            return CgroupHierarchy.live();
        } catch (pooltag.core.error.PooltagException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "no memory cgroup hierarchy: " + e.getMessage());
            return null;
        }
    }

    /**
     * A traced move names one task (a process's leader for a cgroup.procs write) and does not say whether its
     * threads moved: each sibling held is read again at once, so threads that moved with it are charged to the new
     * cgroup from the move on, and a thread that stayed keeps its cgroup.
     */
    @Test
    void aTracedMoveRereadsTheSiblingThreadsItDoesNotName(@TempDir Path proc) throws Exception {
        task(proc, 300, 0, 7300, "/system");
        task(proc, 301, 0, 7300, "/system");
        task(proc, 302, 0, 7300, "/system");
        Files.createDirectories(proc.resolve("300/task/301")); // the listing of 300's threads
        Files.createDirectories(proc.resolve("300/task/302"));
        PidCgroupResolver r = new PidCgroupResolver(proc, V1).followMovesIn(4);
        for (int tid = 300; tid <= 302; tid++) {
            assertEquals("/system", r.path(r.cgroupOf(new Ev(tid, 1, 0))));
        }
        // cgroup.procs moved the whole process; /proc shows 301 moved, 302 not (moved back, or a threaded cgroup).
        Files.writeString(taskDir(proc, 301).resolve("cgroup"), "4:memory:/pods/web\n");
        r.onTaskMove(moved(1, 300, 2, 4, "/pods/web"));
        assertEquals("/pods/web", r.path(r.cgroupOf(new Ev(300, 3, 0))));
        assertEquals("/pods/web", r.path(r.cgroupOf(new Ev(301, 3, 0))));
        assertEquals("/system", r.path(r.cgroupOf(new Ev(302, 3, 0))));
        assertEquals(2, r.movesTraced());
    }
}
