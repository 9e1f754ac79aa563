package pooltag.core.rank;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import pooltag.core.ledger.Feeder;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.core.testkit.SyntheticKernel;

/**
 * A synthetic hunt: several workloads, each a kmem cache with its own call site, merged by timestamp into one
 * stream, plus the /proc/slabinfo samples the same workloads would produce.
 */
final class Scenario {
    static final long S = 1_000_000_000L;

    /** type: 1 allocation, 2 kfree, 3 kmem_cache_free naming its cache, 4 kfree of an object older than the hunt. */
    private record Ev(long ts, int type, int cacheId, long addr, long site, long bytes, long[] stack, int pid) {
    }

    private final List<Ev> events = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<Pool> pools = new ArrayList<>();
    private final List<long[]> liveDeltas = new ArrayList<>(); // per cache: {ts, +1/-1} pairs flattened
    private final List<Long> baselines = new ArrayList<>();
    private final List<Boolean> procfsFlat = new ArrayList<>();
    /** {cache, ts} of each older object freed: the kernel's count falls with it even in a flat cache. */
    private final List<long[]> olderFreedAt = new ArrayList<>();
    private long nextAddr = 0xffff888100000000L;
    private pooltag.core.ledger.TagPolicy policy = pooltag.core.ledger.TagPolicy.NONE;
    /** The tracer's own arming thread, as a live hunt tells its ledger (-1: none). */
    private int tracerTask = -1;

    /** The ledger is told that task {@code tid} is the tracer's own arming thread (as {@code Hunter} does). */
    Scenario tracerTask(int tid) {
        tracerTask = tid;
        return this;
    }

    /** The platform knowledge the ledger gets (none unless set). */
    Scenario policy(pooltag.core.ledger.TagPolicy p) {
        policy = p;
        return this;
    }

    /** A cache; returns its id. {@code procfsFlat}: slabinfo does not see the growth (frees it cannot trace). */
    int cache(String name, Pool pool, long baseline, boolean flat) {
        names.add(name);
        pools.add(pool);
        baselines.add(baseline);
        procfsFlat.add(flat);
        liveDeltas.add(new long[0]);
        return names.size() - 1;
    }

    /**
     * {@code count} allocations at {@code rate}/s from {@code from}, each freed {@code lifeNanos} later (-1: never).
     */
    Scenario workload(int cache, long site, long bytes, long from, int count, double rate, long lifeNanos,
                      long[] stack) {
        return workload(cache, site, bytes, from, count, rate, lifeNanos, stack, 1000);
    }

    /** The same, made by process {@code pid}. */
    Scenario workload(int cache, long site, long bytes, long from, int count, double rate, long lifeNanos,
                      long[] stack, int pid) {
        for (int i = 0; i < count; i++) {
            long ts = from + (long) (i * 1e9 / rate);
            long a = nextAddr;
            nextAddr += 64;
            events.add(new Ev(ts, 1, cache, a, site, bytes, stack, pid));
            delta(cache, ts, +1);
            if (lifeNanos >= 0) {
                events.add(new Ev(ts + lifeNanos, 2, cache, a, site, bytes, null, pid));
                delta(cache, ts + lifeNanos, -1);
            }
        }
        return this;
    }

    /**
     * {@code count} allocations at {@code rate}/s from {@code from} whose frees the kernel does not trace (kfree_rcu):
     * each object is really freed later and its address handed out again, here after {@code addresses} further
     * allocations, so the stream shows allocations at addresses still outstanding and the last {@code addresses}
     * look like survivors. Slabinfo stays flat.
     */
    Scenario untracedFrees(int cache, long site, long bytes, long from, int count, double rate, int addresses) {
        long base = nextAddr;
        nextAddr += 64L * addresses;
        for (int i = 0; i < count; i++) {
            long ts = from + (long) (i * 1e9 / rate);
            events.add(new Ev(ts, 1, cache, base + 64L * (i % addresses), site, bytes, null, 1000 + i % 7));
        }
        return this;
    }

    /**
     * {@code count} objects of {@code cache} made before the hunt (never traced), freed by process {@code pid} at
     * {@code rate}/s from {@code from}: frees that name their cache and find no allocation, while slabinfo falls with
     * each (a process closing what it opened earlier).
     */
    Scenario olderObjectsFreed(int cache, long from, int count, double rate, int pid) {
        long base = 0xffff889000000000L + 0x1000_0000L * cache;
        for (int i = 0; i < count; i++) {
            long ts = from + (long) (i * 1e9 / rate);
            events.add(new Ev(ts, 3, cache, base + 64L * i, 0, 0, null, pid));
            olderFreedAt.add(new long[] {cache, ts});
        }
        return this;
    }

    /**
     * As {@link #olderObjectsFreed}, but freed by {@code kfree}, which names no cache: the frees carry only their
     * addresses, where a kmalloc cache of {@code objectSize} bytes puts its objects: {@code i * objectSize} from the
     * start of 32 KiB slabs (so half have exactly the size's trailing zero bits, a quarter one more, and so on).
     */
    Scenario olderObjectsKfreed(int cache, long from, int count, double rate, int pid, long objectSize) {
        long base = 0xffff88a000000000L + 0x1000_0000L * cache;
        long perSlab = SLAB_BYTES / objectSize;
        for (int i = 0; i < count; i++) {
            long ts = from + (long) (i * 1e9 / rate);
            long address = base + SLAB_BYTES * (i / perSlab) + objectSize * (i % perSlab);
            events.add(new Ev(ts, 4, cache, address, 0, 0, null, pid));
            olderFreedAt.add(new long[] {cache, ts});
        }
        return this;
    }

