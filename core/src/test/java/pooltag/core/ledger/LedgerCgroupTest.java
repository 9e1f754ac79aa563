package pooltag.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.tag.TagKind;

/** {@code --tag-by cgroup}: allocations charged to the allocating task's cgroup, frees to the allocation's. */
class LedgerCgroupTest {
    static final long PIPE_FN = 0xffffffff81200000L;
    final FakeSymbols sym = new FakeSymbols().function(PIPE_FN, "alloc_pipe_info", "[kernel]");
    final Ledger ledger = new Ledger(sym, sym, 16);
    final Feeder f = new Feeder(ledger);
    int calls;

    /** pid 100 and 101 in /pods/a, 200 in /pods/b, anything else in /; counts calls (one per allocation). */
    final CgroupResolver byPid = new CgroupResolver() {
        @Override
        public int cgroupOf(AllocEvent e) {
            calls++;
            return e.pid() / 100;
        }

        @Override
        public String path(int id) {
            return switch (id) {
                case 1 -> "/pods/a";
                case 2 -> "/pods/b";
                default -> "/";
            };
        }
    };

    static long addr(int i) {
        return 0xffff888100000000L + 64L * i;
    }

    @Test
    void freesAreChargedToTheAllocatingCgroupWhoeverFrees() {
        ledger.tagByCgroup(byPid);
        for (int i = 0; i < 11; i++) {
            f.kmalloc(10 + i, 0, i % 2 == 0 ? 100 : 101, addr(i), PIPE_FN, 192);
        }
        for (int i = 11; i < 18; i++) {
            f.kmalloc(10 + i, 1, 200, addr(i), PIPE_FN, 1024);
        }
        // pid 200 (in /pods/b) frees three of /pods/a's blocks: they leave /pods/a, not /pods/b.
        f.free(100, 1, 200, addr(0)).free(101, 1, 200, addr(1)).free(102, 1, 200, addr(2));
        assertEquals(18, calls, "one resolver call per allocation, none per free");
        int a = ledger.tagId(TagKind.CGROUP, "/pods/a");
        int b = ledger.tagId(TagKind.CGROUP, "/pods/b");
        TagUsage ua = ledger.usage(TagKind.CGROUP, a, Pool.NONPAGED);
        assertEquals(11, ua.allocs());
        assertEquals(3, ua.frees());
        assertEquals(8, ua.live());
        assertEquals(8 * 192, ua.bytes());
        TagUsage ub = ledger.usage(TagKind.CGROUP, b, Pool.NONPAGED);
        assertEquals(7, ub.live());
        assertEquals(7 * 1024, ub.bytes());
        assertEquals(b, ledger.cgroupAt(addr(11)));
        assertEquals(-1, ledger.cgroupAt(addr(0)), "freed");
        assertEquals(7, ledger.outstanding(TagKind.CGROUP, b, 100).size());
        assertEquals("/pods/b", ledger.outstanding(TagKind.CGROUP, b, 1).get(0).cgroup());
        ledger.publish(200);
        List<TagUsage> rows = ledger.snapshot(TagKind.CGROUP).rows();
        assertEquals(2, rows.size());
    }

    @Test
    void theAccountedBitTravelsWithTheAllocation() {
        ledger.tagByCgroup(byPid);
        f.alloc(AllocEvent.SOURCE_KMALLOC, 1, 0, 100, addr(1), PIPE_FN, 192, -1, pooltag.core.event.Gfp.ACCOUNT);
        f.alloc(AllocEvent.SOURCE_KMALLOC, 2, 0, 100, addr(2), PIPE_FN, 192, -1, 0);
        int a = ledger.tagId(TagKind.CGROUP, "/pods/a");
        List<Outstanding> o = ledger.outstanding(TagKind.CGROUP, a, 10);
        assertTrue(o.get(0).accounted());
        assertFalse(o.get(1).accounted());
    }

    @Test
    void aDoubleAllocationWritesOffTheOldCgroupsBytes() {
        ledger.tagByCgroup(byPid);
        f.kmalloc(1, 0, 100, addr(1), PIPE_FN, 192);
        f.kmalloc(2, 0, 200, addr(1), PIPE_FN, 192); // the free was missed
        assertEquals(0, ledger.usage(TagKind.CGROUP, ledger.tagId(TagKind.CGROUP, "/pods/a"), Pool.NONPAGED).live());
        assertEquals(1, ledger.usage(TagKind.CGROUP, ledger.tagId(TagKind.CGROUP, "/pods/b"), Pool.NONPAGED).live());
    }

