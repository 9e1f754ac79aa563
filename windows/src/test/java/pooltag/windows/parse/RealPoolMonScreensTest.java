package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pooltag.windows.parse.Fixtures.row;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/** Every real PoolMon screen under {@code windows/real/} (sources in its README), with exact figures from each. */
class RealPoolMonScreensTest {
    private static UsageSnapshot one(String name) {
        List<UsageSnapshot> all = PoolMonParser.parseAll(Fixtures.text("real/" + name));
        assertEquals(1, all.size(), name + " is one screen");
        return all.get(0);
    }

    private static void figures(TagUsage u, long allocs, long frees, long diff, long bytes, String description) {
        assertEquals(allocs, u.allocs(), u.tag() + " allocs");
        assertEquals(frees, u.frees(), u.tag() + " frees");
        assertEquals(diff, u.live(), u.tag() + " diff");
        assertEquals(bytes, u.bytes(), u.tag() + " bytes");
        assertEquals(description, u.description(), u.tag() + " description");
    }

    @Test
    void displaySampleSortedByAllocsWithPaddedShortTags() {
        UsageSnapshot s = one("poolmon-display-sorted.txt");
        assertEquals(8, s.rows().size());
        figures(row(s, "Wait", Pool.NONPAGED), 3971107, 3971077, 30, 8456, "");
        figures(row(s, "Io", Pool.NONPAGED), 1021112, 1020985, 127, 91912, "");
        figures(row(s, "Key", Pool.PAGED), 954821, 953979, 842, 87528, "");
        assertEquals(0, s.loss().skippedRecords());
    }

    /** Microsoft's "Using PoolMon to find a kernel-mode memory leak" screen, its header printed as "## Tag ...". */
    @Test
    void findALeakPageScreenWithItsHashedHeader() {
        UsageSnapshot s = one("poolmon-find-leak-page.txt");
        assertEquals(4, s.rows().size());
        figures(row(s, "CM", Pool.PAGED), 1283, 1002, 281, 1377312, "");
        figures(row(s, "Strg", Pool.PAGED), 10385, 6658, 3727, 317952, "");
        figures(row(s, "MmSt", Pool.PAGED), 614, 441, 173, 83456, "");
        assertEquals(5872, s.rows().stream().mapToLong(TagUsage::live).sum());
        assertEquals(1953280, s.rows().stream().mapToLong(TagUsage::bytes).sum());
        assertEquals(0, s.loss().skippedRecords());
    }

    @Test
    void mappedDriverAsPlainWords() {
        UsageSnapshot s = one("poolmon-unknown-driver.txt");
        assertEquals(3, s.rows().size());
        figures(row(s, "1MEM", Pool.NONPAGED), 1, 0, 1, 3344, "Unknown Driver");
        figures(row(s, "3MEM", Pool.NONPAGED), 3, 0, 3, 248, "Unknown Driver");
    }

    @Test
    void mappedDriverFromLocaltag() {
        UsageSnapshot s = one("poolmon-localtag.txt");
        figures(row(s, "2MEM", Pool.NONPAGED), 1, 0, 1, 3944, "el90xbc5");
    }

    @Test
    void mappedDriverWithSeveralBracketGroups() {
        UsageSnapshot s = one("poolmon-several-brackets.txt");
        assertEquals(8, s.rows().size());
        figures(row(s, "IpEQ", Pool.NONPAGED), 1, 0, 1, 1808, "ipsec; ipsec.sys - event queue");
        figures(row(s, "IpHP", Pool.NONPAGED), 1, 1, 0, 0, "ipsec.sys - IP Security");
        figures(row(s, "IpIO", Pool.NONPAGED), 1, 1, 0, 0, "ipsec");
        figures(row(s, "IpSI", Pool.NONPAGED), 1027, 0, 1027, 53272, "ipsec; ipsec.sys - initial allcoations");
    }

