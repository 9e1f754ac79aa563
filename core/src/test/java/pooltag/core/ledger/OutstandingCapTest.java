package pooltag.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/** The cap on outstanding allocations: memory stays bounded, the oldest go first, and every eviction is counted. */
class OutstandingCapTest {
    static final long FN = 0xffffffff81200000L;
    static final int DENTRY = 7;
    /** One tick of the outstanding table (2^20 ns): allocations this far apart never share a tick. */
    static final long TICK = 1L << OutstandingTable.TICK_SHIFT;

    final FakeSymbols sym = new FakeSymbols().function(FN, "alloc_pipe_info", "[kernel]")
            .cache(DENTRY, "dentry", Pool.PAGED);

    static long addr(long i) {
        return 0xffff888100000000L + 64L * i;
    }

    Ledger capped(int cap) {
        return new Ledger(sym, sym, LedgerOptions.defaults().withMaxOutstanding(cap).withExpectedOutstanding(16));
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void millionsOfLongLivedAllocationsStayUnderTheCapAndEveryEvictionIsCounted() {
        int cap = 100_000;
        int n = 2_000_003;
        long before = usedHeapAfterGc();
        Ledger l = capped(cap);
        Feeder f = new Feeder(l);
        for (int i = 0; i < n; i++) {
            // 1 us apart (2 s in all), never freed: an event storm of long-lived allocations.
            f.cacheAlloc(1000L * i, i & 1, 1000 + (i & 7), addr(i), FN, 192, DENTRY);
        }
        LedgerStats st = l.stats();
        long retained = usedHeapAfterGc() - before;

        assertTrue(st.outstanding() <= cap, "outstanding " + st.outstanding());
        assertTrue(st.outstanding() > cap - cap / OldestFirstEviction.BATCH_DIVISOR - 1, "evicts a batch at a time");
        assertEquals(n, st.allocs());
        assertEquals(n - st.outstanding(), st.evictedOutstanding(), "every allocation is outstanding or evicted");
        assertEquals(st.evictedOutstanding(), st.loss().evictedOutstanding());
        assertEquals(LedgerOptions.tableBytesFor(cap), l.outstandingTableBytes(), "the table never grew past the cap");
        assertTrue(l.outstandingTableBytes() <= (long) LedgerOptions.STEADY_BYTES_PER_OUTSTANDING * cap);
        // Uncapped, 2 M outstanding allocations need a 4 Mi-slot table: 112 MiB (the control below). Capped: 3.5 MiB.
        assertTrue(retained < 32L << 20, "heap retained by the capped ledger: " + retained + " bytes");

        TagUsage u = l.usage(TagKind.CACHE, l.tagId(TagKind.CACHE, "dentry"), Pool.PAGED);
        assertEquals(n, u.allocs());
        assertEquals(0, u.frees(), "an eviction is not a free");
        assertEquals(st.outstanding(), u.live());
        assertEquals(st.outstanding() * 192, u.bytes());
    }

    /** The control: the same storm without a cap keeps every allocation, which the heap measurement sees. */
    @Test
    void withoutTheCapTheSameStormRetainsOverAHundredMegabytes() {
        int n = 2_000_003;
        long before = usedHeapAfterGc();
        Ledger l = capped(LedgerOptions.MAX_MAX_OUTSTANDING);
        Feeder f = new Feeder(l);
        for (int i = 0; i < n; i++) {
            f.cacheAlloc(1000L * i, i & 1, 1000 + (i & 7), addr(i), FN, 192, DENTRY);
        }
        long retained = usedHeapAfterGc() - before;
        assertEquals(n, l.stats().outstanding());
        assertEquals(0, l.stats().evictedOutstanding());
        assertEquals(1 << 22, l.outstandingTableCapacity(), "2 M entries need 2^22 slots at under 80% load");
        assertTrue(retained > 100L << 20, "heap retained by the uncapped ledger: " + retained + " bytes");
    }

    @Test
    void theOldestAreEvictedAndTheNewestKept() {
        int cap = 1000;
        Ledger l = capped(cap);
        Feeder f = new Feeder(l);
        int n = 5003;
        for (int i = 0; i < n; i++) {
            f.kmalloc(TICK * i, 0, 1, addr(i), FN, 64); // one tick each: the order is exact
        }
        long kept = l.stats().outstanding();
        Set<Long> survivors = new HashSet<>();
        l.forEachOutstanding((a, bytes, at, pid, c, s, st, pool, cg) -> survivors.add(a));
        Set<Long> newest = new HashSet<>();
        for (long i = n - kept; i < n; i++) {
            newest.add(addr(i));
        }
        assertEquals(newest, survivors);
        assertEquals(n - kept, l.stats().evictedOutstanding());
    }

    @Test
    void allocationsOfOneTickAreEvictedExactlyABatchAtATime() {
        Ledger l = capped(64);
        Feeder f = new Feeder(l);
        for (int i = 0; i < 65; i++) {
            f.kmalloc(5, 0, 1, addr(i), FN, 64); // all in one tick: ties are broken, the count is exact
        }
        assertEquals(64 / OldestFirstEviction.BATCH_DIVISOR, l.stats().evictedOutstanding());
        assertEquals(65 - 8, l.stats().outstanding());
    }

    @Test
    void theFreeOfAnEvictedAllocationIsUnpairedAndTheLossIsPublished() {
        Ledger l = capped(16);
        Feeder f = new Feeder(l);
        for (int i = 0; i < 17; i++) {
            f.kmalloc(TICK * i, 0, 1, addr(i), FN, 64);
        }
        assertEquals(2, l.stats().evictedOutstanding());
        f.free(TICK * 20, 0, 1, addr(0)); // the oldest: evicted
        f.free(TICK * 21, 0, 1, addr(16)); // the newest: still there
        assertEquals(1, l.stats().unpairedFrees());
        assertEquals(1, l.stats().frees());
        l.publish(TICK * 21);
        UsageSnapshot s = l.snapshot(TagKind.CACHE);
        assertEquals(2, s.loss().evictedOutstanding());
        assertEquals(1, s.loss().unpairedFrees());
        assertEquals(14, s.rows().get(0).live());
    }

    @Test
    void anEvictedAllocationLeavesItsStackTagToo() {
        Ledger l = capped(16);
        Feeder f = new Feeder(l);
        f.kmalloc(0, 0, 100, addr(0), FN, 64).stack(1, 0, 100, 0xabc, 0xdef);
        for (int i = 1; i < 17; i++) {
            f.kmalloc(TICK * i, 1, 1, addr(i), FN, 64);
        }
        TagUsage st = l.usage(TagKind.STACK, 0, Pool.NONPAGED);
        assertEquals(1, st.allocs());
        assertEquals(0, st.live());
        assertEquals(0, st.bytes());
    }

    @Test
    void theDefaultCapKeepsTheTableWithinAQuarterOfTheHeap() {
        for (long heap : new long[]{64L << 20, 256L << 20, 1L << 30, 6L << 30, 32L << 30}) {
            int cap = LedgerOptions.forHeap(heap);
            long peak = LedgerOptions.tableBytesFor(cap) * 3 / 2; // the last doubling holds old and new arrays
            assertTrue(peak <= heap / LedgerOptions.HEAP_SHARE_DIVISOR, heap + ": cap " + cap + ", peak " + peak);
            assertTrue(LedgerOptions.tableBytesFor(cap) <= (long) LedgerOptions.STEADY_BYTES_PER_OUTSTANDING * cap);
        }
        assertEquals(2_556_528, LedgerOptions.forHeap(1L << 30));
        assertEquals(LedgerOptions.forHeap(Runtime.getRuntime().maxMemory()), new Ledger(sym, sym).maxOutstanding());
    }

    @Test
    void aCapOutsideItsRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> LedgerOptions.defaults().withMaxOutstanding(15));
        assertThrows(IllegalArgumentException.class,
                () -> LedgerOptions.defaults().withMaxOutstanding(LedgerOptions.MAX_MAX_OUTSTANDING + 1));
    }

    @Test
    void aPolicyFlagsItsUntraceableCachesFromTheStart() {
        TagPolicy p = new TagPolicy(Set.of("dentry"), Set.of("__d_alloc"));
        Ledger l = new Ledger(sym, sym, LedgerOptions.defaults().withPolicy(p));
        new Feeder(l).cacheAlloc(1, 0, 1, addr(1), FN, 192, DENTRY);
        assertTrue(l.isUntraceable(TagKind.CACHE, l.tagId(TagKind.CACHE, "dentry")));
        assertEquals(Set.of("__d_alloc"), l.policy().reclaimableConstructors());
    }
}
