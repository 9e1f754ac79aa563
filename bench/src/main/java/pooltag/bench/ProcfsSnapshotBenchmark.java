package pooltag.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.linux.procfs.SlabinfoParser;

/**
 * How the cost of a {@code poolused} snapshot grows with the number of slab caches. A synthetic tree on tmpfs-like
 * storage ({@code java.io.tmpdir}) with N caches, a third of them merged names (symlinks), so the sysfs walk and
 * the slabinfo parse both scale with N. {@code live} reads this machine's real files for reference.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProcfsSnapshotBenchmark {
    @Param({"250", "1000", "4000"})
    public int caches;

    private Path root;
    private ProcfsSource synthetic;
    private String slabinfoText;
    private PoolUsedQuery byNonPaged;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        root = Files.createTempDirectory("pooltag-bench-procfs");
        Path slab = Files.createDirectories(root.resolve("sys/kernel/slab"));
        StringBuilder sb = new StringBuilder("slabinfo - version: 2.1\n# name <active_objs> ...\n");
        for (int i = 0; i < caches; i++) {
            String name = "cache_" + i;
            sb.append(String.format("%-17s %6d %6d %6d %4d %4d : tunables    0    0    0 : slabdata %6d %6d      0%n",
                    name, 1000 + i, 1100 + i, 64 + (i % 32) * 8, 32, 1, 40, 40));
            if (i % 3 == 0) {
                Files.createSymbolicLink(slab.resolve(name), Path.of(":" + i));
                name = ":" + i;
            }
            Path d = Files.createDirectories(slab.resolve(name));
            Files.writeString(d.resolve("reclaim_account"), (i % 5 == 0 ? "1" : "0") + "\n");
        }
        slabinfoText = sb.toString();
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/slabinfo"), slabinfoText);
        synthetic = new ProcfsSource(root, false);
        byNonPaged = PoolUsedQuery.parse("2", null);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Parsing alone: the part that is linear in the text. */
    @Benchmark
    public int parseSlabinfo() {
        return SlabinfoParser.parse(slabinfoText, "slabinfo").size();
    }

    /** Everything poolused does before printing: read files, walk sysfs, build rows, sort by NonPaged use. */
    @Benchmark
    public int snapshotAndSort() {
        UsageSnapshot s = synthetic.take();
        return byNonPaged.apply(s).rows().size();
    }
}