    @Test
    void twoScreensAreTwoSnapshotsInFileOrder() {
        List<UsageSnapshot> all = PoolMonParser.parseAll(Fixtures.text("real/poolmon-two-screens.txt"));
        assertEquals(2, all.size());
        figures(row(all.get(0), "Drsd", Pool.PAGED), 560, 539, 21, 17472, "");
        figures(row(all.get(1), "Drsd", Pool.PAGED), 737, 710, 27, 22464, "");
        // The page's own reading: six Drsd blocks, 4992 bytes, leaked during printing.
        assertEquals(6, row(all.get(1), "Drsd", Pool.PAGED).live() - row(all.get(0), "Drsd", Pool.PAGED).live());
        assertEquals(4992, row(all.get(1), "Drsd", Pool.PAGED).bytes() - row(all.get(0), "Drsd", Pool.PAGED).bytes());
        assertTrue(all.get(0).source().endsWith("(screen 1 of 2, line 6)"), all.get(0).source());
        assertEquals(0, all.get(0).takenAtNanos());
        // parse() is the latest screen.
        assertEquals(all.get(1).rows(), PoolMonParser.parse(Fixtures.text("real/poolmon-two-screens.txt")).rows());
    }

    @Test
    void allSessionsPoolWithTagsHoldingSpacesAndACutList() {
        UsageSnapshot s = one("poolmon-session-all.txt");
        assertEquals(16, s.rows().size());
        figures(row(s, "Dh 1", Pool.PAGED), 24, 24, 0, 0, "");
        figures(row(s, "Gcac", Pool.PAGED), 3761, 3706, 55, 288968, "");
        figures(row(s, "GTmp", Pool.PAGED), 88876, 88876, 0, 0, "");
        assertTrue(s.loss().truncated(), "the '...' line says the list was cut");
    }

    @Test
    void session0PoolWithMappedDriverInEveryForm() {
        UsageSnapshot s = one("poolmon-session0-g.txt");
        assertEquals(16, s.rows().size());
        figures(row(s, "Bmfd", Pool.PAGED), 421, 396, 25, 57832, "Font related stuff");
        figures(row(s, "Dh 2", Pool.PAGED), 367, 364, 3, 912, "Unknown Driver");
        figures(row(s, "Gcsl", Pool.PAGED), 1, 0, 1, 488, "Gdi string resource script names");
    }

    @Test
    void emptySessionScreenIsAnEmptySnapshot() {
        UsageSnapshot s = one("poolmon-session-empty.txt");
        assertEquals(0, s.rows().size());
        assertFalse(s.loss().truncated());
    }

    @Test
    void mappedDriverCutAtTheScreensEdge() {
        UsageSnapshot s = one("poolmon-cut-80.txt");
        assertEquals(13, s.rows().size());
        figures(row(s, "NtFC", Pool.PAGED), 1579279, 1579269, 10, 640, "ntf");
        figures(row(s, "NtFs", Pool.NONPAGED), 48825, 47226, 1599, 64536, "ntf");
    }

    @Test
    void wideMachineSingleSpaced() {
        UsageSnapshot s = one("poolmon-wide-pastebin.txt");
        assertEquals(16, s.rows().size());
        figures(row(s, "CM31", Pool.PAGED), 76680, 49859, 26821, 122609664, "");
        figures(row(s, "Irp", Pool.NONPAGED), 75321006, 75307341, 13665, 4645936, "");
        figures(row(s, "File", Pool.NONPAGED), 59994297, 59983847, 10450, 3492864, "");
    }

    @Test
    void rowsWithoutChangeColumnsSingleSpaced() {
        UsageSnapshot s = one("poolmon-serverfault.txt");
        assertEquals(4, s.rows().size());
        figures(row(s, "Ntfr", Pool.NONPAGED), 2690737, 2528557, 162180, 10379976, "");
        figures(row(s, "File", Pool.NONPAGED), 13789939, 13704656, 85283, 13203912, "");
    }

