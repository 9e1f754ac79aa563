package pooltag.cli.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/** (cgroup, cache) pairs become cgroup and tag labels; the top N keep them, the rest are other per pool. */
class TraceCgroupCollectorTest {
    static TagUsage pair(String name, Pool pool, long bytes) {
        return new TagUsage(name, TagKind.CGROUP_CACHE, pool, 7, 2, 5, bytes, "");
    }

    @Test
    void topPairsAreSplitIntoCgroupAndTagAndTheRestIsOther() {
        UsageSnapshot s = new UsageSnapshot(1, "ledger", List.of(
                pair("kmalloc-cg-1k@/kubepods/pod-a", Pool.NONPAGED, 811_008),
                pair("dentry@/system.slice/user@1000.service", Pool.PAGED, 20_011),
                pair("filp@/kubepods/pod-b", Pool.NONPAGED, 3_001),
                pair("filp@/kubepods/pod-c", Pool.NONPAGED, 1_009)), Loss.NONE);
        List<TraceCgroupCollector.Series> out = TraceCgroupCollector.select(s, 2);
        assertEquals(List.of(
                new TraceCgroupCollector.Series("/kubepods/pod-a", "kmalloc-cg-1k", Pool.NONPAGED, 811_008),
                // the first '@' splits: a cgroup path may hold one, a cache or function name never does
                new TraceCgroupCollector.Series("/system.slice/user@1000.service", "dentry", Pool.PAGED, 20_011),
                new TraceCgroupCollector.Series("other", "other", Pool.NONPAGED, 3_001 + 1_009),
                new TraceCgroupCollector.Series("other", "other", Pool.PAGED, 0)), out);
    }

    @Test
    void onlyTheTagHalfIsScrubbedAContainerIdStays() {
        String cg = "/kubepods/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
        UsageSnapshot s = new UsageSnapshot(1, "ledger", List.of(pair("0xffffffffc08a1234@" + cg, Pool.NONPAGED, 64)),
                Loss.NONE);
        assertEquals(new TraceCgroupCollector.Series(cg, "<addr>", Pool.NONPAGED, 64),
                TraceCgroupCollector.select(s, 1).get(0));
    }

    @Test
    void beforeTheFirstPublishThereIsOnlyOther() {
        assertEquals(2, TraceCgroupCollector.select(null, 5).size());
    }
}
