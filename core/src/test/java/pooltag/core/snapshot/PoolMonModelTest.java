package pooltag.core.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.tag.TagKind;
import pooltag.core.tag.TagPattern;

class PoolMonModelTest {
    static TagUsage u(String tag, Pool p, long allocs, long frees, long live, long bytes) {
        return new TagUsage(tag, TagKind.POOL, p, allocs, frees, live, bytes, "");
    }

    static final UsageSnapshot BEFORE = new UsageSnapshot(0, "t", List.of(
            u("EtwB", Pool.NONPAGED, 6394, 4056, 2338, 163418368),
            u("MmSt", Pool.PAGED, 2269405, 2095404, 174001, 156097152),
            u("File", Pool.NONPAGED, 25376177, 25200767, 175410, 70145152)), Loss.NONE);
    static final UsageSnapshot AFTER = new UsageSnapshot(5_000_000_000L, "t", List.of(
            u("EtwB", Pool.NONPAGED, 6394, 4056, 2338, 163418368),
            u("MmSt", Pool.PAGED, 2269411, 2095404, 174007, 156102534),
            u("File", Pool.NONPAGED, 25376277, 25200867, 175410, 70145152),
            u("New ", Pool.NONPAGED, 3, 0, 3, 96)), Loss.NONE);

    private static List<String> order(PoolMonModel m) {
        return m.rows(BEFORE, AFTER).stream().map(r -> r.now().tag()).toList();
    }

    @Test
    void sortKeysOrderAsPoolMon() {
        PoolMonModel m = PoolMonModel.defaults();
        assertEquals(List.of("EtwB", "MmSt", "File", "New "), order(m.withSort(PoolMonModel.SortKey.BYTES)));
        assertEquals(List.of("EtwB", "File", "MmSt", "New "), order(m.withSort(PoolMonModel.SortKey.TAG)));
        assertEquals(List.of("File", "MmSt", "EtwB", "New "), order(m.withSort(PoolMonModel.SortKey.ALLOCS)));
        assertEquals(List.of("File", "MmSt", "EtwB", "New "), order(m.withSort(PoolMonModel.SortKey.FREES)));
        assertEquals(List.of("File", "MmSt", "EtwB", "New "), order(m.withSort(PoolMonModel.SortKey.DIFF)));
        assertEquals(List.of("EtwB", "MmSt", "File", "New "), order(m.withSort(PoolMonModel.SortKey.PER_ALLOC)));
    }

    @Test
    void byChangeSortsByTheChangeOfTheSortColumn() {
        PoolMonModel m = PoolMonModel.defaults().withSort(PoolMonModel.SortKey.ALLOCS).withByChange(true);
        // allocs change: File +100, MmSt +6, New +3 (new this refresh), EtwB 0
        assertEquals(List.of("File", "MmSt", "New ", "EtwB"), order(m));
        PoolMonModel bytes = PoolMonModel.defaults().withByChange(true);
        assertEquals(List.of("MmSt", "New ", "EtwB", "File"), order(bytes));
    }

    @Test
    void changesAreSinceThePreviousRefresh() {
        PoolMonModel.Row mmst = PoolMonModel.defaults().rows(BEFORE, AFTER).stream()
                .filter(r -> r.now().tag().equals("MmSt")).findFirst().orElseThrow();
        assertEquals(6, mmst.allocsChange());
        assertEquals(0, mmst.freesChange());
        assertEquals(6, mmst.diffChange());
        assertEquals(5382, mmst.bytesChange());
    }

    @Test
    void poolKeyCyclesAllNonPagedPaged() {
        PoolMonModel m = PoolMonModel.defaults();
        assertEquals(PoolMonModel.PoolFilter.NONPAGED, m.pools().next());
        assertEquals(List.of("MmSt"), order(m.withPools(PoolMonModel.PoolFilter.PAGED)));
        assertEquals(3, order(m.withPools(PoolMonModel.PoolFilter.NONPAGED)).size());
        assertEquals(PoolMonModel.PoolFilter.ALL, PoolMonModel.PoolFilter.PAGED.next());
    }

    @Test
    void includeAndExcludePatterns() {
        PoolMonModel m = PoolMonModel.defaults().withInclude(List.of(TagPattern.of("*t*"), TagPattern.of("F*")));
        assertEquals(List.of("EtwB", "MmSt", "File"), order(m));
        assertEquals(List.of("EtwB", "File"), order(m.withExclude(List.of(TagPattern.of("Mm??")))));
    }

    @Test
    void totalsAddUpKnownCounters() {
        PoolMonModel m = PoolMonModel.defaults();
        PoolMonModel.Totals t = m.totals(m.rows(BEFORE, AFTER));
        assertEquals(6394 + 2269411 + 25376277 + 3, t.allocs());
        assertEquals(2338 + 174007 + 175410 + 3, t.live());
    }

    @Test
    void growthRanksTagsThatGrewByBytesWithRate() {
        List<SnapshotGrowth.Growth> g = SnapshotGrowth.grown(List.of(BEFORE, AFTER), t -> true);
        assertEquals(List.of("MmSt", "New "), g.stream().map(SnapshotGrowth.Growth::tag).toList());
        assertEquals(5382 / 5.0, g.get(0).bytesPerSecond(), 1e-9);
        assertEquals(3, g.get(1).liveChange());
    }
}
