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
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerStats;
import pooltag.core.ledger.SymbolResolver;
import pooltag.core.snapshot.Pool;

/**
 * Ledger throughput: alloc/free pairs through one reusable {@link AllocEvent} view, as the decoder delivers them,
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
    static final int SITES = 61;
    static final int CACHES = 13;
    static final int STACKS = 31;

    @Param({"1000", "100000", "1000000"})
    public int outstanding;

    private Ledger ledger;
    private final View view = new View();
    private long ts;
    private long seq;
    private final long[] siteAddr = new long[SITES];
    private final long[][] stacks = new long[STACKS][12];
    private final ReadOnly readOnly = new ReadOnly();

    @Setup(Level.Trial)
    public void setup() {
        ledger = new Ledger(new Catalog(), new Symbols(), outstanding + IN_FLIGHT);
        for (int i = 0; i < SITES; i++) {
            siteAddr[i] = 0xffffffff81000000L + 0x1000L * i * 7 + 0x3c;
        }
        for (int s = 0; s < STACKS; s++) {
            for (int f = 0; f < 12; f++) {
                stacks[s][f] = 0xffffffff81000000L + 0x1000L * (s * 13 + f) + 0x20;
            }
        }
        // Long-lived background allocations at addresses the pairs never use (a separate region).
        for (int i = 0; i < outstanding; i++) {
            view.alloc(ts += 50, 0, 1, 0xffff900000000000L + 64L * i, siteAddr[i % SITES], 64, i % CACHES, i);
            ledger.onEvent(view);
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
        int k = (int) (n % SITES);
        view.alloc(ts += 100, (int) (n & 1), 1000 + (int) (n & 7), pairAddress(n), siteAddr[k], 192,
                (n % 3) == 0 ? -1 : (int) (n % CACHES), n);
        c.onEvent(view);
    }

    /** Frees the allocation made {@value #IN_FLIGHT} allocations before the latest. */
    private void freeOldest(AllocEventConsumer c) {
        long n = seq - 1 - IN_FLIGHT;
        view.free(ts += 100, (int) ((n >>> 1) & 1), 2000, pairAddress(n));
        c.onEvent(view);
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
            view.stack(ts += 10, (int) (n & 1), 1000 + (int) (n & 7), stacks[(int) (n % STACKS)]);
            l.onEvent(view);
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

    /** The decoder-side flyweight: one object, overwritten per event. */
    static final class View implements AllocEvent {
        int type, source, cpu, pid, cacheId, depth;
        long ts, addr, callSite, bytes, gfp;
        long[] frames;

        void alloc(long ts, int cpu, int pid, long addr, long callSite, long bytes, int cacheId, long n) {
            this.type = ALLOC;
            this.source = cacheId < 0 ? SOURCE_KMALLOC : SOURCE_KMEM_CACHE;
            this.ts = ts;
            this.cpu = cpu;
            this.pid = pid;
            this.addr = addr;
            this.callSite = callSite;
            this.bytes = bytes;
            this.cacheId = cacheId;
            this.gfp = (n & 15) == 0 ? 0x400cc0L : 0xcc0L; // GFP_KERNEL, every 16th accounted
            this.depth = 0;
        }

        void free(long ts, int cpu, int pid, long addr) {
            this.type = FREE;
            this.ts = ts;
            this.cpu = cpu;
            this.pid = pid;
            this.addr = addr;
            this.bytes = 0;
            this.gfp = 0;
            this.depth = 0;
        }

        void stack(long ts, int cpu, int pid, long[] frames) {
            this.type = STACK;
            this.ts = ts;
            this.cpu = cpu;
            this.pid = pid;
            this.frames = frames;
            this.depth = frames.length;
        }

        @Override public int type() { return type; }
        @Override public int source() { return source; }
        @Override public long timestampNanos() { return ts; }
        @Override public int cpu() { return cpu; }
        @Override public int pid() { return pid; }
        @Override public long address() { return addr; }
        @Override public long callSite() { return callSite; }
        @Override public long bytesRequested() { return bytes; }
        @Override public long bytesAllocated() { return bytes; }
        @Override public int cacheId() { return cacheId; }
        @Override public long gfpFlags() { return gfp; }
        @Override public int stackDepth() { return depth; }
        @Override public long stackFrame(int i) { return frames[i]; }
    }

    static final class Catalog implements CacheCatalog {
        @Override
        public String name(int cacheId) {
            return "cache_" + cacheId;
        }

        @Override
        public Pool pool(int cacheId) {
            return cacheId % 5 == 0 ? Pool.PAGED : Pool.NONPAGED;
        }
    }

    static final class Symbols implements SymbolResolver {
        @Override
        public long functionStart(long address) {
            return address & ~0xfffL;
        }

        @Override
        public String name(long functionStart) {
            return "fn_" + Long.toHexString(functionStart);
        }

        @Override
        public String module(long functionStart) {
            return "[kernel]";
        }
    }
}
