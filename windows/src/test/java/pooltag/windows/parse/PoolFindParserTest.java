package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Pool;

class PoolFindParserTest {
    private static PoolFindResult parse(String text) {
        return PoolFindParser.parse(CaptureText.of("find.txt", text));
    }

    @Test
    void oldLayoutFixtureFinds23BlocksOf21Live() {
        PoolFindResult r = PoolFindParser.parse(Fixtures.text("poolfind-2.txt"));
        assertEquals(23, r.blocks().size());
        assertEquals(21, r.live().size());
        assertEquals(3520, r.liveBytes());
    }

    /** A Windows 10 x64 capture with a "Searching nonpaged pool" section: 35 x 0xb70 + 1 x 0xaf0 process objects. */
    @Test
    void windows10NonpagedSearchFinds36ProcessObjects() {
        PoolFindResult r = PoolFindParser.parse(Fixtures.text("poolfind-proc-nonpaged.txt"));
        assertEquals(36, r.live().size());
        assertEquals(105280, r.liveBytes());
        assertEquals(0xaf0, r.live().get(1).bytes());
        assertEquals(0xffff830da0d3a010L, r.live().get(1).address());
        assertTrue(r.live().stream().allMatch(b -> b.tag().equals("Proc") && b.pool() == Pool.NONPAGED));
    }

    /** WinDbg Preview's large-pool rows only (the scan was stopped): 13 process objects of 0xb70. */
    @Test
    void largePoolRowsOnlyFind13ProcessObjects() {
        PoolFindResult r = PoolFindParser.parse(Fixtures.text("poolfind-proc-preview.txt"));
        assertEquals(13, r.live().size());
        assertEquals(38064, r.liveBytes());
        assertEquals(0xffffd48ca0ddc330L, r.live().get(12).address());
    }

    @Test
    void oldLayoutFreeRowIsNotLive() {
        PoolFindResult r = PoolFindParser.parse(Fixtures.text("poolfind-2.txt"));
        PoolBlock free = r.blocks().get(4);
        assertEquals(0x82721c00L, free.address());
        assertEquals(0x10, free.bytes());
        assertFalse(free.allocated());
        assertEquals("SeSd", free.tag());
    }

    @Test
    void oldLayoutPoolComesFromTheSearchingLine() {
        PoolFindResult r = PoolFindParser.parse(Fixtures.text("poolfind-2.txt"));
        assertEquals(19, r.blocks().stream().filter(b -> b.pool() == Pool.NONPAGED).count());
        PoolBlock last = r.blocks().get(22);
        assertEquals(0xe1224250L, last.address());
        assertEquals(Pool.PAGED, last.pool());
        assertEquals("Paged", last.poolName());
    }

    @Test
    void interruptedScanMarksTheResultTruncated() {
        PoolFindResult r = PoolFindParser.parse(Fixtures.text("poolfind-2.txt"));
        assertTrue(r.loss().truncated());
        assertEquals(0, r.loss().skippedRecords());
    }

    @Test
    void newLayoutRowsGiveHexSizesAndPools() {
        PoolFindResult r = parse("""
                0: kd> !poolfind amda
                Scanning large pool allocation table for tag 0x61646d61 (amda) (ffffda0007a50000 : ffffda0007b50000)

                ffffda000a9e0010 : tag amda, size     0x140, Nonpaged pool
                ffffda000aa41f70 : tag amda, size      0x83, Nonpaged pool
                ffffc50f`3e6c3b90 : tag amda, size      0x1f, Paged pool
                """);
        assertEquals(3, r.blocks().size());
        assertEquals(0xffffda000a9e0010L, r.blocks().get(0).address());
        assertEquals(0x140, r.blocks().get(0).bytes());
        assertEquals(Pool.PAGED, r.blocks().get(2).pool());
        assertEquals(0xffffc50f3e6c3b90L, r.blocks().get(2).address());
        assertEquals(0x140 + 0x83 + 0x1f, r.liveBytes());
        assertFalse(r.loss().truncated());
    }

    @Test
    void oldLayoutFreeRowsOnPagedScan() {
        PoolFindResult r = parse("""
                kd> !poolfind Abc 1
                Searching Paged pool (e1000000 : e4400000) for Tag: Abc

                e1003a90 size:  3b8 previous size:   28  (Allocated) Abc
                e1003e48 size:   28 previous size:  3b8  (Free)      Abc
                """);
        assertEquals(2, r.blocks().size());
        assertEquals(0x3b8, r.liveBytes());
        assertEquals("Abc", r.blocks().get(0).tag());
        assertEquals(Pool.PAGED, r.blocks().get(1).pool());
    }

    @Test
    void malformedRowIsAnErrorNamingFileAndLine() {
        PooltagException e = assertThrows(PooltagException.class, () -> parse("""
                Searching NonPaged pool (823b1000 : 82800000) for Tag: SeSd
                826fa130 size:   c0 previous size:   40  (Allocated) SeSd
                82712000 size:   c0 previous
                """));
        assertTrue(e.getMessage().startsWith("find.txt:3: !poolfind row does not read"), e.getMessage());
    }

    @Test
    void largePageAndSpecialPoolRowsAreBlocksAndAFreedLargePageIsNotLive() {
        PoolFindResult r = parse("""
                kd> !poolfind Abc 2
                Scanning large pool allocation table for Tag: Abc  (827d1000 : 827e9000)
                *82a6c000 :large page allocation, Tag is Abc , size is 0x2003 bytes
                *82a70000 :free large page allocation, Tag was Abc , size was 0x1009 bytes
                Searching Special pool (c1000000 : c5000000) for Tag: Abc
                *c1a4ec38 size:  3c8 pagable special pool, Tag is Abc
                *c1b30fe8 size:   17 non-paged special pool, Tag is Abc
                8271da30 size:   c0 previous size:   10  (Free )     Abc
                """);
        assertEquals(5, r.blocks().size());
        assertEquals(3, r.live().size());
        assertEquals(0x2003 + 0x3c8 + 0x17, r.liveBytes());
        assertEquals(Pool.PAGED, r.blocks().get(2).pool());
        assertEquals(Pool.NONPAGED, r.blocks().get(3).pool());
        assertFalse(r.blocks().get(4).allocated());
        assertEquals(0, r.loss().skippedRecords());
    }
}
