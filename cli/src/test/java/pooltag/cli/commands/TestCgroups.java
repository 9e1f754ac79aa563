package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import pooltag.core.error.PooltagException;
import pooltag.linux.cgroup.CgroupHierarchy;

/**
 * Cgroups a live test makes in the memory hierarchy (v1 here, v2 where it has the memory controller), under the
 * cgroup this JVM runs in so every child stays inside its parent's accounting; and the churning child the cgroup
 * tests run beside a leaker. {@link #close()} kills the children and removes the cgroups (the kernel reaps an
 * exited task's membership asynchronously, so it retries for up to 10 s), on failure too.
 */
final class TestCgroups implements AutoCloseable {
    final CgroupHierarchy hierarchy;
    /** Every cgroup this run makes starts with this: {@code pooltag-test-<pid>}. */
    final String prefix = "pooltag-test-" + ProcessHandle.current().pid();
    private final Path own;
    private final List<Path> made = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    private TestCgroups(CgroupHierarchy h, Path own) {
        this.hierarchy = h;
        this.own = own;
    }

    /** Under this JVM's memory cgroup; skips (saying why) when the kernel has no memory hierarchy to use. */
    static TestCgroups underOwn() throws IOException {
        CgroupHierarchy h;
        try {
            h = CgroupHierarchy.live();
        } catch (PooltagException e) {
            assumeTrue(false, "no memory cgroup hierarchy: " + e.getMessage());
            return null;
        }
        String path = h.pathIn(Files.readString(Path.of("/proc/self/cgroup")));
        assumeTrue(path != null, "this process has no memory cgroup line in /proc/self/cgroup");
        Path d = h.directory(path);
        assumeTrue(d != null && Files.isDirectory(d), "own memory cgroup " + path + " is outside the mounted hierarchy");
        TestCgroups t = new TestCgroups(h, d);
        t.removeStale();
        return t;
    }

    /** Makes {@code prefix-name}; returns its path as {@code /proc/<pid>/cgroup} will show it. */
    String make(String name) throws IOException {
        Path d = own.resolve(prefix + "-" + name);
        Files.createDirectory(d);
        made.add(d);
        String rel = hierarchy.mountPoint().relativize(d).toString();
        String root = hierarchy.mountRoot().equals("/") ? "" : hierarchy.mountRoot();
        return root + "/" + rel;
    }

    void move(String cgroup, long pid) throws IOException {
        Files.writeString(hierarchy.directory(cgroup).resolve("cgroup.procs"), Long.toString(pid));
        String now = hierarchy.pathIn(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")));
        assertEquals(cgroup, now, "the child did not move");
    }

    /** Opens and closes pipes at about 2000 per second for 30 s: churn, nothing kept. */
    Process churner() throws IOException {
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

    /**
     * The cgroup suspects of a hunt's JSON, in rank order, as "path conf C outstanding N"; asserts the first of
     * this run's cgroups among them is {@code leakCg} and that none of ours outranks it (another tenant's cgroup
     * may: the machine is shared, and only our children are judged).
     */
    List<String> assertRankOneAmongOurs(JsonNode report, String leakCg) {
        List<String> ranks = new ArrayList<>();
        for (JsonNode s : report.get("suspects")) {
            if (s.get("kind").asText().equals("cgroup")) {
                ranks.add(String.format("%s conf %.2f outstanding %d", s.get("tag").asText(),
                        s.get("confidence").asDouble(), s.get("outstanding").asLong()));
            }
        }
        String firstOfOurs = null;
        for (String line : ranks) {
            if (line.contains(prefix)) {
                firstOfOurs = line;
                break;
            }
        }
        assertTrue(firstOfOurs != null && firstOfOurs.startsWith(leakCg + " "), "rank 1 among ours: " + firstOfOurs
                + " in " + ranks);
        return ranks;
    }

    /**
     * A cgroup live test's cleanup, on failure too: the leakers, then the cgroups (may be null: the test skipped
     * before making any), then the check that this JVM's tracefs instance is gone.
     */
    static void cleanUp(List<pooltag.cli.leaks.LeakChild> leakers, TestCgroups cgroups) throws Exception {
        for (pooltag.cli.leaks.LeakChild p : leakers) {
            p.close();
        }
        if (cgroups != null) {
            cgroups.close();
        }
        Path mine = pooltag.cli.live.TracefsInstances.mine();
        assertTrue(!Files.exists(mine), "tracefs instance left behind: " + mine);
    }

    @Override
    public void close() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
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
    }

    /** Test cgroups a killed run left behind (ours by prefix; empty once their tasks died). */
    private void removeStale() throws IOException {
        try (Stream<Path> s = Files.list(own)) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith("pooltag-test-")).toList()) {
                try {
                    Files.delete(d);
                    System.err.println("TestCgroups: removed stale test cgroup " + d);
                } catch (IOException e) {
                    // still has tasks: another run of a cgroup test in progress
                }
            }
        }
    }
}
