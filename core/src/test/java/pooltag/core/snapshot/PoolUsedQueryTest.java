package pooltag.core.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.tag.TagKind;

class PoolUsedQueryTest {
    // Distinctive numbers so no total matches by accident.
    static final UsageSnapshot SNAP = new UsageSnapshot(0, "test", List.of(
            new TagUsage("dentry", TagKind.CACHE, Pool.PAGED, -1, -1, 9787, 1879104, ""),
            new TagUsage("kmalloc-64", TagKind.CACHE, Pool.NONPAGED, -1, -1, 1613, 103232, ""),
            new TagUsage("kmalloc-4k", TagKind.CACHE, Pool.NONPAGED, -1, -1, 263, 1077248, ""),
            new TagUsage("Abc ", TagKind.POOL, Pool.NONPAGED, 7, 2, 5, 337, ""),
            new TagUsage("Abc ", TagKind.POOL, Pool.PAGED, 36411, 6, 36405, 33930272, "")),
            Loss.NONE);

    private static List<String> tags(PoolUsedQuery.Result r) {
        return r.rows().stream().map(PoolUsedQuery.Row::tag).toList();
    }

    @Test
    void flagZeroSortsByTag() {
        PoolUsedQuery.Result r = PoolUsedQuery.parse("0", null).apply(SNAP);
        assertEquals(PoolUsedQuery.Sort.TAG, r.sort());
        assertEquals(List.of("Abc ", "dentry", "kmalloc-4k", "kmalloc-64"), tags(r));
    }

    @Test
    void flagTwoSortsByNonPagedBytesDescending() {
        PoolUsedQuery.Result r = PoolUsedQuery.parse("2", null).apply(SNAP);
        assertEquals(List.of("kmalloc-4k", "kmalloc-64", "Abc ", "dentry"), tags(r));
    }

    @Test
    void flagFourSortsByPagedBytesDescending() {
        PoolUsedQuery.Result r = PoolUsedQuery.parse("4", null).apply(SNAP);
        assertEquals(List.of("Abc ", "dentry", "kmalloc-4k", "kmalloc-64"), tags(r));
    }

    @Test
    void flagOneIsVerboseAndCombinesWithSort() {
        PoolUsedQuery q = PoolUsedQuery.parse("3", null);
        assertTrue(q.verbose());
        assertEquals(PoolUsedQuery.Sort.NONPAGED, q.sort());
        assertEquals(PoolUsedQuery.Sort.PAGED, PoolUsedQuery.parse("0x5", null).sort());
    }