    private static final long SLAB_BYTES = 32 * 1024;

    /**
     * {@code count} objects of {@code cache} allocated in bulk (no allocation event) and freed one by one with a
     * traced free that names the cache, each {@code lifeNanos} after its allocation, at {@code rate}/s from
     * {@code from}: unpaired frees that never lower the kernel's count below where it started.
     */
    Scenario bulkAllocatedThenFreed(int cache, long from, int count, double rate, long lifeNanos) {
        long base = 0xffff88b000000000L + 0x1000_0000L * cache;
        for (int i = 0; i < count; i++) {
            long ts = from + (long) (i * 1e9 / rate);
            events.add(new Ev(ts + lifeNanos, 3, cache, base + 64L * i, 0, 0, null, 2000));
            if (!procfsFlat.get(cache)) {
                delta(cache, ts, +1);
                delta(cache, ts + lifeNanos, -1);
            }
        }
        return this;
    }

    private void delta(int cache, long ts, int d) {
        long[] old = liveDeltas.get(cache);
        long[] n = java.util.Arrays.copyOf(old, old.length + 2);
        n[old.length] = ts;
        n[old.length + 1] = d;
        liveDeltas.set(cache, n);
    }

    /** Feeds everything up to {@code end} (events after it have not happened yet) into a fresh ledger. */
    Ledger run(long end) {
        Ledger ledger = new Ledger(new pooltag.core.ledger.CacheCatalog() {
            @Override
            public String name(int cacheId) {
                return names.get(cacheId);
            }

            @Override
            public Pool pool(int cacheId) {
                return pools.get(cacheId);
            }
        }, new SyntheticKernel(NAMES), pooltag.core.ledger.LedgerOptions.defaults().withExpectedOutstanding(1024)
                .withPolicy(policy));
        if (tracerTask >= 0) {
            ledger.trackRecentSites(S, 2 * S, tracerTask);
        }
        Feeder f = new Feeder(ledger);
        events.sort(Comparator.comparingLong(Ev::ts));
        // An event at 0 marks the start of the hunt, as the first event of a live session does.
        f.free(0, 0, 1, 0);
        for (Ev e : events) {
            if (e.ts() > end) {
                break;
            }
            if (e.type() == 1) {
                f.cacheAlloc(e.ts(), (int) (e.addr() >>> 6) & 1, e.pid(), e.addr(), e.site(), e.bytes(), e.cacheId());
                if (e.stack() != null) {
                    f.stack(e.ts(), (int) (e.addr() >>> 6) & 1, e.pid(), e.stack());
                }
            } else if (e.type() == 4) {
                f.free(e.ts(), (int) (e.addr() >>> 7) & 1, e.pid(), e.addr());
            } else if (e.type() == 3) {
                f.cacheFree(e.ts(), (int) (e.addr() >>> 7) & 1, e.pid(), e.addr(), e.cacheId());
            } else {
                f.free(e.ts(), (int) (e.addr() >>> 7) & 1, 2000, e.addr());
            }
        }
        f.free(end, 0, 1, 0); // the hunt's last moment
        return ledger;
    }

    /** /proc/slabinfo every {@code every} ns from 0 to {@code end}: baseline + live objects of each cache. */
    List<UsageSnapshot> procfs(long every, long end) {
        return procfs(every, end, 1, 0);
    }

    /**
     * The same as SLUB shows it: the growth since the start in whole slabs of {@code slabObjects}, rounded down (the
     * rest sits in a per-CPU slab already counted), every row stating {@code slack} as its live slack.
     */
    List<UsageSnapshot> procfs(long every, long end, int slabObjects, long slack) {
        List<UsageSnapshot> out = new ArrayList<>();
        for (long t = 0; t <= end; t += every) {
            List<TagUsage> rows = new ArrayList<>();
            for (int c = 0; c < names.size(); c++) {
                long grown = 0;
                if (!procfsFlat.get(c)) {
                    long[] d = liveDeltas.get(c);
                    for (int i = 0; i < d.length; i += 2) {
                        if (d[i] <= t) {
                            grown += d[i + 1];
                        }
                    }
                }
                for (long[] o : olderFreedAt) {
                    if (o[0] == c && o[1] <= t) {
                        grown--;
                    }
                }
                long live = baselines.get(c) + Math.floorDiv(grown, slabObjects) * slabObjects;
                rows.add(new TagUsage(names.get(c), TagKind.CACHE, pools.get(c), TagUsage.UNKNOWN, TagUsage.UNKNOWN,
                        live, live * 192, "", slack));
            }
            out.add(new UsageSnapshot(t, "/proc/slabinfo (synthetic)", rows, Loss.NONE));
        }
        return out;
    }

    /** Functions with real names, for stacks that must name a system call or a constructor (others: fn_<hex>). */
    static final java.util.Map<Long, String> NAMES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Names the 0x1000-byte function at {@code start}; returns {@code start}. */
    static long named(long start, String name) {
        NAMES.put(start, name);
        return start;
    }

    static String site(long site) {
        return new SyntheticKernel(NAMES).name(SyntheticKernel.functionOf(site));
    }
}
