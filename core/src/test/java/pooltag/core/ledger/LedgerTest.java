package pooltag.core.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.Gfp;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

class LedgerTest {
    static final long PIPE_FN = 0xffffffff81200000L;
    static final long KEY_FN = 0xffffffff81300000L;
    static final long XFS_FN = 0xffffffffc0100000L;
    static final int DENTRY = 7;
    static final int MAPLE = 11;

    final FakeSymbols sym = new FakeSymbols()
            .function(PIPE_FN, "alloc_pipe_info", "[kernel]")
            .function(KEY_FN, "key_alloc", "[kernel]")
            .function(XFS_FN, "xfs_inode_alloc", "[xfs]")
            .cache(DENTRY, "dentry", Pool.PAGED)
            .cache(MAPLE, "maple_node", Pool.NONPAGED);
    final Ledger ledger = new Ledger(sym, sym, 16);
    final Feeder f = new Feeder(ledger);

    static long addr(int i) {
        return 0xffff888100000000L + 64L * i;
    }

    @Test
    void freeOnAnotherCpuPairsWithTheAllocation() {
        for (int i = 0; i < 13; i++) {
            f.kmalloc(1000 + i, i % 2, 100, addr(i), PIPE_FN + 0x40, 192);
        }
        for (int i = 0; i < 13; i += 2) {
            f.free(5000 + i, (i + 1) % 2, 200, addr(i)); // freed on the other CPU
        }
        LedgerStats s = ledger.stats();
        assertEquals(13, s.allocs());
        assertEquals(7, s.frees());
        assertEquals(6, s.outstanding());
        assertEquals(0, s.unpairedFrees());
        int site = ledger.tagId(TagKind.SITE, "alloc_pipe_info");
        TagUsage u = ledger.usage(TagKind.SITE, site, Pool.NONPAGED);
        assertEquals(13, u.allocs());
        assertEquals(7, u.frees());
        assertEquals(6, u.live());
        assertEquals(6 * 192, u.bytes());
        assertEquals("[kernel]", u.description());
    }

    @Test
    void outstandingBytesAtAnswersTheExactBlockOnlyUntilItIsFreed() {
        f.kmalloc(1, 0, 1, addr(3), PIPE_FN, 192);
        assertEquals(192, ledger.outstandingBytesAt(addr(3)));
        assertEquals(-1, ledger.outstandingBytesAt(addr(3) + 8), "inside the block is not the block");
        assertEquals(-1, ledger.outstandingBytesAt(addr(4)));
        f.free(2, 1, 1, addr(3));
        assertEquals(-1, ledger.outstandingBytesAt(addr(3)));
    }

    @Test
    void freeOfAnAddressNeverAllocatedIsCountedAsUnpaired() {
        f.kmalloc(1, 0, 1, addr(1), PIPE_FN, 64);
        f.free(2, 0, 1, addr(2)).free(3, 1, 1, addr(3)).free(4, 1, 1, addr(5));
        f.free(5, 0, 1, addr(1));
        f.free(6, 0, 1, addr(1)); // second free of the same block: its allocation is gone, so unpaired too
        LedgerStats s = ledger.stats();
        assertEquals(4, s.unpairedFrees());
        assertEquals(1, s.frees());
        assertEquals(4, s.loss().unpairedFrees());
    }

    @Test
    void allocationAtAnOutstandingAddressIsCountedAsDoubleAndWritesTheOldOneOff() {
        f.cacheAlloc(1, 0, 1, addr(3), PIPE_FN, 208, DENTRY);
        f.cacheAlloc(2, 0, 1, addr(3), KEY_FN, 208, DENTRY); // the free in between was missed
        f.cacheAlloc(3, 1, 1, addr(3), KEY_FN, 208, DENTRY);
        LedgerStats s = ledger.stats();
        assertEquals(2, s.doubleAllocs());
        assertEquals(1, s.outstanding());
        int dentry = ledger.tagId(TagKind.CACHE, "dentry");
        TagUsage u = ledger.usage(TagKind.CACHE, dentry, Pool.PAGED);
        assertEquals(3, u.allocs());
        assertEquals(0, u.frees());
        assertEquals(1, u.live());
        assertEquals(208, u.bytes());
        assertEquals(0, ledger.usage(TagKind.SITE, ledger.tagId(TagKind.SITE, "alloc_pipe_info"), Pool.PAGED).live());
        assertEquals(1, ledger.usage(TagKind.SITE, ledger.tagId(TagKind.SITE, "key_alloc"), Pool.PAGED).live());
    }