    @Test
    void withoutCgroupTaggingTheKindIsRefusedAndNothingIsResolved() {
        f.kmalloc(1, 0, 100, addr(1), PIPE_FN, 192);
        assertFalse(ledger.tracksCgroups());
        assertThrows(IllegalArgumentException.class, () -> ledger.tagId(TagKind.CGROUP, "/"));
        assertNull(ledger.outstanding(TagKind.SITE, 0, 1).get(0).cgroup());
        assertEquals(-1, ledger.cgroupAt(addr(1)));
        assertThrows(IllegalStateException.class, () -> ledger.tagByCgroup(byPid), "too late: events seen");
    }

    @Test
    void theOwnerColumnSurvivesGrowthAndBackwardShift() {
        ledger.tagByCgroup(byPid);
        // 16-slot table grows several times; frees shift entries back. Every survivor keeps its cgroup.
        for (int i = 0; i < 997; i++) {
            f.kmalloc(i + 1, 0, i % 3 == 0 ? 200 : 100, addr(i), PIPE_FN, 64);
        }
        for (int i = 0; i < 997; i += 2) {
            f.free(2000 + i, 0, 1, addr(i));
        }
        int b = ledger.tagId(TagKind.CGROUP, "/pods/b");
        for (int i = 1; i < 997; i += 2) {
            assertEquals(i % 3 == 0 ? b : ledger.tagId(TagKind.CGROUP, "/pods/a"), ledger.cgroupAt(addr(i)), "block " + i);
        }
    }

    @Test
    void cgroupCacheAndSitePairsSplitOneTagByContainer() {
        ledger.tagByCgroup(byPid);
        for (int i = 0; i < 5; i++) {
            f.kmalloc(i + 1, 0, 100, addr(i), PIPE_FN, 192);
        }
        for (int i = 5; i < 12; i++) {
            f.kmalloc(i + 1, 0, 200, addr(i), PIPE_FN, 192);
        }
        f.free(50, 0, 100, addr(6)); // a /pods/b block freed by a /pods/a task: leaves the /pods/b pair
        int a = ledger.tagId(TagKind.CGROUP_SITE, "alloc_pipe_info@/pods/a");
        int b = ledger.tagId(TagKind.CGROUP_SITE, "alloc_pipe_info@/pods/b");
        assertEquals(5, ledger.usage(TagKind.CGROUP_SITE, a, Pool.NONPAGED).live());
        assertEquals(6, ledger.usage(TagKind.CGROUP_SITE, b, Pool.NONPAGED).live());
        assertEquals(1, ledger.usage(TagKind.CGROUP_SITE, b, Pool.NONPAGED).frees());
        int cb = ledger.tagId(TagKind.CGROUP_CACHE, "kmalloc-192@/pods/b");
        assertEquals(6 * 192, ledger.usage(TagKind.CGROUP_CACHE, cb, Pool.NONPAGED).bytes());
        assertEquals(b, ledger.outstandingTagAt(TagKind.CGROUP_SITE, addr(7)));
        assertEquals(6, ledger.outstanding(TagKind.CGROUP_SITE, b, 100).size());
        ledger.publish(100);
        assertEquals(2, ledger.snapshot(TagKind.CGROUP_CACHE).rows().size());
    }

    /** Each pid its own cgroup, {@code /pods/<pid>}: containers that come and go for weeks. */
    final CgroupResolver cgroupPerPid = new CgroupResolver() {
        @Override
        public int cgroupOf(AllocEvent e) {
            return e.pid();
        }

        @Override
        public String path(int id) {
            return "/pods/" + id;
        }
    };

