package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.core.cgroup.CgroupUsage;
import pooltag.core.cgroup.KernelMemoryKind;

/** {@code mon --by cgroup --batch} on fake cgroup snapshots, through the picocli command. */
class MonByCgroupTest {
    private static final List<KernelMemoryKind> V1 = List.of(KernelMemoryKind.KMEM, KernelMemoryKind.SOCK);

    /** /, /app, /app/web, /app/db, /sys: each read grows /app/web by 4096 bytes. */
    static Supplier<CgroupSnapshot> growing(CgroupSnapshot.Left left) {
        AtomicInteger reads = new AtomicInteger();
        return () -> {
            long g = 4096L * reads.getAndIncrement();
            Map<String, long[]> m = new LinkedHashMap<>();
            m.put("/", kmem(100_000 + g));
            m.put("/app", kmem(60_000 + g));
            m.put("/app/web", kmem(30_000 + g));
            m.put("/app/db", kmem(20_000));
            m.put("/sys", kmem(10_000));
            return CgroupSnapshot.ofHierarchical(System.nanoTime(), "fake", V1, m, left);
        };
    }

    private static long[] kmem(long v) {
        long[] a = new long[KernelMemoryKind.values().length];
        java.util.Arrays.fill(a, CgroupUsage.UNKNOWN);
        a[KernelMemoryKind.KMEM.ordinal()] = v;
        return a;
    }

    static CliRun mon(Supplier<CgroupSnapshot> source, String... args) {
        return CliRun.of(cl -> ((MonCommand) cl.getSubcommands().get("mon").getCommand()).cgroupSource = source,
                args);
    }

    @Test
    void everyIncludeAndExcludeFiltersCgroupsPoolMonLettersToo() {
        CliRun r = mon(growing(CgroupSnapshot.Left.NONE), "mon", "--by", "cgroup", "--batch", "--count", "2",
                "--interval", "0.01", "-i", "/app*", "-i", "/sys", "-x", "/app/db", "/x/app");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(" /app/web "), r.out());
        assertTrue(r.out().contains(" /sys "), r.out());
        assertFalse(r.out().contains("/app/db"), "-x /app/db: " + r.out());
        assertFalse(r.out().lines().anyMatch(l -> l.startsWith(" /app ")), "/x/app: " + r.out());
        assertTrue(r.out().contains(" 2 of 2 cgroups shown;"), r.out());
        assertTrue(r.out().contains(" Growth in "), r.out());
        assertTrue(r.out().contains(" 1 cgroup grew"), r.out());
    }

    @Test
    void jsonGoesToOutputAndSaysWhatTheTopCutLeftOut(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cg.json");
        CliRun r = mon(growing(new CgroupSnapshot.Left(1, 3, 2)), "mon", "--by", "cgroup", "--batch", "--count", "2",
                "--interval", "0.01", "--json", "--top", "2", "--output", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out(), "the JSON is in --output");
        JsonNode j = new ObjectMapper().readTree(Files.readString(file));
        assertEquals(5, j.get("total_cgroups").asInt());
        assertEquals(2, j.get("shown_cgroups").asInt());
        assertEquals(2, j.get("cgroups").size());
        assertEquals(1, j.get("vanished_cgroups").asInt());
        assertEquals(3, j.get("over_cap_cgroups").asInt());
        assertEquals(2, j.get("no_memory_controller_cgroups").asInt());
        assertEquals(6, j.get("unreadable_cgroups").asInt());
        assertTrue(j.get("loss").get("truncated").asBoolean(), "over the cap is truncation: " + j.get("loss"));
        assertEquals("/app/web", j.get("growth").get("grown").get(0).get("cgroup").asText());
    }

    @Test
    void theTableNamesEachCauseOfAMissingRow() {
        CliRun r = mon(growing(new CgroupSnapshot.Left(1, 3, 2)), "mon", "--by", "cgroup", "--batch");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(" 5 of 5 cgroups shown; not read: 1 removed while reading, 3 over the walk's cap"
                + " (truncated), 2 without the memory controller"), r.out());
    }

    @Test
    void anExistingOutputIsNotOverwritten(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("keep"), "keep");
        CliRun r = mon(growing(CgroupSnapshot.Left.NONE), "mon", "--by", "cgroup", "--batch", "--output",
                file.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("already exists"), r.err());
        assertEquals("keep", Files.readString(file));
    }
}