    @Test
    void nullFreesFailedAndZeroSizeAllocationsAreIgnoredButCounted() {
        f.free(1, 0, 1, 0).free(2, 0, 1, Ledger.ZERO_SIZE_PTR).free(3, 1, 1, 0);
        f.kmalloc(4, 0, 1, 0, PIPE_FN, 64);
        f.kmalloc(5, 0, 1, Ledger.ZERO_SIZE_PTR, PIPE_FN, 0).kmalloc(6, 0, 1, Ledger.ZERO_SIZE_PTR, PIPE_FN, 0);
        LedgerStats s = ledger.stats();
        assertEquals(3, s.nullFrees());
        assertEquals(1, s.failedAllocs());
        assertEquals(2, s.zeroSizeAllocs());
        assertEquals(0, s.unpairedFrees());
        assertEquals(0, s.outstanding());
        assertEquals(6, s.events());
    }

    @Test
    void lossesAreSummedAndAFlagWithoutCountCountsOne() {
        ledger.onLoss(0, 17);
        ledger.onLoss(1, -1);
        ledger.onLoss(1, 3);
        ledger.onEnd(true);
        LedgerStats s = ledger.stats();
        assertEquals(21, s.lostEvents());
        assertEquals(1, s.lossesWithoutCount());
        assertTrue(s.truncated());
        assertEquals(21, s.loss().lostEvents());
    }

    @Test
    void skippedRecordsAreCountedApartFromLossAndCarriedInTheLoss() {
        ledger.onSkipped(0, 2);   // two malformed records
        ledger.onSkipped(1, -1);  // the rest of a broken page: one
        LedgerStats s = ledger.stats();
        assertEquals(3, s.skippedRecords());
        assertEquals(3, s.loss().skippedRecords());
        assertEquals(0, s.loss().lostEvents(), "the kernel lost nothing: these reached pooltag");
    }

    @Test
    void stackAttachesToTheEventOfTheSamePidOnTheSameCpu() {
        f.kmalloc(10, 0, 100, addr(1), PIPE_FN, 192);
        f.kmalloc(11, 1, 300, addr(9), KEY_FN, 64); // other CPU: irrelevant to CPU 0's adjacency
        f.kmalloc(12, 0, 7, addr(2), KEY_FN, 64); // an interrupt from another pid slips in on CPU 0
        f.stack(13, 0, 100, 0xffffffff81200010L, 0xffffffff81400020L, 0xffffffff81500030L);
        List<Outstanding> pipe = ledger.outstanding(TagKind.SITE, ledger.tagId(TagKind.SITE, "alloc_pipe_info"), 10);
        assertEquals(1, pipe.size());
        int stack = pipe.get(0).stackId();
        assertTrue(stack >= 0);
        assertArrayEquals(new long[]{0xffffffff81200010L, 0xffffffff81400020L, 0xffffffff81500030L},
                ledger.stackFrames(stack));
        List<Outstanding> key = ledger.outstanding(TagKind.SITE, ledger.tagId(TagKind.SITE, "key_alloc"), 10);
        assertEquals(2, key.size());
        assertEquals(-1, key.get(0).stackId());
        assertEquals(-1, key.get(1).stackId());
        assertEquals(1, ledger.stats().stacksAttached());
        TagUsage st = ledger.usage(TagKind.STACK, stack, Pool.NONPAGED);
        assertEquals(1, st.allocs());
        assertEquals(192, st.bytes());
        assertEquals(ledger.stackTag(stack), st.tag());
    }

    @Test
    void stackAfterAFreeOfTheSamePidIsNotAttachedToTheOlderAllocation() {
        f.kmalloc(10, 0, 100, addr(1), PIPE_FN, 192);
        f.free(11, 0, 100, addr(4)); // unpaired free, but its stack still belongs to it
        f.stack(12, 0, 100, 1, 2, 3);
        assertEquals(1, ledger.stats().freeStacks());
        assertEquals(0, ledger.stats().stacksAttached());
        assertEquals(-1, ledger.outstanding(TagKind.CACHE, 0, 5).get(0).stackId());
    }

