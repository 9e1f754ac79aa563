package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static pooltag.windows.parse.Fixtures.row;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

class PoolMonParserTest {
    private static UsageSnapshot parse(String text) {
        return PoolMonParser.parse(CaptureText.of("mon.txt", text));
    }

    @Test
    void snapshotFileFixtureHas13Rows() {
        UsageSnapshot s = PoolMonParser.parse(Fixtures.text("poolmon-1.txt"));
        assertEquals(13, s.rows().size());
        assertEquals(0, s.loss().skippedRecords());
        assertFalse(s.loss().truncated());
    }

    @Test
    void snapshotFileRowGivesAllocsFreesDiffAndBytes() {
        UsageSnapshot s = PoolMonParser.parse(Fixtures.text("poolmon-1.txt"));
        TagUsage ixgb = row(s, "IXGB", Pool.NONPAGED);
        assertEquals(37377, ixgb.allocs());
        assertEquals(12508, ixgb.frees());
        assertEquals(24869, ixgb.live());
        assertEquals(55749008, ixgb.bytes());
        TagUsage cm25 = row(s, "CM25", Pool.PAGED);
        assertEquals(4849, cm25.allocs());
        assertEquals(0, cm25.frees());
        assertEquals(21708800, cm25.bytes());
    }

    @Test
    void screenWithChangeColumnsAndMappedDriverFixtureHas13Rows() {
        UsageSnapshot s = PoolMonParser.parse(Fixtures.text("poolmon-3.txt"));
        assertEquals(13, s.rows().size());
        TagUsage ntfb = row(s, "NtFB", Pool.PAGED);
        assertEquals(3996, ntfb.allocs());
        assertEquals(3986, ntfb.frees());
        assertEquals(10, ntfb.live());
        assertEquals(252088, ntfb.bytes());
        assertEquals("ntfs.sys - BitmpSup.c", ntfb.description());
        assertEquals(64536, row(s, "NtFs", Pool.NONPAGED).bytes());
    }

    @Test
    void screenWithoutMappedDriverParses() {
        UsageSnapshot s = parse("""
                 Memory:  260620K Avail:   65152K  PageFlts:    85   InRam Krnl: 2116K P:19560K
                 Commit: 237688K Limit: 640916K Peak: 260632K            Pool N: 8500K P:33024K
                 System pool information
                 Tag  Type     Allocs            Frees            Diff   Bytes      Per Alloc

                 Abc  Paged     36437 (  17)        32 (   0) 36405 33930272 (  15861)    932
                 Irp  Nonp      94751 ( 101)     94683 ( 100)    68   14688 (   216)    216
                """);
        assertEquals(2, s.rows().size());
        TagUsage abc = row(s, "Abc", Pool.PAGED);
        assertEquals(36437, abc.allocs());
        assertEquals(36405, abc.live());
        assertEquals(33930272, abc.bytes());
        assertEquals("", abc.description());
        assertEquals(94683, row(s, "Irp", Pool.NONPAGED).frees());
    }

    @Test
    void laterScreenOfARefreshLogReplacesTheEarlierOne() {
        UsageSnapshot s = parse("""
                 Tag  Type     Allocs            Frees            Diff   Bytes      Per Alloc
                 Abc  Paged     36437 (   0)        32 (   0) 36405 33930272 (     0)    932
                 Tag  Type     Allocs            Frees            Diff   Bytes      Per Alloc
                 Abc  Paged     36454 (  17)        32 (   0) 36422 33946115 ( 15843)    932
                """);
        assertEquals(1, s.rows().size());
        assertEquals(33946115, row(s, "Abc", Pool.PAGED).bytes());
    }

    @Test
    void embeddedTimeBecomesTheSnapshotTime() {
        UsageSnapshot s = parse("""
                2026-11-25T19:00:07Z
                 Tag  Type     Allocs         Frees    Diff   Bytes    Per Alloc
                 EtwB Nonp       6394      4056      2338 163418368      69896
                """);
        assertEquals(1_795_633_207_000_000_000L, s.takenAtNanos());
    }

    @Test
    void malformedRowIsAnErrorNamingFileAndLine() {
        PooltagException e = assertThrows(PooltagException.class, () -> parse("""
                 Tag  Type     Allocs         Frees    Diff   Bytes    Per Alloc
                 EtwB Nonp       6394      4056      2338 163418368      69896
                 MmSt Paged   2269405   2095404
                """));
        assertEquals("mon.txt:3: PoolMon row for tag 'MmSt' does not read: expected Type Allocs Frees Diff Bytes"
                + " PerAlloc (change columns and Mapped_Driver optional)", e.getMessage());
    }
}