    @Test
    void twoAndFourTogetherAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolUsedQuery.parse("6", null));
        assertTrue(e.getMessage().contains("0x2 and 0x4 cannot be combined"), e.getMessage());
    }

    @Test
    void sessionPoolIsNotOnLinux() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolUsedQuery.parse("8", null));
        assertTrue(e.getMessage().contains("not on Linux"), e.getMessage());
    }

    @Test
    void flagsAreHexAsInWinDbg() {
        // "a" is 0xa = 8|2: the session bit makes it an error, proving the hex reading.
        assertThrows(IllegalArgumentException.class, () -> PoolUsedQuery.parse("a", null));
        assertThrows(IllegalArgumentException.class, () -> PoolUsedQuery.parse("10", null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolUsedQuery.parse("x4", null));
        assertTrue(e.getMessage().startsWith("bad Flags 'x4'"), e.getMessage());
    }

    @Test
    void tagStringFiltersWithWildcards() {
        assertEquals(List.of("kmalloc-4k", "kmalloc-64"), tags(PoolUsedQuery.parse("0", "kmalloc-*").apply(SNAP)));
        assertEquals(List.of("kmalloc-4k"), tags(PoolUsedQuery.parse("0", "kmalloc-?k").apply(SNAP)));
        assertEquals(List.of("Abc "), tags(PoolUsedQuery.parse("0", "Abc?").apply(SNAP)));
        // A capture's reader strips a short pool tag's padding: 'Vad?' still finds Vad, as WinDbg does; a cache
        // name is matched as it is.
        UsageSnapshot stripped = new UsageSnapshot(0, "capture", List.of(
                new TagUsage("Vad", TagKind.POOL, Pool.NONPAGED, -1, -1, 58, 4640, ""),
                new TagUsage("Vad", TagKind.CACHE, Pool.NONPAGED, -1, -1, 1, 64, "")), Loss.NONE);
        assertEquals(1, PoolUsedQuery.parse("0", "Vad?").apply(stripped).rows().size());
        assertEquals(58, PoolUsedQuery.parse("0", "Vad?").apply(stripped).totals().nonPagedLive());
    }

    @Test
    void aTagInBothPoolsIsOneRowWithBothColumns() {
        PoolUsedQuery.Row abc = PoolUsedQuery.parse("0", "Abc*").apply(SNAP).rows().get(0);
        assertEquals(337, abc.nonPagedBytes());
        assertEquals(33930272, abc.pagedBytes());
        assertEquals(36405, abc.paged().live());
    }

    @Test
    void totalsSumWhatIsShownAndUnknownAllocsStayUnknown() {
        PoolUsedQuery.Totals t = PoolUsedQuery.parse("0", null).apply(SNAP).totals();
        assertEquals(1613 + 263 + 5, t.nonPagedLive());
        assertEquals(103232 + 1077248 + 337, t.nonPagedBytes());
        assertEquals(9787 + 36405, t.pagedLive());
        assertEquals(1879104 + 33930272, t.pagedBytes());
        assertEquals(TagUsage.UNKNOWN, t.nonPagedAllocs());
        PoolUsedQuery.Totals abcOnly = PoolUsedQuery.parse("0", "Abc*").apply(SNAP).totals();
        assertEquals(7, abcOnly.nonPagedAllocs());
        assertEquals(36411, abcOnly.pagedAllocs());
    }

    /**
     * The written-out orders are the composed comparators they replaced: bytes of the sort's pool descending, then the
     * other pool's descending, then tag; over rows with many ties in both pools.
     */
    @Test
    void sortOrdersEqualTheComposedComparators() {
        java.util.Random rnd = new java.util.Random(14);
        java.util.List<TagUsage> us = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            us.add(new TagUsage("t" + rnd.nextInt(120), TagKind.POOL, rnd.nextBoolean() ? Pool.PAGED : Pool.NONPAGED,
                    -1, -1, 1, rnd.nextInt(4) * 64L, ""));
        }
        UsageSnapshot s = new UsageSnapshot(0, "ties", us, Loss.NONE);
        java.util.Comparator<PoolUsedQuery.Row> byTag = java.util.Comparator.comparing(PoolUsedQuery.Row::tag);
        java.util.Map<String, java.util.Comparator<PoolUsedQuery.Row>> composed = java.util.Map.of(
                "0", byTag,
                "2", java.util.Comparator.comparingLong(PoolUsedQuery.Row::nonPagedBytes).reversed()
                        .thenComparing(java.util.Comparator.comparingLong(PoolUsedQuery.Row::pagedBytes).reversed())
                        .thenComparing(byTag),
                "4", java.util.Comparator.comparingLong(PoolUsedQuery.Row::pagedBytes).reversed()
                        .thenComparing(java.util.Comparator.comparingLong(PoolUsedQuery.Row::nonPagedBytes).reversed())
                        .thenComparing(byTag));
        for (var e : composed.entrySet()) {
            List<PoolUsedQuery.Row> rows = PoolUsedQuery.parse(e.getKey(), null).apply(s).rows();
            List<PoolUsedQuery.Row> expected = new java.util.ArrayList<>(rows);
            expected.sort(e.getValue());
            assertEquals(expected, rows, "flags " + e.getKey());
            assertTrue(rows.size() > 50);
        }
    }

    @Test
    void lossNoneIsEqualsNone() {
        assertTrue(Loss.NONE.none());
        assertTrue(new Loss(0, 0, 0, false).none());
        for (Loss l : List.of(new Loss(1, 0, 0, false), new Loss(0, 1, 0, false), new Loss(0, 0, 1, false),
                new Loss(0, 0, 0, 1, false), new Loss(0, 0, 0, true))) {
            assertEquals(l.equals(Loss.NONE), l.none(), l.toString());
            assertTrue(!l.none(), l.toString());
        }
    }
}