    @Test
    void stackTagsStayInStepWithStacksWhateverTheStackBelongedTo() {
        f.free(1, 0, 100, addr(4)).stack(1, 0, 100, 11, 12); // a free's stack
        f.kmalloc(2, 0, 100, 0, PIPE_FN, 64).stack(2, 0, 100, 13, 14); // a failed allocation's stack
        f.kmalloc(3, 0, 100, addr(1), PIPE_FN, 64).stack(3, 0, 100, 15, 16);
        assertEquals(3, ledger.stackCount());
        for (int id = 0; id < 3; id++) {
            assertEquals(ledger.stackTag(id), ledger.tagName(TagKind.STACK, id));
        }
        int attached = ledger.outstanding(TagKind.CACHE, 0, 1).get(0).stackId();
        assertArrayEquals(new long[]{15, 16}, ledger.stackFrames(attached));
        assertEquals(64, ledger.usage(TagKind.STACK, attached, Pool.NONPAGED).bytes());
    }

    @Test
    void stackWithNoMatchingPidIsCountedUnattached() {
        f.kmalloc(10, 0, 100, addr(1), PIPE_FN, 192);
        f.stack(11, 0, 555, 1, 2, 3);
        f.stack(12, 3, 100, 1, 2, 3); // a CPU that has had no event
        f.stack(13, 0, 100, 4, 5).stack(14, 0, 100, 4, 5); // the second has nothing left to attach to
        LedgerStats s = ledger.stats();
        assertEquals(1, s.stacksAttached());
        assertEquals(3, s.unattachedStacks());
    }

    @Test
    void stackFindsItsAllocationAfterAnotherRemovalShiftedIt() {
        // Fill a small table so that the entries share probe runs, then free one just before the stack.
        Ledger small = new Ledger(sym, sym, 4);
        Feeder g = new Feeder(small);
        for (int i = 0; i < 11; i++) {
            g.kmalloc(i, 1, 9, addr(i), KEY_FN, 32);
        }
        g.kmalloc(20, 0, 100, addr(40), PIPE_FN, 96);
        for (int i = 0; i < 11; i++) {
            g.free(30 + i, 1, 9, addr(i)); // removals backward-shift whatever follows them
        }
        g.stack(50, 0, 100, 0xabc, 0xdef);
        List<Outstanding> out = small.outstanding(TagKind.SITE, small.tagId(TagKind.SITE, "alloc_pipe_info"), 5);
        assertEquals(1, out.size());
        assertArrayEquals(new long[]{0xabc, 0xdef}, small.stackFrames(out.get(0).stackId()));
    }

    @Test
    void freeOfAStackedAllocationMovesTheStackCounters() {
        f.kmalloc(10, 0, 100, addr(1), PIPE_FN, 192).stack(11, 0, 100, 5, 6, 7);
        f.kmalloc(12, 0, 100, addr(2), PIPE_FN, 192).stack(13, 0, 100, 5, 6, 7);
        f.free(14, 1, 1, addr(1));
        assertEquals(1, ledger.stackCount());
        TagUsage st = ledger.usage(TagKind.STACK, 0, Pool.NONPAGED);
        assertEquals(2, st.allocs());
        assertEquals(1, st.frees());
        assertEquals(1, st.live());
    }

    @Test
    void identicalStacksInternOnceAndDifferentOnesApart() {
        long[] a = {0xffffffff81000001L, 0xffffffff81000002L, 0xffffffff81000003L};
        long[] b = {0xffffffff81000001L, 0xffffffff81000002L};
        long[] c = {0xffffffff81000002L, 0xffffffff81000001L, 0xffffffff81000003L};
        for (int i = 0; i < 17; i++) {
            long[] fr = i % 3 == 0 ? a : i % 3 == 1 ? b : c;
            f.kmalloc(i, 0, 100, addr(i), PIPE_FN, i % 3 == 0 ? 64 : 32).stack(i, 0, 100, fr);
        }
        assertEquals(3, ledger.stackCount());
        assertEquals(3, ledger.tagCount(TagKind.STACK));
        var groups = ledger.outstandingByStack(TagKind.SITE, ledger.tagId(TagKind.SITE, "alloc_pipe_info"));
        assertEquals(3, groups.size());
        assertEquals(6 * 64, groups.get(0).bytes()); // a: i = 0,3,...,15 -> 6 of 64 B; b and c: 32 B each
        assertArrayEquals(a, groups.get(0).frames());
        assertEquals(17, groups.stream().mapToLong(StackGroup::count).sum());
        assertTrue(ledger.stackTag(0).matches("~[0-9a-f]{8}"));
        assertNotEquals(ledger.stackTag(0), ledger.stackTag(1));
    }

