package pooltag.linux.tracefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TracefsTest {
    @Test
    void tracefsMountWinsOverDebugfs() {
        String mounts = "sysfs /sys sysfs rw 0 0\ndebugfs /sys/kernel/debug debugfs rw 0 0\n"
                + "nodev /sys/kernel/tracing tracefs rw,relatime 0 0\n";
        assertEquals(Path.of("/sys/kernel/tracing"), Tracefs.findMounted(mounts));
    }

    @Test
    void noTracefsNoDebugfsTracingMeansNotMounted() {
        assertNull(Tracefs.findMounted("proc /proc proc rw 0 0\n"));
    }

    /** A fake /proc: this process, and others with a namespace, a start time and an innermost pid. */
    static final class FakeProc {
        static final long INIT_NS = InstanceOwner.INITIAL_PID_NAMESPACE;
        final Path root;
        final long self = ProcessHandle.current().pid();

        FakeProc(Path root, long selfNs) throws Exception {
            this.root = Files.createDirectories(root);
            process(self, selfNs, self, 5000, "S");
            Files.createSymbolicLink(root.resolve("self"), Path.of(Long.toString(self)));
        }

        /** {@code visiblePid} is its pid in the /proc's namespace, {@code innerPid} in its own. */
        void process(long visiblePid, long ns, long innerPid, long start, String state) throws Exception {
            Path p = Files.createDirectories(root.resolve(Long.toString(visiblePid)).resolve("ns"));
            Files.createSymbolicLink(p.resolve("pid"), Path.of("pid:[" + ns + "]"));
            String stat = visiblePid + " (ja va) " + state + " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 " + start
                    + " 20 21 22\n";
            Files.writeString(p.getParent().resolve("stat"), stat);
            Files.writeString(p.getParent().resolve("status"), "Name:\tjava\nNSpid:\t" + visiblePid
                    + (innerPid == visiblePid ? "" : "\t" + innerPid) + "\nUid:\t0\n");
        }

        /** ptrace rules hide the namespace link of some processes (non-dumpable ones), even from root. */
        void hideNamespace(long visiblePid) throws Exception {
            Path link = root.resolve(Long.toString(visiblePid)).resolve("ns").resolve("pid");
            Files.delete(link);
            Files.writeString(link, "");
        }
    }

    @Test
    void aHiddenNamespaceLinkIsResolvedByNspidOrLeavesTheVerdictOpen(@TempDir Path tmp) throws Exception {
        long gone = 4026533222L;
        FakeProc proc = new FakeProc(tmp.resolve("proc"), FakeProc.INIT_NS);
        proc.process(1, FakeProc.INIT_NS, 1, 1, "S");
        proc.hideNamespace(1);                          // NSpid has one pid: it lives in our namespace
        String empty = "pooltag-1-" + gone + "-5";
        Tracefs fs = fakeTracefs(tmp.resolve("tracing"), empty);
        assertEquals(java.util.Map.of(empty, InstanceOwner.Verdict.Kind.DEAD), verdicts(fs, proc.root));
        proc.process(960, 4026533555L, 3, 1, "S");
        proc.hideNamespace(960);                        // in some namespace below ours: which one is hidden
        assertEquals(java.util.Map.of(empty, InstanceOwner.Verdict.Kind.UNKNOWN), verdicts(fs, proc.root));
    }

    private static Tracefs fakeTracefs(Path root, String... instances) throws Exception {
        Path inst = Files.createDirectories(root.resolve("instances"));
        for (String n : instances) {
            Files.createDirectory(inst.resolve(n));
        }
        return Tracefs.at(root);
    }

    private static java.util.Map<String, InstanceOwner.Verdict.Kind> verdicts(Tracefs fs, Path proc) {
        java.util.Map<String, InstanceOwner.Verdict.Kind> m = new java.util.TreeMap<>();
        for (Tracefs.Judged j : fs.judge(proc)) {
            m.put(j.name(), j.verdict().kind());
        }
        return m;
    }

    @Test
    void sameNamespaceOwnersAreDeadWhenGoneReusedOrZombieAndAliveOtherwise(@TempDir Path tmp) throws Exception {
        long ns = 4026532999L;
        FakeProc proc = new FakeProc(tmp.resolve("proc"), ns);
        proc.process(700, ns, 700, 1234, "S");   // the owner, running
        proc.process(701, ns, 701, 9999, "S");   // pid 701 reused by a process started later
        proc.process(702, ns, 702, 4321, "Z");   // the owner, exited and not yet reaped
        Tracefs fs = fakeTracefs(tmp.resolve("tracing"), "pooltag-700-" + ns + "-1234", "pooltag-701-" + ns + "-1111",
                "pooltag-702-" + ns + "-4321", "pooltag-703-" + ns + "-77", "pooltag-" + proc.self + "-" + ns + "-5000",
                "pooltag-x-1-2", "pooltag-1-2", "trace-cmd");
        assertEquals(java.util.Map.of(
                "pooltag-700-" + ns + "-1234", InstanceOwner.Verdict.Kind.ALIVE,
                "pooltag-701-" + ns + "-1111", InstanceOwner.Verdict.Kind.DEAD,
                "pooltag-702-" + ns + "-4321", InstanceOwner.Verdict.Kind.DEAD,
                "pooltag-703-" + ns + "-77", InstanceOwner.Verdict.Kind.DEAD), verdicts(fs, proc.root),
                "ourselves, foreign names and names that do not parse are not judged at all");
    }

    @Test
    void anotherNamespaceIsJudgedOnlyWhenItsProcessesAreVisible(@TempDir Path tmp) throws Exception {
        long inner = 4026533111L;
        long gone = 4026533222L;
        FakeProc proc = new FakeProc(tmp.resolve("proc"), FakeProc.INIT_NS);
        proc.process(900, inner, 1, 300, "S");   // pid 1 of the inner namespace: the owner
        proc.process(901, inner, 7, 310, "S");   // another process there
        String alive = "pooltag-1-" + inner + "-300";
        String reused = "pooltag-1-" + inner + "-299";    // its pid 1 is another process now
        String empty = "pooltag-1-" + gone + "-5";        // no process left in that namespace
        Tracefs fs = fakeTracefs(tmp.resolve("tracing"), alive, reused, empty);
        assertEquals(java.util.Map.of(alive, InstanceOwner.Verdict.Kind.ALIVE, reused, InstanceOwner.Verdict.Kind.DEAD,
                empty, InstanceOwner.Verdict.Kind.DEAD), verdicts(fs, proc.root));
    }

    @Test
    void fromInsideANamespaceAnUnseenNamespaceIsLeftAlone(@TempDir Path tmp) throws Exception {
        FakeProc proc = new FakeProc(tmp.resolve("proc"), 4026533333L);   // not the initial namespace
        String outer = "pooltag-4242-" + FakeProc.INIT_NS + "-8";
        Tracefs fs = fakeTracefs(tmp.resolve("tracing"), outer, "pooltag-4242");
        assertEquals(java.util.Map.of(outer, InstanceOwner.Verdict.Kind.UNKNOWN,
                "pooltag-4242", InstanceOwner.Verdict.Kind.UNKNOWN), verdicts(fs, proc.root));
    }

    @Test
    void oldStyleNamesAreDeadOnlyWhenNoNamespaceHasThePid(@TempDir Path tmp) throws Exception {
        FakeProc proc = new FakeProc(tmp.resolve("proc"), FakeProc.INIT_NS);
        proc.process(950, 4026533444L, 77, 1, "S");     // pid 77 inside a container
        Tracefs fs = fakeTracefs(tmp.resolve("tracing"), "pooltag-77", "pooltag-999999999");
        assertEquals(java.util.Map.of("pooltag-77", InstanceOwner.Verdict.Kind.UNKNOWN,
                "pooltag-999999999", InstanceOwner.Verdict.Kind.DEAD), verdicts(fs, proc.root));
    }

    @Test
    void aProcOfAnotherNamespaceProvesNothing(@TempDir Path tmp) throws Exception {
        FakeProc proc = new FakeProc(tmp.resolve("proc"), FakeProc.INIT_NS);
        Files.delete(proc.root.resolve("self"));
        proc.process(31337, FakeProc.INIT_NS, 31337, 5000, "S");
        Files.createSymbolicLink(proc.root.resolve("self"), Path.of("31337"));   // /proc/self is not our pid
        Tracefs fs = fakeTracefs(tmp.resolve("tracing"), "pooltag-703-" + FakeProc.INIT_NS + "-77");
        assertEquals(java.util.Map.of("pooltag-703-" + FakeProc.INIT_NS + "-77", InstanceOwner.Verdict.Kind.UNKNOWN),
                verdicts(fs, proc.root));
    }

    @Test
    void theSweepRemovesOnlyTheDeadAndTouchesNoFileOfTheLiving(@TempDir Path tmp) throws Exception {
        long ns = FakeProc.INIT_NS;
        FakeProc proc = new FakeProc(tmp.resolve("proc"), ns);
        proc.process(700, ns, 700, 1234, "S");
        String live = "pooltag-700-" + ns + "-1234";
        String dead = "pooltag-703-" + ns + "-77";
        Tracefs fs = fakeTracefs(tmp.resolve("tracing"), live, dead);
        Path on = Files.writeString(fs.instancesDir().resolve(live).resolve("tracing_on"), "1\n");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        assertEquals(java.util.List.of(dead), fs.removeStaleInstances(new java.io.PrintStream(err), proc.root));
        assertEquals("1\n", Files.readString(on), "a live owner's instance is not written");
        assertTrue(Files.isDirectory(fs.instancesDir().resolve(live)));
        assertFalse(Files.exists(fs.instancesDir().resolve(dead)));
        assertTrue(err.toString().contains("removed stale tracefs instance " + dead) && err.toString().contains(
                "pid 703 is gone"), err.toString());
    }

    @Test
    void namesRoundTripAndThisProcessHasOne() {
        InstanceOwner me = InstanceOwner.current();
        assertEquals(ProcessHandle.current().pid(), me.pid());
        assertEquals(me, InstanceOwner.parse(me.instanceName()));
        assertEquals(new InstanceOwner(12, 0, -1), InstanceOwner.parse("pooltag-12"));
        assertNull(InstanceOwner.parse("pooltag-12-3"));
        assertNull(InstanceOwner.parse("pooltag--1-2-3"));
        assertNull(InstanceOwner.parse("pooltag-1-2-3-4"));
    }

    @Test
    void statsParseCountsAndIgnoresTimestamps() {
        CpuStats s = CpuStats.parseText("entries: 7\noverrun: 2\ncommit overrun: 1\nbytes: 900\n"
                + "oldest event ts:  123.456\nnow ts:  125.000\ndropped events: 40\nread events: 99\n");
        assertEquals(new CpuStats(7, 2, 1, 40, 99), s);
        assertEquals(43, s.lost());
    }

    /** A recording's CPU_STATS text is hostile until checked: no negative count, none past COUNTER_MAX. */
    @Test
    void statsParseSkipsNegativeCountsAndClampsHugeOnes() {
        CpuStats s = CpuStats.parseText("entries: -4\noverrun: 9223372036854775807\ncommit overrun: -1\n"
                + "dropped events: 281474976710657\nread events: 12\n");
        assertEquals(new CpuStats(0, CpuStats.COUNTER_MAX, 0, CpuStats.COUNTER_MAX, 12), s);
        assertEquals(2 * CpuStats.COUNTER_MAX, s.lost());
    }
}
