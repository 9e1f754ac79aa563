package pooltag.windows.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.error.PooltagException;

class PoolTagFileTest {
    private static PoolTagFile excerpt() {
        return PoolTagFile.parse(Fixtures.text("pooltag-excerpt-2.txt"));
    }

    @Test
    void excerptHas15EntriesAndSkipsTheFiveElisionMarks() {
        PoolTagFile f = excerpt();
        assertEquals(15, f.entries().size());
        assertEquals(5, f.loss().skippedRecords());
    }

    @Test
    void paddedTagIsFoundByItsShortName() {
        List<PoolTagEntry> e = excerpt().lookup("@MP");
        assertEquals(1, e.size());
        assertEquals("<unknown>", e.get(0).binary());
        assertEquals("(Intel video driver) Miniport related memory", e.get(0).description());
    }

    @Test
    void twoFieldLineHasADescriptionAndNoBinary() {
        PoolTagEntry e = excerpt().lookup("ATmp").get(0);
        assertEquals("", e.binary());
        assertEquals("AppTag mount point", e.description());
    }

    @Test
    void wildcardEntryNamesTagsItCovers() {
        PoolTagEntry e = excerpt().lookup("CLbQ").get(0);
        assertEquals("CLb*", e.tag());
        assertEquals("clusbflt.sys", e.binary());
    }

    @Test
    void moduleQualifiedBinaryIsKept() {
        assertEquals("nt!alpc", excerpt().lookup("AlEv").get(0).binary());
    }

    @Test
    void unknownTagHasNoEntry() {
        assertTrue(excerpt().lookup("Zzzz").isEmpty());
    }

    @Test
    void questionMarkWildcardMatchesAPaddingSpaceAndExactBeatsWildcard() {
        PoolTagFile f = PoolTagFile.parse(CaptureText.of("p.txt", """
                rem a comment
                Afd? - afd.sys      - AFD objects
                AfdB - afd.sys      - AFD data buffers
                Cc   - nt!cc        - Cache Manager allocations
                         (continued: shared cache maps)
                """));
        assertEquals("AFD objects", f.lookup("Afd").get(0).description());
        assertEquals("AFD data buffers", f.lookup("AfdB").get(0).description());
        assertEquals("Cache Manager allocations (continued: shared cache maps)", f.lookup("Cc").get(0).description());
    }

    @Test
    void narrowerWildcardWins() {
        PoolTagFile f = PoolTagFile.parse(CaptureText.of("p.txt", """
                A*   - <multiple>   - anything starting with A
                Acp* - acpi.sys     - ACPI Pooltags
                """));
        assertEquals("acpi.sys", f.lookup("AcpD").get(0).binary());
        assertEquals("<multiple>", f.lookup("Abcd").get(0).binary());
    }

    @Test
    void fileWithoutEntriesIsRejected() {
        PooltagException e = assertThrows(PooltagException.class,
                () -> PoolTagFile.parse(CaptureText.of("p.txt", "rem nothing\nhello world\n")));
        assertEquals("p.txt:1: no pooltag.txt entries ('<Tag> - <binary> - <description>') found", e.getMessage());
    }
}