    @Test
    void theNtfsScreenWithMappedDriverInBrackets() {
        UsageSnapshot s = PoolMonParser.parse(Fixtures.text("poolmon-3.txt"));
        figures(row(s, "NtFB", Pool.PAGED), 3996, 3986, 10, 252088, "ntfs.sys - BitmpSup.c");
    }
    /** The /n log with every run of spaces made a TAB, as an editor or a spreadsheet copies it: the same rows. */
    @Test
    void aLogWhoseSpacesAreTabsReadsTheSame() {
        CaptureText spaced = Fixtures.text("poolmon-1.txt");
        UsageSnapshot a = PoolMonParser.parse(spaced);
        UsageSnapshot b = PoolMonParser.parse(Fixtures.tabbed(spaced));
        assertEquals(a.rows(), b.rows());
        assertEquals(a.loss(), b.loss());
    }

    /** Cut inside the last row's Bytes (21708800 cut to 21708), no line break after it: not read, screen cut short. */
    @Test
    void aLastRowWithNoLineBreakAfterItIsNotReadAndTheScreenIsCutShort() {
        String head = """
                 Tag  Type     Allocs     Frees      Diff   Bytes     Per Alloc

                 EtwB Nonp       6394      4056      2338 163418368      69896
                """;
        UsageSnapshot cut = PoolMonParser.parse(CaptureText.of("cut.txt", head + " CM25 Paged      4849         0      4849 21708"));
        assertEquals(1, cut.rows().size());
        assertEquals(1, cut.loss().skippedRecords());
        assertTrue(cut.loss().truncated());
        // Cut inside Per Alloc (4476 to 4): the row reads, but 21708800 / 4849 is not 4.
        UsageSnapshot cutPer = PoolMonParser.parse(CaptureText.of("cut2.txt", head + " CM25 Paged      4849         0      4849 21708800       4"));
        assertEquals(1, cutPer.rows().size());
        assertTrue(cutPer.loss().truncated());
        // Whole but saved without its final line break (a copy from Notepad): Per Alloc is Bytes / Diff, so it is read.
        UsageSnapshot unended = PoolMonParser.parse(CaptureText.of("unended.txt",
                head + " CM25 Paged      4849         0      4849 21708800       4476"));
        figures(row(unended, "CM25", Pool.PAGED), 4849, 0, 4849, 21708800, "");
        assertFalse(unended.loss().truncated());
        // Unended with a Mapped_Driver whose last word ends in a digit (x86_64) or is one (2): read, never parsed.
        for (String driver : List.of("[ntfs.sys - x86_64]", "x86_64", "Unknown Driver 2")) {
            UsageSnapshot mapped = PoolMonParser.parse(CaptureText.of("mapped.txt",
                    head + " CM25 Paged      4849         0      4849 21708800       4476 " + driver));
            assertEquals(21708800, row(mapped, "CM25", Pool.PAGED).bytes(), driver);
            assertFalse(mapped.loss().truncated(), driver);
        }
        UsageSnapshot whole = PoolMonParser.parse(CaptureText.of("whole.txt",
                head + " CM25 Paged      4849         0      4849 21708800       4476\n"));
        figures(row(whole, "CM25", Pool.PAGED), 4849, 0, 4849, 21708800, "");
        assertFalse(whole.loss().truncated());
    }

    @Test
    void aTableNoLineOfWhichReadsIsAnErrorNamingTheFirst() {
        pooltag.core.error.PooltagException e = org.junit.jupiter.api.Assertions.assertThrows(
                pooltag.core.error.PooltagException.class, () -> PoolMonParser.parse(CaptureText.of("x.txt", """
                 Tag  Type     Allocs     Frees      Diff   Bytes     Per Alloc
                 not a row
                """)));
        assertEquals("x.txt:2: no line of the PoolMon table reads as a row (Tag Type Allocs Frees Diff Bytes"
                + " PerAlloc); 1 line skipped, this is the first", e.getMessage());
    }
}

