package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pooltag.windows.parse.Fixtures.hasRow;
import static pooltag.windows.parse.Fixtures.row;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

class PoolUsedParserTest {
    private static UsageSnapshot parse(String text) {
        return PoolUsedParser.parse(CaptureText.of("cap.txt", text));
    }

    @Test
    void oldLayoutFixtureHas35TagsIn40PoolRows() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-3.txt"));
        assertEquals(35, s.rows().stream().map(TagUsage::tag).distinct().count());
        assertEquals(40, s.rows().size());
    }

    @Test
    void oldLayoutElisionMarksTheSnapshotTruncatedAndSkipsNothing() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-3.txt"));
        assertTrue(s.loss().truncated());
        assertEquals(0, s.loss().skippedRecords());
    }

    @Test
    void oldLayoutRowGivesOutstandingAllocationsAndBytesPerPool() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-3.txt"));
        TagUsage np = row(s, "Wmip", Pool.NONPAGED);
        TagUsage pg = row(s, "Wmip", Pool.PAGED);
        assertEquals(146, np.live());
        assertEquals(3504, np.bytes());
        assertEquals(182, pg.live());
        assertEquals(18600, pg.bytes());
        assertEquals(TagUsage.UNKNOWN, np.allocs());
        assertEquals(TagUsage.UNKNOWN, np.frees());
        assertEquals("Wmi General purpose allocation", np.description());
    }

    @Test
    void oldLayoutDescriptionStartingWithDigitsIsSplitByFieldWidth() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-3.txt"));
        TagUsage ohci = row(s, "ohci", Pool.NONPAGED);
        assertEquals(1, ohci.live());
        assertEquals(136, ohci.bytes());
        assertEquals("1394 OHCI host controller driver", ohci.description());
        assertFalse(hasRow(s, "ohci", Pool.PAGED));
    }

    @Test
    void oldLayoutRowShiftedByOneColumnStillParses() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-3.txt"));
        TagUsage rx = row(s, "rx..", Pool.NONPAGED);
        assertEquals(3, rx.live());
        assertEquals(1248, rx.bytes());
        assertEquals("UNKNOWN pooltag '  rx', please update pooltag.txt", rx.description());
    }

    @Test
    void oldLayoutPaddedTagIsKeptWithoutTrailingSpaces() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-3.txt"));
        TagUsage agp = row(s, "AGP", Pool.PAGED);
        assertEquals(2, agp.live());
        assertEquals(384, agp.bytes());
        assertEquals("UNKNOWN pooltag 'AGP ', please update pooltag.txt", agp.description());
    }

    @Test
    void oldLayoutBinaryDescriptionIsKeptAsPrinted() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-3.txt"));
        assertEquals("PS/2 kb and mouse , Binary: i8042prt.sys", row(s, "8042", Pool.NONPAGED).description());
        assertEquals(77056, row(s, "usbp", Pool.NONPAGED).bytes());
        assertEquals(68160, row(s, "vPrt", Pool.PAGED).bytes());
    }

    @Test
    void newLayoutFixtureMergesBothTablesInto12TagsAnd14Rows() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-2.txt"));
        assertEquals(12, s.rows().stream().map(TagUsage::tag).distinct().count());
        assertEquals(14, s.rows().size());
        assertTrue(s.loss().truncated());
    }

    @Test
    void newLayoutTabSeparatesTheDescription() {
        UsageSnapshot s = PoolUsedParser.parse(Fixtures.text("poolused-2.txt"));
        TagUsage cm31 = row(s, "CM31", Pool.PAGED);
        assertEquals(19797, cm31.live());
        assertEquals(91705344, cm31.bytes());
        assertEquals("Internal Configuration manager allocations , Binary: nt!cm", cm31.description());
        TagUsage etw = row(s, "EtwB", Pool.NONPAGED);
        assertEquals(128, etw.live());
        assertEquals(5041136, etw.bytes());
        assertEquals(163840, row(s, "EtwB", Pool.PAGED).bytes());
        assertEquals(2598288, row(s, "Ntff", Pool.PAGED).bytes());
    }

    @Test
    void verboseLayoutGivesAllocsFreesAndDiff() {
        UsageSnapshot s = parse("""
                0: kd> !poolused 1
                   Sorting by  Tag

                  Pool Used:
                            NonPaged                                   Paged
                 Tag    Allocs    Frees     Diff     Used   Allocs    Frees     Diff     Used
                 Abc     36437       32    36405 33930272        0        0        0        0Sample driver , Binary: abc.sys
                 Gla5     2227        5     2222   924353        3        2        1      127UNKNOWN pooltag 'Gla5', please update pooltag.txt
                 TOTAL     38664       37    38627 34854625        3        2        1      127
                """);
        TagUsage abc = row(s, "Abc", Pool.NONPAGED);
        assertEquals(36437, abc.allocs());
        assertEquals(32, abc.frees());
        assertEquals(36405, abc.live());
        assertEquals(33930272, abc.bytes());
        assertEquals("Sample driver , Binary: abc.sys", abc.description());
        TagUsage gla = row(s, "Gla5", Pool.PAGED);
        assertEquals(3, gla.allocs());
        assertEquals(2, gla.frees());
        assertEquals(1, gla.live());
        assertEquals(127, gla.bytes());
        assertFalse(hasRow(s, "Abc", Pool.PAGED));
    }

    @Test
    void sortedByPagedWithoutPromptOrTotalParses() {
        UsageSnapshot s = parse("""
                Sorting by Paged Pool Consumed

                  Pool Used:
                            NonPaged            Paged
                Tag    Allocs     Used    Allocs     Used
                Abc         0        0     36405 33930272
                Tron        0        0       552  7863232
                IoN7        0        0     10939   998432
                Gla5        1      128      2222   924352
                Ggb         0        0        22   828384
                """);
        assertEquals(6, s.rows().size());
        assertEquals(36405, row(s, "Abc", Pool.PAGED).live());
        assertEquals(33930272, row(s, "Abc", Pool.PAGED).bytes());
        assertEquals(828384, row(s, "Ggb", Pool.PAGED).bytes());
        assertEquals(128, row(s, "Gla5", Pool.NONPAGED).bytes());
        assertEquals("", row(s, "Tron", Pool.PAGED).description());
    }

    @Test
    void sessionPoolCaptureIsNamedSoInItsSource() {
        UsageSnapshot s = parse("""
                kd> !poolused 8
                 Sorting by Session Tag

                               NonPaged                  Paged
                 Tag     Allocs         Used     Allocs         Used

                 Gh05         0            0       1187      5169152\tGDITAG_HMGR_SPRITE_TYPE , Binary: win32k.sys
                 Uscu         0            0        733       467712\tUSERTAG_CLASS , Binary: win32k.sys
                """);
        assertEquals("cap.txt (session pool)", s.source());
        assertEquals(5169152, row(s, "Gh05", Pool.PAGED).bytes());
        assertEquals(733, row(s, "Uscu", Pool.PAGED).live());
    }

    @Test
    void sessionFlagOnTheCommandMarksTheSessionPool() {
        UsageSnapshot s = parse("""
                0: kd> !poolused 0xc
                   Sorting by  Paged Pool Consumed

                  Pool Used:
                            NonPaged            Paged
                 Tag    Allocs     Used    Allocs     Used
                 Gh05        0        0      1187  5169152GDITAG_HMGR_SPRITE_TYPE , Binary: win32k.sys
                """);
        assertEquals("cap.txt (session pool)", s.source());
        assertEquals(1187, row(s, "Gh05", Pool.PAGED).live());
    }

    @Test
    void reindentedRowsStillParse() {
        UsageSnapshot s = parse("""
                        Tag    Allocs     Used    Allocs     Used
                          1394        1      520         0        0UNKNOWN pooltag '1394', please update pooltag.txt
                          Wmit        1     4096         7    49480Wmi Trace
                """);
        assertEquals(520, row(s, "1394", Pool.NONPAGED).bytes());
        assertEquals(49480, row(s, "Wmit", Pool.PAGED).bytes());
    }

    @Test
    void unreadableLineInsideTableIsSkippedAndCounted() {
        UsageSnapshot s = parse("""
                 Tag    Allocs     Used    Allocs     Used
                 1394        1      520         0        0UNKNOWN pooltag '1394', please update pooltag.txt
                Unable to read PoolTrackTable entry 0x1c
                 Wmit        1     4096         7    49480Wmi Trace
                """);
        assertEquals(1, s.loss().skippedRecords());
        assertEquals(3, s.rows().size());
    }

    @Test
    void truncatedRowIsAnErrorNamingFileAndLine() {
        PooltagException e = assertThrows(PooltagException.class, () -> parse("""
                kd> !poolused
                 Tag    Allocs     Used    Allocs     Used
                 1394        1      520         0        0UNKNOWN pooltag '1394', please update pooltag.txt
                 AcpD       40    13280
                """));
        assertEquals("cap.txt:4: truncated !poolused row for tag 'AcpD': expected 4 numbers (Allocs Used per pool), found 2",
                e.getMessage());
    }

    @Test
    void textWithoutTableIsRejected() {
        PooltagException e = assertThrows(PooltagException.class, () -> parse("kd> !poolused\nNo export poolused found\n"));
        assertEquals("cap.txt:1: no !poolused table: no 'Tag  Allocs  Used' header line", e.getMessage());
    }
    /** The real new-layout capture with every run of spaces made a TAB (an editor's copy): the same rows. */
    @Test
    void columnsSeparatedByTabsReadAsTheSameRowsWithTheirDescriptions() {
        CaptureText spaced = Fixtures.text("poolused-2.txt");
        UsageSnapshot a = PoolUsedParser.parse(spaced);
        UsageSnapshot b = PoolUsedParser.parse(Fixtures.tabbed(spaced));
        assertEquals(a.rows(), b.rows());
        assertEquals(a.loss(), b.loss());
    }

    /**
     * A capture cut inside its last row: {@code 442368} cut to {@code 4423}, no line break after it. The row is
     * not read (its last number may be any prefix), counted as skipped, and the snapshot says it was cut short.
     */
    @Test
    void aLastRowWithNoLineBreakAfterItIsSkippedAndTheSnapshotIsCutShort() {
        String head = """
                 Sorting by NonPaged Pool Consumed

                               NonPaged                  Paged
                 Tag     Allocs         Used     Allocs         Used

                 ConT       535      5935104          0            0	UNKNOWN pooltag 'ConT', please update pooltag.txt
                """;
        UsageSnapshot cut = PoolUsedParser.parse(CaptureText.of("cut.txt", head + " EtwB       148      5206272         16       4423"));
        assertFalse(hasRow(cut, "EtwB", Pool.PAGED), cut.rows().toString());
        assertEquals(1, cut.loss().skippedRecords());
        assertTrue(cut.loss().truncated());
        assertEquals(5935104, row(cut, "ConT", Pool.NONPAGED).bytes());
        // Ended by its description instead (a copy saved without the final break), the numbers are whole.
        UsageSnapshot described = PoolUsedParser.parse(CaptureText.of("described.txt",
                head + " EtwB       148      5206272         16       442368\tEtw Buffer , Binary: nt!etw"));
        assertEquals(442368, row(described, "EtwB", Pool.PAGED).bytes());
        assertFalse(described.loss().truncated());
        // The same row ended by a line break is whole.
        UsageSnapshot whole = PoolUsedParser.parse(CaptureText.of("whole.txt",
                head + " EtwB       148      5206272         16       442368\tEtw Buffer , Binary: nt!etw\n"));
        assertEquals(442368, row(whole, "EtwB", Pool.PAGED).bytes());
        assertFalse(whole.loss().truncated());
    }

    /** A TAB-separated row with no description (its trailing TAB stripped with the blanks) is a row. */
    @Test
    void aTabSeparatedRowWithoutADescriptionReads() {
        UsageSnapshot s = PoolUsedParser.parse(CaptureText.of("t.txt",
                "\tTag\tAllocs\tUsed\tAllocs\tUsed\n\n Efgh\t3\t300\t4\t400\t\n"));
        assertEquals(300, row(s, "Efgh", Pool.NONPAGED).bytes());
        assertEquals(400, row(s, "Efgh", Pool.PAGED).bytes());
        assertEquals(0, s.loss().skippedRecords());
    }

    @Test
    void aTableNoLineOfWhichReadsIsAnErrorNamingTheFirst() {
        PooltagException e = assertThrows(PooltagException.class, () -> PoolUsedParser.parse(CaptureText.of("x.txt", """
                 Tag     Allocs         Used     Allocs         Used
                 this is not a row
                 nor this
                """)));
        assertEquals("x.txt:2: no line of the !poolused table reads as a row (tag, then Allocs Used per pool); 2 lines"
                + " skipped, this is the first", e.getMessage());
    }
}

