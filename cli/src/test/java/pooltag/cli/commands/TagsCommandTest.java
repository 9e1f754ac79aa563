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

class TagsCommandTest {
    private static final String POOLTAG = CliRun.fixture("pooltag-excerpt-2.txt");

    @Test
    void pooltagLookupHonoursPaddingWildcardsAndTwoFieldLines() {
        CliRun r = CliRun.of("tags", "--pooltag", POOLTAG, "8042", "CLbQ", "@MP", "ATmp", "Zzzz");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(
                "pooltag.txt " + POOLTAG + " (15 entries)",
                "",
                " Tag   Entry  Binary        Description",
                " 8042  8042   i8042prt.sys  PS/2 keyboard and mouse",
                " CLbQ  CLb*   clusbflt.sys  Cluster block storage target driver",
                " @MP   @MP    <unknown>     (Intel video driver) Miniport related memory",
                " ATmp  ATmp   -             AppTag mount point",
                " Zzzz  -      -             not in pooltag.txt: try --scan DIR",
                "",
                "loss: skipped 5 unreadable lines, truncated: no, lost events 0, unpaired frees 0"), r.outLines());
    }

    @Test
    void scanListsTheFilesHoldingTheTagBytes(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("abc.sys"), new byte[]{0x68, 'A', 'b', 'c', ' ', (byte) 0xc3});
        Files.write(dir.resolve("x.sys"), new byte[]{0x68, 'L', 'e', 'a', '2', (byte) 0xc3});
        CliRun r = CliRun.of("tags", "--scan", dir.toString(), "Abc", "Lea2", "Nope");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(
                "Files under " + dir + " holding the tag bytes",
                "",
                " Tag   Bytes        Files",
                " Abc   41 62 63 20  abc.sys",
                " Lea2  4c 65 61 32  x.sys",
                " Nope  4e 6f 70 65  (none)",
                "",
                "loss: skipped 0 unreadable lines, truncated: no, lost events 0, unpaired frees 0"), r.outLines());
    }

    /**
     * A scan that could not read everything says which and exits 1, text and JSON alike: its "(none)" may be wrong.
     * {@code /proc/sys/vm/drop_caches} is write-only, even for root.
     */
    @Test
    void aScanThatCouldNotReadEverythingExits1() throws IOException {
        CliRun r = CliRun.of("tags", "--scan", "/proc/sys/vm", "Nope");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.out().contains("could not be read and were not searched: ") && r.out().contains("drop_caches"),
                r.out());
        CliRun j = CliRun.of("tags", "--json", "--scan", "/proc/sys/vm", "Nope");
        assertEquals(1, j.exit(), j.err());
        assertTrue(new ObjectMapper().readTree(j.out()).get("unreadable").toString().contains("drop_caches"), j.out());
    }

    /**
     * A --scan DIR that cannot be listed at all (its own name in the scan's unreadable list) is named as given, not as
     * the empty path relative to itself, in text and JSON; the answer is partial, so the loss says truncated and the
     * exit is 1. (As a user: chmod 700 DIR, then tags --scan DIR as nobody; the scan is replaced here because root
     * reads every directory.)
     */
    @Test
    void aScanDirectoryThatCannotBeListedIsNamedAndCountedAsLoss(@TempDir Path dir) throws IOException {
        Path noread = dir.resolve("noread");
        java.util.function.Consumer<picocli.CommandLine> unlistable = cl -> ((TagsCommand) cl.getSubcommands()
                .get("tags").getCommand()).scanner = (d, tags) -> new pooltag.windows.TagScanner.Scan(
                        java.util.Map.of("Cont", List.of()), List.of(d));
        CliRun r = CliRun.of(unlistable, "tags", "--scan", noread.toString(), "Cont");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.outLines().contains("1 file(s) or directories could not be read and were not searched: " + noread),
                r.out());
        assertTrue(r.outLines().contains("loss: skipped 0 unreadable lines, truncated: yes (the capture is partial:"
                + " rows elided or a scan interrupted), lost events 0, unpaired frees 0"), r.out());
        CliRun j = CliRun.of(unlistable, "tags", "--json", "--scan", noread.toString(), "Cont");
        assertEquals(1, j.exit(), j.err());
        JsonNode root = new ObjectMapper().readTree(j.out());
        assertEquals("[\"" + noread + "\"]", root.get("unreadable").toString());
        assertTrue(root.get("loss").get("truncated").asBoolean(), j.out());
    }

    @Test
    void jsonListsEntriesWithTheirLines() throws IOException {
        CliRun r = CliRun.of("tags", "--json", "--pooltag", POOLTAG, "AmlH");
        assertEquals(0, r.exit(), r.err());
        JsonNode e = new ObjectMapper().readTree(r.out()).get("tags").get(0).get("entries").get(0);
        assertEquals("Aml*", e.get("entry").asText());
        assertEquals("ACPI AMLI Pooltags", e.get("description").asText());
        assertEquals(38, e.get("line").asInt());
    }

    @Test
    void withoutSourceItIsAUsageError() {
        CliRun r = CliRun.of("tags", "Abc");
        assertEquals(2, r.exit());
        assertEquals("pooltag: tags: give --pooltag FILE, --scan DIR, or both\n", r.err());
    }

    @Test
    void tagLongerThanFourCharactersIsRefused() {
        CliRun r = CliRun.of("tags", "--pooltag", POOLTAG, "Toolong");
        assertEquals(2, r.exit());
        assertEquals("pooltag: bad tag 'Toolong': a pool tag has 1 to 4 characters\n", r.err());
    }

    @Test
    void aTagBreakpointLineGivesTheTagItTests(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("leaky.sys"), new byte[]{0x41, (byte) 0xb8, 'L', 'e', 'a', 'k', (byte) 0xc3});
        CliRun r = CliRun.of("tags", "--scan", dir.toString(),
                "bp nt!ExAllocatePool2 \".if (@r8 == 0x6b61654c) {} .else {gc}\"");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.outLines().contains(" Leak  4c 65 61 6b  leaky.sys"), r.out());
        CliRun bad = CliRun.of("tags", "--scan", dir.toString(), "bp nt!ExAllocatePool2");
        assertEquals(2, bad.exit());
    }
}
