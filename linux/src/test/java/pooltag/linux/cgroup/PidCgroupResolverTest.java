package pooltag.linux.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.event.AllocEvent;

/** pid → cgroup on a fake /proc: contexts are never guessed, exits, pid reuse and moves are noticed. */
public class PidCgroupResolverTest {
    private static final CgroupHierarchy V1 = new CgroupHierarchy(1, Path.of("/unused"), "/");

    /** A stat line with the given flags and start time (fields 9 and 22). */
    static void task(Path proc, int pid, long flags, long start, String memoryPath) throws Exception {
        Path d = proc.resolve(Integer.toString(pid));
        Files.createDirectories(d);
        Files.writeString(d.resolve("stat"), pid + " (java) S 1 1 1 0 -1 " + flags
                + " 0 0 0 0 0 0 0 0 20 0 1 0 " + start + " 1000 100\n");
        Files.writeString(d.resolve("cgroup"), "9:name=systemd:/\n4:memory:" + memoryPath + "\n0::/\n");
    }

    static void exit(Path proc, int pid) throws Exception {
        Path d = proc.resolve(Integer.toString(pid));
        Files.delete(d.resolve("stat"));
        Files.delete(d.resolve("cgroup"));
        Files.delete(d);
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
    }

    @Test
    void aTaskIsReadOnceThenAnsweredFromTheTable(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        PidCgroupResolver r = new PidCgroupResolver(proc, V1);
        int id = r.cgroupOf(new Ev(101, 1, 0));
        Files.writeString(proc.resolve("101/cgroup"), "4:memory:/b\n"); // not re-read before the check period
        assertEquals(id, r.cgroupOf(new Ev(101, 2, 0)));
        assertEquals(1, r.resolved());
    }

    @Test
    void exitsReuseAndMovesAreNoticedAtTheNextCheck(@TempDir Path proc) throws Exception {
        task(proc, 101, 0, 7001, "/a");
        task(proc, 102, 0, 7002, "/a");
        task(proc, 103, 0, 7003, "/a");
        PidCgroupResolver r = new PidCgroupResolver(proc, V1);
        long t = 1_000;
        for (int pid = 101; pid <= 103; pid++) {
            assertEquals("/a", r.path(r.cgroupOf(new Ev(pid, t, 0))));
        }
        exit(proc, 101);                        // exited
        exit(proc, 102);
        task(proc, 102, 0, 9999, "/reused");    // pid 102 now belongs to another task
        Files.writeString(proc.resolve("103/cgroup"), "4:memory:/moved\n"); // moved
        t += PidCgroupResolver.REVALIDATE_NANOS;
        assertEquals("/reused", r.path(r.cgroupOf(new Ev(102, t, 0))));
        assertEquals("/moved", r.path(r.cgroupOf(new Ev(103, t + 1, 0))));
        assertEquals("[exited]", r.path(r.cgroupOf(new Ev(101, t + 2, 0))));
        assertEquals(1, r.exits());
        assertEquals(1, r.reuses());
        assertEquals(1, r.moves());
        // What a recording carries: each task with the cgroup it was charged to, moves included.
        assertEquals(5, r.seenTasks().size());
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
        PidCgroupResolver r = new PidCgroupResolver(proc, V1).onDecision((ns, pid, path) -> log.add(ns + " " + pid
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
        Files.writeString(proc.resolve("101/cgroup"), "4:memory:/moved\n");
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
}