    @Test
    void cgroupsPastTheLimitFoldIntoOtherCgroupsCountedOnce() {
        ledger.tagByCgroup(cgroupPerPid);
        // [unresolved] holds one tag from the start, [other cgroups] the last: MAX - 2 real cgroups fit.
        int fit = CgroupTags.MAX_CGROUP_TAGS - 2;
        int n = fit + 10;
        for (int pid = 1; pid <= n; pid++) {
            f.kmalloc(2L * pid, 0, pid, addr(pid), PIPE_FN, 192);
            f.kmalloc(2L * pid + 1, 0, pid, addr(n + pid), PIPE_FN, 192); // a second allocation: no second count
        }
        assertEquals(CgroupTags.MAX_CGROUP_TAGS, ledger.tagCount(TagKind.CGROUP));
        int other = ledger.tagId(TagKind.CGROUP, CgroupTags.OTHER_CGROUPS);
        assertEquals(20, ledger.usage(TagKind.CGROUP, other, Pool.NONPAGED).live(), "folded, not dropped");
        assertEquals(other, ledger.cgroupAt(addr(n)));
        assertEquals(10, ledger.stats().foldedTags(), "each folded cgroup counted once");
        assertEquals(2, ledger.usage(TagKind.CGROUP, ledger.tagId(TagKind.CGROUP, "/pods/" + fit), Pool.NONPAGED)
                .live(), "the last that fit keeps its own tag");
        assertEquals(-1, ledger.tagId(TagKind.CGROUP, "/pods/" + (fit + 1)));
    }

    @Test
    void pairsPastTheLimitFoldIntoOtherPairsCountedOnce() {
        ledger.tagByCgroup(cgroupPerPid);
        // 4,000 cgroups x 17 unresolved call sites = 68,000 (cgroup, site) pairs; one cache: 4,000 cache pairs.
        int pids = 4_000, sites = 17;
        int i = 0;
        for (int pid = 1; pid <= pids; pid++) {
            for (int s = 0; s < sites; s++) {
                i++;
                f.kmalloc(i, 0, pid, addr(i), 0xffffffff82000000L + 16L * s, 192);
            }
        }
        int pairs = pids * sites;
        long folded = pairs - (CgroupTags.MAX_PAIR_TAGS - 1);
        assertEquals(CgroupTags.MAX_PAIR_TAGS, ledger.tagCount(TagKind.CGROUP_SITE));
        assertEquals(pids, ledger.tagCount(TagKind.CGROUP_CACHE), "none folded");
        assertEquals(folded, ledger.stats().foldedTags());
        int other = ledger.tagId(TagKind.CGROUP_SITE, CgroupTags.OTHER_PAIRS);
        assertEquals(folded, ledger.usage(TagKind.CGROUP_SITE, other, Pool.NONPAGED).live());
        assertEquals(other, ledger.outstandingTagAt(TagKind.CGROUP_SITE, addr(i)));
        f.kmalloc(i + 1, 0, pids, addr(i + 1), 0xffffffff82000000L, 192); // a folded pair again: counted once
        assertEquals(folded, ledger.stats().foldedTags());
    }

    /** Task births and moves go to the resolver, in event order with the allocations, and move no counter. */
    @Test
    void taskBirthsAndMovesReachTheResolverAndCountNothing() {
        List<String> told = new java.util.ArrayList<>();
        ledger.tagByCgroup(new CgroupResolver() {
            @Override
            public int cgroupOf(AllocEvent e) {
                told.add("alloc " + e.pid());
                return 0;
            }

            @Override
            public String path(int id) {
                return "/";
            }

            @Override
            public void onNewTask(AllocEvent e) {
                told.add("birth " + e.pid() + "->" + e.taskPid());
            }

            @Override
            public void onTaskMove(AllocEvent e) {
                told.add("move " + e.taskPid() + " " + e.cgroupPath());
            }
        });
        f.newTask(5, 0, 100, 101, 0x11).kmalloc(6, 0, 101, addr(1), PIPE_FN, 192).taskMove(7, 1, 1, 101, 4, "/pods/a");
        assertEquals(List.of("birth 100->101", "alloc 101", "move 101 /pods/a"), told);
        assertEquals(1, ledger.stats().allocs());
        assertEquals(0, ledger.stats().unpairedFrees());
        assertEquals(1, ledger.outstanding(TagKind.CACHE, ledger.tagId(TagKind.CACHE, "kmalloc-192"), 10).size());

        Ledger plain = new Ledger(sym, sym, 16); // not tagging by cgroup: the task events are ignored
        new Feeder(plain).newTask(5, 0, 100, 101, 0x11).taskMove(7, 1, 1, 101, 4, "/pods/a");
        assertEquals(0, plain.stats().allocs());
    }
}
