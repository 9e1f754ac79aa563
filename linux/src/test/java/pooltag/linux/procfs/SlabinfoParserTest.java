package pooltag.linux.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;

class SlabinfoParserTest {
    private static final String REAL = CapturedTree.resource("slabinfo");

    private static SlabinfoEntry find(List<SlabinfoEntry> all, String name) {
        return all.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void realFileHasOneEntryPerCacheLine() {
        // 237 lines: the version line, the column legend, 235 caches.
        assertEquals(235, SlabinfoParser.parse(REAL, "slabinfo").size());
    }

    @Test
    void realRowFieldsLandInTheirColumns() {
        // "dentry  10542  10542  192  21  1 : tunables 0 0 0 : slabdata 502 502 0"
        SlabinfoEntry d = find(SlabinfoParser.parse(REAL, "slabinfo"), "dentry");
        assertEquals(10542, d.activeObjects());
        assertEquals(10542, d.totalObjects());
        assertEquals(192, d.objectSize());
        assertEquals(21, d.objectsPerSlab());
        assertEquals(1, d.pagesPerSlab());
        assertEquals(502, d.activeSlabs());
        assertEquals(502, d.totalSlabs());
        assertEquals(10542L * 192, d.activeBytes());
    }

    @Test
    void activeAndTotalObjectsDifferWhenSlabsArePartlyFree() {
        // "kmalloc-64  1624  1792  64  64  1 : ... : slabdata 28 28 0"
        SlabinfoEntry k = find(SlabinfoParser.parse(REAL, "slabinfo"), "kmalloc-64");
        assertEquals(1624, k.activeObjects());
        assertEquals(1792, k.totalObjects());
    }

    @Test
    void sumOfActiveBytesMatchesAnIndependentSum() {
        // awk 'NR>2{a+=$2*$4} END{print a}' slabinfo  ->  28175872
        long sum = SlabinfoParser.parse(REAL, "slabinfo").stream().mapToLong(SlabinfoEntry::activeBytes).sum();
        assertEquals(28_175_872L, sum);
    }

    @Test
    void truncatedLastRowNamesFileAndLine() {
        String cut = REAL.substring(0, REAL.indexOf("dentry") + 20);
        int line = (int) cut.chars().filter(c -> c == '\n').count() + 1;
        PooltagException e = assertThrows(PooltagException.class, () -> SlabinfoParser.parse(cut, "/proc/slabinfo"));
        assertTrue(e.getMessage().startsWith("/proc/slabinfo:" + line + ": truncated row 'dentry"), e.getMessage());
    }

    @Test
    void rowWithMissingFieldsNamesFileAndLine() {
        String bad = "slabinfo - version: 2.1\n# name ...\nfoo 1 2 3 : tunables 0 0 0 : slabdata 1 1 0\n";
        PooltagException e = assertThrows(PooltagException.class, () -> SlabinfoParser.parse(bad, "x"));
        assertTrue(e.getMessage().startsWith("x:3: malformed slabinfo row 'foo"), e.getMessage());
    }

    @Test
    void nonNumericFieldIsRejected() {
        String bad = "slabinfo - version: 2.1\nfoo 1 2 x 4 5 : tunables 0 0 0 : slabdata 1 1 0\n";
        PooltagException e = assertThrows(PooltagException.class, () -> SlabinfoParser.parse(bad, "x"));
        assertTrue(e.getMessage().startsWith("x:2: non-numeric field"), e.getMessage());
    }

    @Test
    void unknownVersionIsRefusedNotGuessed() {
        String v3 = REAL.replace("version: 2.1", "version: 3.0");
        PooltagException e = assertThrows(PooltagException.class, () -> SlabinfoParser.parse(v3, "/proc/slabinfo"));
        assertEquals("/proc/slabinfo:1: unknown slabinfo version 'slabinfo - version: 3.0'; pooltag reads version 2.1",
                e.getMessage());
    }

    @Test
    void otherFilesAreNotSlabinfo() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> SlabinfoParser.parse(CapturedTree.resource("meminfo"), "meminfo"));
        assertTrue(e.getMessage().startsWith("meminfo:1: not a slabinfo file"), e.getMessage());
    }

    @Test
    void emptyFileIsAnError() {
        PooltagException e = assertThrows(PooltagException.class, () -> SlabinfoParser.parse("", "empty"));
        assertTrue(e.getMessage().contains("empty file"), e.getMessage());
    }

    @Test
    void fieldsSplitAsTheRegexDid() {
        String[] lines = {"kmalloc-64  1 2   3 4 5 : tunables 0 0 0 : slabdata 1 1 0",
                "  \tlead and trail\t  ", "a", "a\u000Bb\fc\rd", "", "   ", "x\u0001y z",
                "0xffffc90000000000-0xffffc90000005000   20480 start_kernel+0x1/0x2 pages=4 vmalloc N0=4"};
        for (String l : lines) {
            assertEquals(List.of(l.trim().split("\\s+")), List.of(SlabinfoParser.fields(l)), "'" + l + "'");
        }
    }

    /**
     * The slack of rows of this machine's /proc/slabinfo (Linux 6.18, 2 CPUs, 2026-11-30), checked against its
     * /sys/kernel/slab: filp (192 B, 21 per slab) has cpu_partial 120, so 12 partial slabs per CPU
     * (ceil(240 / 21)) besides the CPU slab: 2 * 21 * 13 = 546. kmalloc-cg-1k (1024 B, 16 per slab): cpu_partial 24,
     * ceil(48 / 16) = 3, 2 * 16 * 4 = 128. signal_cache (1152 B, 14 per slab): 24, ceil(48 / 14) = 4,
     * 2 * 14 * 5 = 140. kmalloc-96 (96 B, 42 per slab): 120, ceil(240 / 42) = 6, 2 * 42 * 7 = 588. A 4 KiB object
     * (kmalloc-4k, 8 per slab): cpu_partial 6, ceil(12 / 8) = 2, 2 * 8 * 3 = 48.
     */
    @Test
    void liveSlackFollowsSlubsPerCpuSlabs() {
        String text = "slabinfo - version: 2.1\n"
                + "filp                1716   1743    192   21    1 : tunables    0    0    0 : slabdata     83     83      0\n"
                + "signal_cache         175    252   1152   14    4 : tunables    0    0    0 : slabdata     18     18      0\n"
                + "kmalloc-cg-1k        235    560   1024   16    4 : tunables    0    0    0 : slabdata     35     35      0\n"
                + "kmalloc-96          3635   4872     96   42    1 : tunables    0    0    0 : slabdata    116    116      0\n"
                + "kmalloc-4k           616    672   4096    8    8 : tunables    0    0    0 : slabdata     84     84      0\n";
        List<SlabinfoEntry> e = SlabinfoParser.parse(text, "slabinfo");
        assertEquals(List.of(546L, 140L, 128L, 588L, 48L), e.stream().map(x -> x.liveSlack(2)).toList());
        assertEquals(273L, e.get(0).liveSlack(1));
        // A row no kernel writes (from a hostile recording) states no slack instead of overflowing to a negative one.
        SlabinfoEntry hostile = new SlabinfoEntry("x", 1, 1, 64, 4_000_000_000_000_000_000L, 1, 1, 1);
        assertEquals(0L, hostile.liveSlack(4096));
    }
}
