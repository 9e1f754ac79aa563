package pooltag.core.rank;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.ledger.CgroupResolver;
import pooltag.core.ledger.FakeSymbols;
import pooltag.core.ledger.Feeder;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;

/** Which cgroups hold a suspect's or a finding's outstanding bytes, from the owner the visitor is given. */
class CgroupSharesTest {
    static final long PIPE_FN = 0xffffffff81200000L;
    static final long OTHER_FN = 0xffffffff81300000L;
    final FakeSymbols sym = new FakeSymbols().function(PIPE_FN, "alloc_pipe_info", "[kernel]")
            .function(OTHER_FN, "other_fn", "[kernel]");
    final Ledger ledger = new Ledger(sym, sym, 64);
    final Feeder f = new Feeder(ledger);

    /** pid / 100: 1 = /pods/a, 2 = /pods/b, 3 = /pods/c. */
    final CgroupResolver byPid = new CgroupResolver() {
        @Override
        public int cgroupOf(AllocEvent e) {
            return e.pid() / 100;
        }

        @Override
        public String path(int id) {
            return "/pods/" + (char) ('a' + id - 1);
        }
    };

    static long addr(int i) {
        return 0xffff888100000000L + 256L * i;
    }

    static Suspect suspect(TagKind kind, String tag) {
        return new Suspect(tag, kind, Pool.NONPAGED, "[kernel]", 0, 0, 0, 0, 0, null, List.of());
    }

    void feed() {
        ledger.tagByCgroup(byPid);
        int n = 0;
        for (int i = 0; i < 3; i++) {
            f.kmalloc(++n, 0, 100, addr(n), PIPE_FN, 192); // /pods/a: 3 x 192
        }
        for (int i = 0; i < 5; i++) {
            f.kmalloc(++n, 0, 200, addr(n), PIPE_FN, 192); // /pods/b: 5 x 192
        }
        f.kmalloc(++n, 0, 300, addr(n), OTHER_FN, 192); // /pods/c, another site
        f.kmalloc(++n, 0, 300, addr(n), PIPE_FN, 192);
        f.free(++n, 0, 300, addr(n - 1)); // /pods/c's pipe block is gone again
    }

    @Test
    void aSitesBytesAreSplitByTheCgroupsThatAllocatedThemMostFirst() {
        feed();
        List<List<CgroupShares.Share>> s = CgroupShares.of(ledger, List.of(suspect(TagKind.SITE, "alloc_pipe_info"),
                suspect(TagKind.CGROUP_SITE, "alloc_pipe_info@/pods/a"), suspect(TagKind.CGROUP, "/pods/c")), 5);
        assertEquals(List.of(new CgroupShares.Share("/pods/b", 5, 5 * 192, 5 / 8.0),
                new CgroupShares.Share("/pods/a", 3, 3 * 192, 3 / 8.0)), s.get(0));
        assertEquals(List.of(new CgroupShares.Share("/pods/a", 3, 3 * 192, 1.0)), s.get(1), "a pair is its cgroup");
        assertEquals(List.of(new CgroupShares.Share("/pods/c", 1, 192, 1.0)), s.get(2), "only other_fn's is left");
        assertEquals(1, CgroupShares.of(ledger, List.of(suspect(TagKind.SITE, "alloc_pipe_info")), 1).get(0).size(),
                "top n");
    }

    @Test
    void theVisitorIsGivenTheSlotsCgroupAndItsPairsWithoutAnotherLookup() {
        feed();
        int[] checked = {0};
        ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
            assertEquals(ledger.cgroupAt(addr), cgroup);
            for (TagKind k : List.of(TagKind.CGROUP, TagKind.CGROUP_CACHE, TagKind.CGROUP_SITE)) {
                assertEquals(ledger.outstandingTagAt(k, addr), ledger.cgroupTagOf(k, cgroup, cacheTag, siteTag), k.label());
            }
            checked[0]++;
        });
        assertEquals(9, checked[0]);
        Ledger plain = new Ledger(sym, sym, 16);
        new Feeder(plain).kmalloc(1, 0, 100, addr(1), PIPE_FN, 192);
        plain.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) ->
                assertEquals(-1, cgroup, "no cgroup tags"));
        assertEquals(-1, plain.cgroupTagOf(TagKind.CGROUP, 0, 0, 0));
    }

    @Test
    void onlyTheThreeCgroupKindsAreCgroupKinds() {
        for (TagKind k : TagKind.values()) {
            assertEquals(k == TagKind.CGROUP || k == TagKind.CGROUP_CACHE || k == TagKind.CGROUP_SITE, k.isCgroup(),
                    k.label());
        }
    }
}
