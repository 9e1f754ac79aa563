package pooltag.bench;

import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;

import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.Outstanding;
import pooltag.core.ledger.StackGroup;
import pooltag.core.rank.HuntReport;
import pooltag.core.rank.RankOptions;
import pooltag.core.rank.SuspectRanker;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.core.testkit.Population;
import pooltag.core.testkit.SyntheticKernel;
import pooltag.linux.kmem.KmemTagPolicy;

/**
 * What the ledger answers after a run, over {@code outstanding} allocations spread over 10 s from 61 call sites and
 * 13 caches, every 4th with one of 31 stacks ({@link Population#spread}, shared with core's tests): {@code !poolfind} of one site ({@link #poolfind}: a table scan and a
 * sort of the site's ~1/61 of the table), {@code hit}'s grouping by stack ({@link #byStack}), and the hunt's ranking
 * ({@link #rank}, {@link SuspectRanker} over every outstanding allocation). One operation is one query; these
 * allocate their answer, so B/op is the size of the answer, not zero.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class LedgerQueryBenchmark {
    @Param({"100000", "1000000"})
    public int outstanding;

    private Ledger ledger;
    private int site;
    private final List<UsageSnapshot> procfs = List.of();

    @Setup(Level.Trial)
    public void setup() {
        // Linux's policy, as every live ledger has it: the ranking looks for reclaimable constructors on the stacks.
        SyntheticKernel kernel = new SyntheticKernel();
        ledger = new Ledger(kernel, kernel, KmemTagPolicy.ledgerOptions().withExpectedOutstanding(outstanding));
        Population.spread(ledger, outstanding, 10_000_000_000L);
        site = ledger.tagId(TagKind.SITE, Population.siteName(7));
        if (site < 0 || ledger.stats().outstanding() != outstanding) {
            throw new IllegalStateException("setup did not build the table it claims: " + ledger.stats());
        }
    }

    @Benchmark
    public List<Outstanding> poolfind() {
        return ledger.outstanding(TagKind.SITE, site, Integer.MAX_VALUE);
    }

    @Benchmark
    public List<StackGroup> byStack() {
        return ledger.outstandingByStack(TagKind.SITE, site);
    }

    @Benchmark
    public HuntReport rank() {
        return SuspectRanker.rank(ledger, procfs, 0, RankOptions.defaults());
    }
}