    @Test
    void kmallocSizeClassesFollowTheGfpBitsAndTheRclVariantIsPaged() {
        f.kmalloc(1, 0, 1, addr(1), PIPE_FN, 96);
        f.kmalloc(2, 0, 1, addr(2), PIPE_FN, 1024);
        f.alloc(AllocEvent.SOURCE_KMALLOC, 3, 0, 1, addr(3), PIPE_FN, 192, -1, Gfp.ACCOUNT | 0xcc0);
        f.alloc(AllocEvent.SOURCE_KMALLOC, 4, 0, 1, addr(4), PIPE_FN, 2048, -1, Gfp.RECLAIMABLE | Gfp.ACCOUNT);
        f.alloc(AllocEvent.SOURCE_KMALLOC, 5, 0, 1, addr(5), PIPE_FN, 64, -1, Gfp.DMA | Gfp.RECLAIMABLE);
        f.kmalloc(6, 0, 1, addr(6), PIPE_FN, 32768); // kmalloc_large
        f.kmalloc(7, 0, 1, addr(7), PIPE_FN, 96);
        assertEquals(List.of("kmalloc-96", "kmalloc-1k", "kmalloc-cg-192", "kmalloc-rcl-2k", "dma-kmalloc-64",
                "kmalloc-32k"), ledger.tagNames(TagKind.CACHE));
        int rcl = ledger.tagId(TagKind.CACHE, "kmalloc-rcl-2k");
        assertEquals(Pool.PAGED, ledger.cachePool(rcl));
        assertEquals(2, ledger.usage(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "kmalloc-96"), Pool.NONPAGED).allocs());
        // The site's rows split by pool: one Paged allocation (rcl), six NonPaged.
        int site = ledger.tagId(TagKind.SITE, "alloc_pipe_info");
        assertEquals(1, ledger.usage(TagKind.SITE, site, Pool.PAGED).live());
        assertEquals(6, ledger.usage(TagKind.SITE, site, Pool.NONPAGED).live());
    }

    @Test
    void pagePercpuAndWindowsPoolEventsGetTheirOwnCacheTags() {
        f.alloc(AllocEvent.SOURCE_PAGE, 1, 0, 1, addr(1), 0, 4096, -1, 0xcc0);
        f.alloc(AllocEvent.SOURCE_PAGE, 2, 0, 1, addr(2), 0, 4096 << 3, -1, 0xcc0);
        f.alloc(AllocEvent.SOURCE_PERCPU, 3, 0, 1, addr(3), KEY_FN, 40, -1, 0);
        f.alloc(AllocEvent.SOURCE_WINDOWS_POOL, 4, 0, 1, addr(4), 0, 4099, DENTRY, 0); // the catalog names it
        f.alloc(AllocEvent.SOURCE_WINDOWS_POOL, 5, 0, 1, addr(5), 0, 31, -1, 0);
        assertEquals(List.of("pages-4k", "pages-32k", "percpu", "dentry", "[untagged]"), ledger.tagNames(TagKind.CACHE));
        assertEquals(List.of("[no call site]", "key_alloc"), ledger.tagNames(TagKind.SITE));
        assertEquals(4099, ledger.usage(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "dentry"), Pool.PAGED).bytes());
        assertEquals(4096 + 32768 + 4099 + 31,
                ledger.usage(TagKind.SITE, 0, Pool.NONPAGED).bytes() + ledger.usage(TagKind.SITE, 0, Pool.PAGED).bytes());
    }

    @Test
    void anEventOlderThanTheFirstHasAgeUpToNowNotANegativeOne() {
        f.kmalloc(5_000_000_000L, 0, 1, addr(1), PIPE_FN, 64);
        f.kmalloc(4_999_000_000L, 1, 1, addr(2), PIPE_FN, 64); // within the merge's reorder window
        f.kmalloc(8_000_000_000L, 0, 1, addr(3), PIPE_FN, 64);
        List<Outstanding> out = ledger.outstanding(TagKind.SITE, 0, 10);
        assertEquals(3_000_000_000L, out.get(0).ageNanos(), 1_100_000);
        assertEquals(3_000_000_000L, out.get(1).ageNanos(), 1_100_000); // clamped to the first event's time
        assertEquals(0, out.get(2).ageNanos(), 1_100_000);
        assertEquals(8_000_000_000L, ledger.lastNanos());
    }

    @Test
    void namesAreResolvedOncePerCallSiteAndCacheId() {
        for (int i = 0; i < 101; i++) {
            f.cacheAlloc(i, 0, 1, addr(i), PIPE_FN + 0x10 + (i % 2) * 8, 208, DENTRY);
        }
        assertEquals(2, sym.functionLookups); // two call sites in one function
        assertEquals(1, sym.nameLookups); // the second maps to the known function start
        assertEquals(1, sym.cacheLookups);
        assertEquals(1, ledger.tagCount(TagKind.SITE));
    }

    @Test
    void unresolvedCallSitesAreNamedByAddressAndSitesGroupIntoModules() {
        f.kmalloc(1, 0, 1, addr(1), 0xffffffff8badf00dL, 64);
        f.kmalloc(2, 0, 1, addr(2), XFS_FN + 4, 64);
        f.kmalloc(3, 0, 1, addr(3), PIPE_FN + 4, 64);
        f.kmalloc(4, 0, 1, addr(4), KEY_FN + 4, 64);
        assertEquals(List.of("0xffffffff8badf00d", "xfs_inode_alloc", "alloc_pipe_info", "key_alloc"),
                ledger.tagNames(TagKind.SITE));
        assertEquals(List.of("[unknown]", "[xfs]", "[kernel]"), ledger.tagNames(TagKind.MODULE));
        int kernel = ledger.tagId(TagKind.MODULE, "[kernel]");
        assertEquals(2, ledger.usage(TagKind.MODULE, kernel, Pool.NONPAGED).live());
        assertEquals(2, ledger.outstanding(TagKind.MODULE, kernel, 10).size());
    }

    @Test
    void agesAreNowMinusAllocationTimeToAMillisecond() {
        long s = 1_000_000_000L;
        f.cacheAlloc(s, 0, 42, addr(1), PIPE_FN, 208, DENTRY);
        f.cacheAlloc(s + 2_000_000_000L, 0, 43, addr(2), PIPE_FN, 208, DENTRY);
        f.free(s + 7_000_000_000L, 1, 1, addr(99));
        List<Outstanding> out = ledger.outstanding(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "dentry"), 10);
        assertEquals(2, out.size());
        assertEquals(42, out.get(0).pid()); // oldest first
        assertEquals(7_000_000_000L, out.get(0).ageNanos(), 1_100_000);
        assertEquals(5_000_000_000L, out.get(1).ageNanos(), 1_100_000);
        assertEquals("dentry", out.get(0).cache());
        assertEquals(Pool.PAGED, out.get(0).pool());
    }

    @Test
    void cacheTagsBeyondTheTableLimitFoldIntoOneCountedTag() {
        CacheCatalog many = new CacheCatalog() {
            @Override
            public String name(int cacheId) {
                return "c" + cacheId;
            }

            @Override
            public Pool pool(int cacheId) {
                return Pool.NONPAGED;
            }
        };
        Ledger l = new Ledger(many, sym, 16);
        Feeder g = new Feeder(l);
        int n = OutstandingTable.MAX_CACHE_TAGS + 7;
        for (int i = 0; i < n; i++) {
            g.cacheAlloc(i, 0, 1, addr(i), PIPE_FN, 32, i);
        }
        assertEquals(OutstandingTable.MAX_CACHE_TAGS, l.tagCount(TagKind.CACHE));
        assertEquals(8, l.stats().foldedTags()); // ids 4095 .. 4102
        int other = l.tagId(TagKind.CACHE, EventTagger.OTHER_CACHES);
        assertEquals(8, l.usage(TagKind.CACHE, other, Pool.NONPAGED).live());
        assertEquals(1, l.usage(TagKind.CACHE, l.tagId(TagKind.CACHE, "c4094"), Pool.NONPAGED).live());
        assertEquals(n, l.stats().outstanding());
    }

    @Test
    void untraceableNamesMayBeFlaggedBeforeTheTagExists() {
        ledger.markUntraceable(TagKind.CACHE, "maple_node");
        f.cacheAlloc(1, 0, 1, addr(1), KEY_FN, 256, MAPLE);
        f.cacheAlloc(2, 0, 1, addr(2), KEY_FN, 208, DENTRY);
        assertTrue(ledger.isUntraceable(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "maple_node")));
        assertEquals(false, ledger.isUntraceable(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "dentry")));
        ledger.markUntraceable(TagKind.CACHE, "dentry");
        assertTrue(ledger.isUntraceable(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "dentry")));
    }

    @Test
    void snapshotShowsThePublishedFrameNotLiveState() {
        assertNull(ledger.snapshot(TagKind.CACHE));
        for (int i = 0; i < 19; i++) {
            f.cacheAlloc(i, 0, 1, addr(i), PIPE_FN, 208, DENTRY);
        }
        f.free(30, 0, 1, addr(0));
        ledger.onLoss(1, 5);
        ledger.publish(31);
        for (int i = 19; i < 29; i++) {
            f.cacheAlloc(40 + i, 0, 1, addr(i), PIPE_FN, 208, DENTRY); // after the publish: not visible yet
        }
        UsageSnapshot snap = ledger.snapshot(TagKind.CACHE);
        assertEquals(31, snap.takenAtNanos());
        assertEquals(1, snap.rows().size());
        TagUsage u = snap.rows().get(0);
        assertEquals("dentry", u.tag());
        assertEquals(Pool.PAGED, u.pool());
        assertEquals(19, u.allocs());
        assertEquals(1, u.frees());
        assertEquals(18, u.live());
        assertEquals(18 * 208, u.bytes());
        assertEquals(5, snap.loss().lostEvents());
        ledger.publish(80);
        assertEquals(28, ledger.snapshot(TagKind.CACHE).rows().get(0).live());
        assertEquals("alloc_pipe_info", ledger.snapshot(TagKind.SITE).rows().get(0).tag());
    }

    @Test
    void snapshotIsSafeToReadFromAnotherThreadWhileTheWriterRuns() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                long lastAllocs = 0;
                for (int i = 0; i < 20_000; i++) {
                    UsageSnapshot s = ledger.snapshot(TagKind.CACHE);
                    if (s == null || s.rows().isEmpty()) {
                        continue;
                    }
                    TagUsage u = s.rows().get(0);
                    // Within one frame, the counters agree with each other and never go back in time.
                    assertEquals(u.allocs() - u.frees(), u.live());
                    assertEquals(u.live() * 208, u.bytes());
                    assertTrue(u.allocs() >= lastAllocs);
                    lastAllocs = u.allocs();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (int i = 0; i < 200_003; i++) {
            f.cacheAlloc(i, 0, 1, addr(i % 1009), PIPE_FN, 208, DENTRY);
            if (i % 1009 == 1008) {
                for (int k = 0; k < 1009; k++) {
                    f.free(i, 1, 1, addr(k));
                }
            }
            if (i % 97 == 0) {
                ledger.publish(i);
            }
        }
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void outstandingTableCostsUnderFortyBytesPerAllocationAtFullLoad() {
        Ledger big = new Ledger(sym, sym, 16);
        Feeder g = new Feeder(big);
        int n = 0;
        int lastCap = big.outstandingTableCapacity();
        // Add until just before the table would grow: the load it runs at before doubling.
        while (true) {
            g.kmalloc(n, 0, 1, addr(n), PIPE_FN, 64);
            n++;
            if (big.outstandingTableCapacity() != lastCap) {
                lastCap = big.outstandingTableCapacity();
                if (lastCap >= 1 << 20) {
                    break;
                }
            }
        }
        // The table just doubled at n allocations; at n - 1 it held its maximum load in half this capacity.
        double perAllocAtMaxLoad = (double) (big.outstandingTableBytes() / 2) / (n - 1);
        assertTrue(perAllocAtMaxLoad < 40, "bytes per outstanding allocation at max load: " + perAllocAtMaxLoad);
        assertEquals(28, OutstandingTable.BYTES_PER_SLOT);
        assertEquals(35.0, perAllocAtMaxLoad, 0.01);
    }
}
