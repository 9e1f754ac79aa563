package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.engine.testkit.Live;
import pooltag.cli.leaks.LeakChild;
import pooltag.cli.render.Json;
import pooltag.core.error.PooltagException;
import pooltag.linux.cgroup.CgroupHierarchy;

/**
 * "Which container leaks kernel memory", on this kernel: the test makes two cgroups in the memory hierarchy (v1 here,
 * v2 where it has the memory controller), under the cgroup this JVM runs in so every child stays inside its
 * parent's accounting; moves a child that leaks pipes into one and a child that churns pipes (opens and closes them)
 * into the other; then checks that {@code hunt --tag-by cgroup} calls the leaking cgroup a leak ranked first among
 * the cgroups this test made (other tenants of this busy machine may leak in their own cgroups: they are listed,
 * never judged), that the churning one is not a leak, that the pipe suspects name the leaking cgroup as their top
 * holder, and that {@code poolused --by cgroup} shows the leaking cgroup's own kernel memory growing. Cleanup kills
 * the children and removes both cgroups, on failure too.
 */
class CgroupHuntLiveTest {
    static final int LEAKED = 499;
    static final int LEAK_TOTAL = 1499;

    private final List<Process> children = new ArrayList<>();
    private final List<LeakChild> leakers = new ArrayList<>();
    private final List<Path> made = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (LeakChild p : leakers) {
            p.close();
        }
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        // A cgroup can be removed once its last task has exited; the kernel reaps them asynchronously.
        for (int i = made.size() - 1; i >= 0; i--) {
            Path d = made.get(i);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Files.exists(d)) {
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("cannot remove test cgroup " + d + ": " + e.getMessage(), e);
                    }
                    Thread.sleep(50);
                }
            }
        }
        Path mine = Path.of("/sys/kernel/tracing/instances",
                pooltag.linux.tracefs.InstanceOwner.current().instanceName());
        assertTrue(!Files.exists(mine), "tracefs instance left behind: " + mine);
    }

    /** This JVM's memory cgroup directory, or a skip saying why there is none. */
    static Path ownCgroup(CgroupHierarchy h) throws IOException {
        String path = h.pathIn(Files.readString(Path.of("/proc/self/cgroup")));
        assumeTrue(path != null, "this process has no memory cgroup line in /proc/self/cgroup");
        Path d = h.directory(path);
        assumeTrue(d != null && Files.isDirectory(d), "own memory cgroup " + path + " is outside the mounted hierarchy");
        return d;
    }

    /** Makes a cgroup under {@code parent}; returns its path as /proc/pid/cgroup will show it. */
    private String makeCgroup(CgroupHierarchy h, Path parent, String name) throws IOException {
        Path d = parent.resolve(name);
        Files.createDirectory(d);
        made.add(d);
        String rel = h.mountPoint().relativize(d).toString();
        String root = h.mountRoot().equals("/") ? "" : h.mountRoot();
        return root + "/" + rel;
    }

    private static void move(CgroupHierarchy h, String cgroup, long pid) throws IOException {
        Files.writeString(h.directory(cgroup).resolve("cgroup.procs"), Long.toString(pid));
        String now = h.pathIn(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")));
        assertEquals(cgroup, now, "the child did not move");
    }

    /** The corpus's pipe leaker (pipe2, 200 per second), prepared and waiting for GO. */
    private LeakChild leaker() throws Exception {
        LeakChild p = LeakChild.start("pipe", LEAK_TOTAL, 200);
        leakers.add(p);
        return p;
    }

    /** Opens and closes pipes at about 2000 per second for 30 s: churn, nothing kept. */
    private Process churner() throws IOException {
        Process p = new ProcessBuilder("python3", "-c", String.join("\n",
                "import os, time",
                "end = time.time() + 30",
                "while time.time() < end:",
                "    for i in range(20):",
                "        r, w = os.pipe(); os.close(r); os.close(w)",
                "    time.sleep(0.01)")).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        children.add(p);
        return p;
    }

    private static long ownKernelBytes(String cgroup) throws Exception {
        CliRun r = CliRun.of("poolused", "--by", "cgroup", "--json", cgroup);
        assertEquals(0, r.exit(), r.err());
        JsonNode rows = Json.MAPPER.readTree(r.out()).get("cgroups");
        assertEquals(1, rows.size(), r.out());
        return rows.get(0).get("own_total_bytes").asLong();
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void theHuntNamesTheCgroupThatLeaksAndPoolusedShowsItGrowing() throws Exception {
        Live.assumeLive();
        HuntLiveTest.needsTracing();
        CgroupHierarchy h;
        try {
            h = CgroupHierarchy.live();
        } catch (PooltagException e) {
            assumeTrue(false, "no memory cgroup hierarchy: " + e.getMessage());
            return;
        }
        Path own = ownCgroup(h);
        removeStale(own);
        String tag = "pooltag-test-" + ProcessHandle.current().pid();
        String leakCg = makeCgroup(h, own, tag + "-leak");
        String churnCg = makeCgroup(h, own, tag + "-churn");
        LeakChild leaker = leaker();
        move(h, leakCg, leaker.pid());
        Process churn = churner();
        move(h, churnCg, churn.pid());

        long before = ownKernelBytes(leakCg);
        CompletableFuture<CliRun> hunt = CompletableFuture.supplyAsync(
                () -> CliRun.of("hunt", "--duration", "6s", "--tag-by", "cgroup", "--json", "--top", "40"));
        HuntLiveTest.awaitTracing(300);
        leaker.go();
        CliRun r = hunt.get(150, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        long after = ownKernelBytes(leakCg);
        JsonNode report = Json.MAPPER.readTree(r.out());

        // Ranking among the cgroups: ours first among the ones this test made; the churner no leak.
        List<String> cgroupRanks = new ArrayList<>();
        JsonNode leakSuspect = null;
        JsonNode churnSuspect = null;
        for (JsonNode s : report.get("suspects")) {
            if (!s.get("kind").asText().equals("cgroup")) {
                continue;
            }
            cgroupRanks.add(String.format("%s conf %.2f outstanding %d", s.get("tag").asText(),
                    s.get("confidence").asDouble(), s.get("outstanding").asLong()));
            if (s.get("tag").asText().equals(leakCg) && leakSuspect == null) {
                leakSuspect = s;
            }
            if (s.get("tag").asText().equals(churnCg) && churnSuspect == null) {
                churnSuspect = s;
            }
        }
        System.out.println("CgroupHuntLiveTest: cgroups ranked " + cgroupRanks);
        assertNotNull(leakSuspect, "the leaking cgroup " + leakCg + " is not ranked: " + cgroupRanks);
        assertTrue(leakSuspect.get("leak").asBoolean(), "not called a leak: " + cgroupRanks + "; its evidence: "
                + leakSuspect.get("evidence"));
        assertTrue(leakSuspect.get("outstanding").asLong() >= 2L * LEAKED, "outstanding " + leakSuspect);
        assertTrue(churnSuspect == null || !churnSuspect.get("leak").asBoolean(), "churn called a leak: " + cgroupRanks);
        String firstOfOurs = null;
        for (String line : cgroupRanks) {
            if (line.startsWith(h.mountRoot().equals("/") ? "/" : h.mountRoot()) && line.contains(tag)) {
                firstOfOurs = line;
                break;
            }
        }
        assertTrue(firstOfOurs != null && firstOfOurs.startsWith(leakCg + " "), "rank 1 among ours: " + firstOfOurs);
        // A cgroup ranked above ours must be another tenant's (never one of ours, never a context row).
        for (String line : cgroupRanks) {
            if (line.startsWith(leakCg + " ")) {
                break;
            }
            assertTrue(!line.contains(tag), "one of ours outranks the leak: " + cgroupRanks);
        }

        // The pipe suspects name the container: the leaking cgroup holds most of their outstanding bytes.
        boolean named = false;
        for (JsonNode s : report.get("suspects")) {
            if (List.of("alloc_pipe_info", "kmalloc-cg-1k", "kmalloc-cg-192").contains(s.get("tag").asText())
                    && s.get("leak").asBoolean()) {
                JsonNode top = s.get("cgroups").get(0);
                assertEquals(leakCg, top.get("cgroup").asText(), s.get("tag") + " held by " + s.get("cgroups"));
                assertTrue(top.get("share").asDouble() > 0.5, s.get("tag") + " held by " + s.get("cgroups"));
                named = true;
            }
        }
        assertTrue(named, "no pipe suspect called a leak with its cgroups");

        // poolused --by cgroup: the kernel's own accounting saw the leak too (a pipe charges > 1 KiB: its buffer
        // array from kmalloc-cg-1k, pipe_inode_info, two files).
        System.out.println("CgroupHuntLiveTest: " + leakCg + " own kernel bytes " + before + " -> " + after);
        assertTrue(after - before >= 1024L * LEAKED, "own kernel bytes " + before + " -> " + after);
        assertEquals(0, report.get("loss").get("lost_events").asLong(), "events lost");
    }

    /** Test cgroups a killed run left behind (ours by prefix; empty once their tasks died). */
    private static void removeStale(Path own) throws IOException {
        try (Stream<Path> s = Files.list(own)) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith("pooltag-test-")).toList()) {
                try {
                    Files.delete(d);
                    System.err.println("CgroupHuntLiveTest: removed stale test cgroup " + d);
                } catch (IOException e) {
                    // still has tasks: another run of this test in progress
                }
            }
        }
    }
}
