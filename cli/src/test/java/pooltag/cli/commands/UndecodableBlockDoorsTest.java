package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import pooltag.engine.hit.Break;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.kd.KdTargets;
import pooltag.linux.recording.UndecodableBlocks;

/**
 * A recording written by this pooltag, then its second PAGES_ZSTD block rewritten by a "hostile writer": the third
 * page claims more bytes than the block holds, and the CRC-32 is recomputed over the bad bytes. {@code report} and
 * {@code kd --recording} treat the block as damaged like one whose CRC fails: skipped alone, counted, named, the
 * blocks after it read, exit 1. Before, report stopped at the block with exit 2 (its 1,301 later events lost), and kd
 * replayed only up to it.
 */
class UndecodableBlockDoorsTest {
    @TempDir
    Path dir;

    /** Events of the whole file; of the file read past its damaged block (703 in the block, 1,301 after it). */
    static final int ALL = 2740;
    static final int READ = 2037;

    Path hostile() throws Exception {
        Path f = dir.resolve("hostile.ptrec");
        Files.write(f, UndecodableBlocks.impossiblePageLength());
        return f;
    }

    String damage() throws Exception {
        return "PAGES_ZSTD block at byte " + UndecodableBlocks.chunks(UndecodableBlocks.impossiblePageLength()).get(1)
                .offset() + " does not decode, though its CRC-32 holds: PAGES_ZSTD block, page 3 of 8, claims 32720"
                + " bytes; 24480 are left in the block";
    }

    @Test
    void reportReadsOnPastItCountsItAndExits1() throws Exception {
        Path f = hostile();
        UndecodableBlocks.Block chunk = UndecodableBlocks.chunks(Files.readAllBytes(f)).get(1);
        CliRun t = CliRun.of("report", f.toString());
        assertEquals(1, t.exit(), t.out() + t.err());
        assertEquals("", t.err());
        assertEquals("recording " + f + ": DAMAGED (" + damage() + "; 1 damaged block skipped)", t.outLines().get(0));
        assertTrue(t.out().contains("events: " + READ + " total;"), t.out());
        assertTrue(t.out().contains("health: damaged; skipped bytes " + (chunk.end() - chunk.offset())
                + ", skipped pages 8, damaged blocks 1,"), t.out());

        CliRun j = CliRun.of("report", "--json", f.toString());
        assertEquals(1, j.exit(), j.err());
        JsonNode d = new ObjectMapper().readTree(j.out());
        assertEquals(READ, d.get("total_events").asLong());
        assertEquals(false, d.at("/health/complete").asBoolean(true));
        assertTrue(d.at("/health/cut_short").isNull(), "the END block was read");
        assertEquals(1, d.at("/health/damaged_blocks").asLong());
        assertEquals(damage(), d.at("/health/first_damage").asText());
        assertEquals(chunk.end() - chunk.offset(), d.at("/health/skipped_bytes").asLong());
        assertEquals(8, d.at("/health/skipped_pages").asLong());
        assertEquals(24, d.at("/health/pages").asLong());
        assertTrue(d.at("/loss/truncated").asBoolean());
    }

    /**
     * kd's banner gives the damage in report's words, and {@code g} steps through every hit of the file, those after
     * the damaged block too: as many as in the same file with that block cut out.
     */
    @Test
    void kdSeesTheBlocksAfterIt() throws Exception {
        Path f = hostile();
        CliRun kd = CliRun.of("kd", "--recording", f.toString(), "-c", "q");
        assertTrue(kd.err().contains("pooltag kd: recording " + f + ": DAMAGED (" + damage()
                + "; 1 damaged block skipped); " + READ + " events in 24 pages,"), kd.err());
        assertFalse(kd.err().contains("reads only up to"), kd.err());

        byte[] sound = UndecodableBlocks.sound();
        Path cut = dir.resolve("cut.ptrec");
        Files.write(cut, UndecodableBlocks.without(sound, UndecodableBlocks.chunks(sound).get(1)));
        Path head = dir.resolve("head.ptrec");
        Files.write(head, java.util.Arrays.copyOf(sound, UndecodableBlocks.chunks(sound).get(1).offset()));
        long hits = hits(f);
        assertEquals(hits(cut), hits, "the hits outside the damaged block");
        assertEquals(1098, hits);
        assertEquals(543, hits(head), "the hits before the damaged block: 555 come after it");
    }

    private static long hits(Path file) {
        try (KdTarget t = KdTargets.recording(file)) {
            t.armHit("kmalloc-64");
            long n = 0;
            for (Optional<Break> b = t.go(() -> false); b.isPresent(); b = t.go(() -> false)) {
                n++;
            }
            return n;
        }
    }
}
