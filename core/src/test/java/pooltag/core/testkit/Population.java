package pooltag.core.testkit;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;

/**
 * The synthetic allocation mix the ledger's tests and benchmarks share: {@value #SITES} call sites, {@value #CACHES}
 * kmem caches plus kmalloc, and {@value #STACKS} distinct {@value #DEPTH}-frame stacks, over a {@link SyntheticKernel}.
 * Allocation {@code n} is a pure function of {@code n} ({@link #nth}), so a benchmark can make it in its measured
 * loop without allocating and a test can name what it will find.
 */
public final class Population {
    public static final int SITES = 61;
    public static final int CACHES = 13;
    public static final int STACKS = 31;
    public static final int DEPTH = 12;
    /** GFP_KERNEL, and the same with __GFP_ACCOUNT (the kmalloc-cg-* caches). */
    public static final long GFP_KERNEL = 0xcc0L;
    public static final long GFP_KERNEL_ACCOUNT = 0x400cc0L;

    private Population() {
    }

    /** Call site {@code k} (0 <= k < {@link #SITES}): inside function {@code 0xffffffff81000000 + 0x7000 k}. */
    public static long siteAddress(int k) {
        return 0xffffffff81000000L + 0x1000L * k * 7 + 0x3c;
    }

    /** The site tag's name of call site {@code k}. */
    public static String siteName(int k) {
        return SyntheticKernel.syntheticName(SyntheticKernel.functionOf(siteAddress(k)));
    }

    /** The {@value #STACKS} stacks, {@value #DEPTH} synthetic frames each, innermost first. */
    public static long[][] stacks() {
        long[][] stacks = new long[STACKS][DEPTH];
        for (int s = 0; s < STACKS; s++) {
            for (int f = 0; f < DEPTH; f++) {
                stacks[s][f] = 0xffffffff81000000L + 0x1000L * (s * 13 + f) + 0x20;
            }
        }
        return stacks;
    }

    /**
     * Allocation number {@code n} at {@code ts}, {@code addr}, {@code bytes}: site {@code n % SITES}; kmalloc for
     * every third, else cache {@code n % CACHES}; CPU {@code n & 1}; pid {@code 1000 + (n & 7)}; every 16th
     * accounted. Allocates nothing.
     */
    public static ReusableEvent nth(ReusableEvent view, long n, long ts, long addr, long bytes) {
        int cache = (n % 3) == 0 ? -1 : (int) (n % CACHES);
        return view.alloc(cache < 0 ? AllocEvent.SOURCE_KMALLOC : AllocEvent.SOURCE_KMEM_CACHE, ts, (int) (n & 1),
                1000 + (int) (n & 7), addr, siteAddress((int) (n % SITES)), bytes, cache,
                (n & 15) == 0 ? GFP_KERNEL_ACCOUNT : GFP_KERNEL);
    }

    /**
     * Feeds {@code count} allocations that are never freed, evenly over {@code spanNanos} from 0: allocation {@link #nth
     * i} at {@code 0xffff900000000000 + 64 i}, {@code 64 + 8 (i % 5)} bytes, every 4th followed by stack
     * {@code i % STACKS}. What a hunt's ledger looks like after a run with {@code count} survivors.
     */
    public static void spread(AllocEventConsumer sink, int count, long spanNanos) {
        ReusableEvent view = new ReusableEvent();
        long[][] stacks = stacks();
        for (int i = 0; i < count; i++) {
            long ts = spanNanos * i / count;
            sink.onEvent(nth(view, i, ts, 0xffff900000000000L + 64L * i, 64 + 8 * (i % 5)));
            if ((i & 3) == 0) {
                sink.onEvent(view.stack(ts, i & 1, 1000 + (i & 7), stacks[i % STACKS]));
            }
        }
    }
}
