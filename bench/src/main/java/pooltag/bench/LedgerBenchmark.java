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
import org.openjdk.jmh.infra.Blackhole;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerStats;
import pooltag.core.testkit.Population;
import pooltag.core.testkit.ReusableEvent;
import pooltag.core.testkit.SyntheticKernel;

/**
 * Ledger throughput: alloc/free pairs through one reusable {@link AllocEvent} view ({@link ReusableEvent}, from core's
 * test fixtures), as the decoder delivers them,
 * with {@code outstanding} long-lived allocations already in the table (the table's size sets its cache misses).
 * One operation is one event; the score is events per second.
 *
 * <ul>
 *   <li>{@link #baseline}: the same events into a consumer that only reads the fields the ledger reads: the cost
 *       of producing and reading the view, which the ledger cannot go below;</li>
 *   <li>{@link #allocFree}: kmem_cache and kmalloc allocations from 61 call sites and 13 caches, each freed
 *       {@value #IN_FLIGHT} allocations later, so the table's size stays at {@code outstanding + IN_FLIGHT};</li>
 *   <li>{@link #allocStackFree}: the same with a 12-frame stack after every allocation (the hit-tag case),
 *       stacks drawn from 31 distinct paths, so interning finds a known stack.</li>
 * </ul>
 * Run with {@code -prof gc}: the ledger allocates nothing per event (gc.alloc.rate.norm ~ 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class LedgerBenchmark {
    static final int IN_FLIGHT = 1024;
    static final int BATCH = 4096;

    @Param({"1000", "100000", "1000000"})
    public int outstanding;

    private Ledger ledger;
    private final ReusableEvent view = new ReusableEvent();
    private long ts;
    private long seq;
    private final long[][] stacks = Population.stacks();
    private final ReadOnly readOnly = new ReadOnly();

    @Setup(Level.Trial)
    public void setup() {
        SyntheticKernel kernel = new SyntheticKernel();
        ledger = new Ledger(kernel, kernel, outstanding + IN_FLIGHT);
        // Long-lived background allocations at addresses the pairs never use (a separate region).
        for (int i = 0; i < outstanding; i++) {
            ledger.onEvent(view.alloc(AllocEvent.SOURCE_KMEM_CACHE, ts += 50, 0, 1, 0xffff900000000000L + 64L * i,
                    Population.siteAddress(i % Population.SITES), 64, i % Population.CACHES,
                    (i & 15) == 0 ? Population.GFP_KERNEL_ACCOUNT : Population.GFP_KERNEL));
        }
        // The in-flight window: allocations the benchmark frees IN_FLIGHT events later.
        for (int i = 0; i < IN_FLIGHT; i++) {
            allocNext(ledger);
        }
    }

    /** The benchmark measures what it claims only if every free paired and no allocation was written off. */
    @TearDown(Level.Trial)
    public void check() {
        LedgerStats st = ledger.stats();
        if (st.unpairedFrees() != 0 || st.doubleAllocs() != 0 || st.outstanding() != outstanding + IN_FLIGHT
                || st.lostEvents() != 0) {
            throw new IllegalStateException("benchmark stream is not clean: " + st);
        }
    }

    private long pairAddress(long n) {
        return 0xffff888100000000L + 192L * (n % (4L * IN_FLIGHT));
    }

    private void allocNext(AllocEventConsumer c) {
        long n = seq++;
        c.onEvent(Population.nth(view, n, ts += 100, pairAddress(n), 192));
    }

    /** Frees the allocation made {@value #IN_FLIGHT} allocations before the latest. */
    private void freeOldest(AllocEventConsumer c) {
        long n = seq - 1 - IN_FLIGHT;
        c.onEvent(view.free(ts += 100, (int) ((n >>> 1) & 1), 2000, pairAddress(n)));
    }

    @Benchmark
    @OperationsPerInvocation(2 * BATCH)
    public void baseline(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            allocNext(readOnly);
            freeOldest(readOnly);
        }
        bh.consume(readOnly.sum);
    }

    @Benchmark
    @OperationsPerInvocation(2 * BATCH)
    public void allocFree() {
        Ledger l = ledger;
        for (int i = 0; i < BATCH; i++) {
            allocNext(l);
            freeOldest(l);
        }
    }

    @Benchmark
    @OperationsPerInvocation(3 * BATCH)
    public void allocStackFree() {
        Ledger l = ledger;
        for (int i = 0; i < BATCH; i++) {
            allocNext(l);
            long n = seq - 1;
            l.onEvent(view.stack(ts += 10, (int) (n & 1), 1000 + (int) (n & 7), stacks[(int) (n % Population.STACKS)]));
            freeOldest(l);
        }
    }

    /** Reads what the ledger reads, so the baseline pays for the view's virtual calls too. */
    static final class ReadOnly implements AllocEventConsumer {
        long sum;

        @Override
        public void onEvent(AllocEvent e) {
            sum += e.type() + e.source() + e.timestampNanos() + e.cpu() + e.pid() + e.address() + e.callSite()
                    + e.bytesAllocated() + e.cacheId() + e.gfpFlags();
        }

        @Override
        public void onLoss(int cpu, long count) {
        }
    }
}
