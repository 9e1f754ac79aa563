package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class DiffCommandTest {
    private static final String OLD = CliRun.fixture("poolmon-1.txt");
    private static final String NEW = CliRun.fixture("poolmon-1-later.txt");

    @Test
    void tableListsChangedTagsMostGrowthFirstWithLossLine() {
        CliRun r = CliRun.of("diff", OLD, NEW);
        assertEquals(0, r.exit());
        assertEquals(List.of(
                "Diff " + OLD + " -> " + NEW + "   (sorted by bytes gained)",
                "",
                " Tag   Pool      Live(old)  Live(new)  Change  Bytes(old)  Bytes(new)    Change  Description",
                " IXGB  NonPaged      24869      27011   +2142    55749008    60559097  +4810089",
                " MmSt  Paged        174001     173994      -7   156097152   156090863     -6289",
                "",
                "2 tags shown, 11 unchanged not shown (--all)",
                "loss: skipped 0 unreadable lines, truncated: no, lost events 0, unpaired frees 0"), r.outLines());
    }

    /**
     * pooltag's own Linux tables, saved to files, diff as Windows captures do: two {@code poolused} outputs around
     * 300 held pipes (tags longer than four characters; before, every such row was skipped and the diff showed six
     * short tags, exit 0), and one {@code mon --batch --output} file of two screens ({@code -} for Allocs and Frees;
     * before, exit 2 on its first short tag). Figures are the files' own: kmalloc-cg-1k holds the pipes' buffers.
     */
    @Test
    void pooltagsOwnLinuxPoolusedAndMonFilesDiff() {
        String before = CliRun.fixture("linux-poolused-before.txt");
        String after = CliRun.fixture("linux-poolused-after.txt");
        CliRun r = CliRun.of("diff", before, after);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.outLines().stream().anyMatch(l -> l.matches(" kmalloc-cg-1k +NonPaged +199 +497 +\\+298 +203776 +508928"
                + " +\\+305152 +slab cache, 1024 B objects")), r.out());
        assertTrue(r.outLines().stream().anyMatch(l -> l.matches(" kmalloc-cg-192 +NonPaged +252 +546 +\\+294 .*")), r.out());
        assertEquals("loss: skipped 0 unreadable lines, truncated: no, lost events 0, unpaired frees 0",
                r.outLines().get(r.outLines().size() - 1));

        String mon = CliRun.fixture("linux-mon-batch.txt");
        CliRun m = CliRun.of("diff", mon);
        assertEquals(0, m.exit(), m.err());
        assertTrue(m.outLines().get(0).startsWith("Diff " + mon + " (screen 1 of 2, line 3) -> " + mon
                + " (screen 2 of 2, line 257)"), m.out());
        assertTrue(m.outLines().stream().anyMatch(l -> l.matches(" kmalloc-cg-1k +NonPaged +211 +504 +\\+293 +216064 +516096"
                + " +\\+300032")), m.out());
        assertEquals("loss: skipped 0 unreadable lines, truncated: no, lost events 0, unpaired frees 0",
                m.outLines().get(m.outLines().size() - 1), "titles and the growth summary are not rows");
        CliRun t = CliRun.of("trend", mon);
        assertEquals(0, t.exit(), t.err());
        CliRun p = CliRun.of("poolused", "--from", before, "4", "kmalloc-cg-1k");
        assertEquals(0, p.exit(), p.err());
        assertTrue(p.outLines().stream().anyMatch(l -> l.matches(" kmalloc-cg-1k +199 +203776 +0 +0\tslab cache, 1024 B"
                + " objects")), p.out());
    }

    /** One changed tag is "1 tag shown", not "1 tags shown" (unchanged are counted per tag and pool: three here). */
    @Test
    void oneChangedTagIsCountedInTheSingular(@TempDir Path dir) throws IOException {
        String head = String.join("\n", " Sorting by Tag", "",
                "               NonPaged                  Paged",
                " Tag     Allocs         Used     Allocs         Used", "");
        Path older = Files.writeString(dir.resolve("older.txt"), head + "\n"
                + " Ntfs        10         2048         40        81920\n AcpA         3          192          1          504\n");
        Path newer = Files.writeString(dir.resolve("newer.txt"), head + "\n"
                + " Ntfs        12         2560         40        81920\n AcpA         3          192          1          504\n");
        CliRun r = CliRun.of("diff", older.toString(), newer.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.outLines().contains("1 tag shown, 3 unchanged not shown (--all)"), r.out());
    }

    @Test
    void allOptionListsUnchangedTagsToo() {
        CliRun r = CliRun.of("diff", "--all", OLD, NEW);
        assertEquals(0, r.exit());
        assertTrue(r.outLines().contains("13 tags shown"), r.out());
    }

    @Test
    void jsonCarriesEveryFigureAndTheLoss() throws IOException {
        CliRun r = CliRun.of("diff", "--json", OLD, NEW);
        assertEquals(0, r.exit());
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode first = j.get("tags").get(0);
        assertEquals("IXGB", first.get("tag").asText());
        assertEquals("NonPaged", first.get("pool").asText());
        assertEquals(4810089, first.get("bytes_change").asLong());
        assertEquals(2142, first.get("live_change").asLong());
        assertEquals(11, j.get("unchanged_tags").asInt());
        assertEquals(0, j.get("loss").get("skipped_records").asLong());
        assertEquals(false, j.get("loss").get("truncated").asBoolean());
    }

    @Test
    void poolUsedAgainstPoolMonShowsTheTruncatedInput() {
        CliRun r = CliRun.of("diff", CliRun.fixture("poolused-3.txt"), OLD);
        assertEquals(0, r.exit());
        assertEquals("loss: skipped 0 unreadable lines, truncated: yes (the capture is partial: rows elided or a scan"
                + " interrupted), lost events 0, unpaired frees 0", r.outLines().get(r.outLines().size() - 1));
    }

    @Test
    void poolFindCaptureIsRefusedWithExitCode2() {
        CliRun r = CliRun.of("diff", CliRun.fixture("poolfind-2.txt"), OLD);
        assertEquals(2, r.exit());
        assertEquals("pooltag: " + CliRun.fixture("poolfind-2.txt") + ": is a !poolfind capture, not a usage snapshot:"
                + " give a !poolused or PoolMon capture\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void linuxSlabinfoIsRefusedNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path slab = dir.resolve("slabinfo");
        Files.writeString(slab, "slabinfo - version: 2.1\n"
                + "dentry            187446 189567    192   21    1 : tunables    0    0    0 : slabdata   9027   9027      0\n");
        CliRun r = CliRun.of("diff", slab.toString(), OLD);
        assertEquals(2, r.exit());
        assertEquals("pooltag: " + slab + ":1: this is a Linux /proc/slabinfo, not Windows pool data;"
                + " pooltag reads Linux slab caches live (pooltag poolused)\n", r.err());
    }

    @Test
    void truncatedRowIsRefusedNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path cut = dir.resolve("cut.txt");
        Files.writeString(cut, " Tag  Type     Allocs         Frees    Diff   Bytes    Per Alloc\n"
                + " EtwB Nonp       6394      4056      2338 163418368      69896\n"
                + " MmSt Paged   2269405   20954\n");
        CliRun r = CliRun.of("diff", OLD, cut.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("pooltag: " + cut + ":3: PoolMon row for tag 'MmSt' does not read"), r.err());
    }

    @Test
    void binaryJunkIsRefusedNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("ntfs.sys");
        Files.write(junk, new byte[]{'M', 'Z', (byte) 0x90, 0, 3, 0, 0, 0});
        CliRun r = CliRun.of("diff", junk.toString(), OLD);
        assertEquals(2, r.exit());
        assertEquals("pooltag: " + junk + ":1: binary data (a NUL byte at offset 3), not a text capture of !poolused,"
                + " PoolMon, !poolfind, !verifier or pooltag.txt\n", r.err());
    }

    @Test
    void oneFileOfSeveralPoolMonScreensComparesItsFirstAndLastScreens() {
        // MicrosoftDocs PoolMon Example 4: Drsd before and after a print job, six blocks and 4992 bytes leaked.
        String two = CliRun.fixture("poolmon-two-screens.txt");
        CliRun r = CliRun.of("diff", two);
        assertEquals(0, r.exit(), r.err());
        String drsd = r.outLines().stream().filter(l -> l.startsWith(" Drsd")).findFirst().orElseThrow();
        assertEquals(List.of("Drsd", "Paged", "21", "27", "+6", "17472", "22464", "+4992"),
                List.of(drsd.strip().split("\\s+")), r.out());
        CliRun one = CliRun.of("diff", OLD);
        assertEquals(2, one.exit());
        assertTrue(one.err().contains("holds one snapshot"), one.err());
    }
}
