package pooltag.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerOptions;
import pooltag.core.ledger.LedgerStats;
import pooltag.core.testkit.Population;
import pooltag.core.testkit.ReusableEvent;
import pooltag.core.testkit.SyntheticKernel;

/**
 * The ledger at its cap ({@code --max-outstanding}): every event is an allocation that is never freed, an event storm
 * of long-lived allocations, 1 us apart. The table starts full, so every insert is paid for by evictions (the oldest
 * {@code cap / 8} at once, found by a radix select over the table's ticks). One operation is one event. Compare with
 * {@link LedgerBenchmark#allocFree} at a similar table size: the difference is what the cap costs. Zero bytes per
 * event: the select's histogram is allocated once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class LedgerCapBenchmark {
    static final int BATCH = 4096;

    @Param({"100000", "1000000"})
    public int cap;

    private Ledger ledger;
    private final ReusableEvent view = new ReusableEvent();
    private long ts;
    private long seq;

    @Setup(Level.Trial)
    public void setup() {
        SyntheticKernel kernel = new SyntheticKernel();
        ledger = new Ledger(kernel, kernel, LedgerOptions.defaults().withMaxOutstanding(cap).withExpectedOutstanding(cap));
        for (int i = 0; i < cap; i++) {
            allocNext();
        }
    }

    /** Every allocation is either still outstanding or was evicted, and the table never passed the cap. */
    @TearDown(Level.Trial)
    public void check() {
        LedgerStats st = ledger.stats();
        if (st.outstanding() > cap || st.allocs() != st.outstanding() + st.evictedOutstanding() || st.frees() != 0) {
            throw new IllegalStateException("benchmark stream is not what it claims: " + st);
        }
    }

    private void allocNext() {
        long n = seq++;
        ledger.onEvent(Population.nth(view, n, ts += 1000, 0xffff888100000000L + 64L * n, 192));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void stormAtCap() {
        for (int i = 0; i < BATCH; i++) {
            allocNext();
        }
    }
}
