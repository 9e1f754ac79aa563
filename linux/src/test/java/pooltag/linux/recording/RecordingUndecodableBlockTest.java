package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.linux.recording.UndecodableBlocks.Block;
import pooltag.linux.ring.Le;

/**
 * A block whose CRC-32 holds but whose content does not decode (a writer that computed the CRC over bad bytes: a
 * bug, or a hostile file) is damage like a failed CRC: skipped alone, counted once in damaged_blocks with its bytes
 * and pages, named first, and the blocks after it are read. Before, the replay threw at it: everything after it was
 * lost and every door exited 2. The files are this pooltag's own writer's ({@link UndecodableBlocks}): 32 pages of a
 * real kernel in four PAGES_ZSTD blocks of eight, one block rewritten with its CRC recomputed.
 */
class RecordingUndecodableBlockTest {
    /** Events in the whole file. */
    static final int ALL = 2740;
    /** Events in the first PAGES_ZSTD block (pages 1-8): all delivered before the second block. */
    static final int BEFORE = 736;
    /** Events in the second PAGES_ZSTD block (pages 9-16), the one damaged; 1,301 follow it. */
    static final int IN_SECOND = 703;

    record Read(RecordingRoundTripTest.Collect c, RecordingReader.Replay rp) {
    }

    static Read replay(byte[] bytes) {
        try (RecordingReader r = RecordingReader.open("mem.ptrec", bytes)) {
            RecordingRoundTripTest.Collect c = new RecordingRoundTripTest.Collect();
            return new Read(c, r.replay(c, 0));
        }
    }

    @Test
    void theSoundFileIsWhatTheseTestsAssume() throws Exception {
        byte[] sound = UndecodableBlocks.sound();
        assertEquals(RecordingFormat.VERSION, Le.i32(sound, 8));
        Read whole = replay(sound);
        assertTrue(whole.rp().complete());
        assertEquals(ALL, whole.c().events.size());
        assertEquals(32, whole.rp().pages());
        assertEquals(0, whole.rp().damagedBlocks());
    }

    /**
     * The second PAGES_ZSTD block is {@code bad}'s: the replay must deliver exactly the events of the file without
     * that block (those before it, then those after it), count it as one damaged block of eight pages, and read on
     * to the END block.
     */
    static Read assertSkippedAlone(byte[] bad) throws Exception {
        byte[] sound = UndecodableBlocks.sound();
        Block chunk = UndecodableBlocks.chunks(sound).get(1);
        Block badChunk = UndecodableBlocks.chunks(bad).get(1);
        assertEquals(chunk.offset(), badChunk.offset());
        List<String> before = replay(Arrays.copyOf(sound, chunk.offset())).c().events;
        List<String> without = replay(UndecodableBlocks.without(sound, chunk)).c().events;
        assertEquals(BEFORE, before.size(), "the first block's events");
        assertEquals(ALL - IN_SECOND, without.size(), "every block's but the second's");
        Read d = replay(bad);
        assertEquals(without, d.c().events, "the events before the damaged block, then those after it, in order");
        assertEquals(before, d.c().events.subList(0, BEFORE));
        assertEquals(1301, d.c().events.size() - BEFORE, "the events after the damaged block");
        assertEquals(1, d.rp().damagedBlocks());
        assertEquals(badChunk.end() - badChunk.offset(), d.rp().skippedBytes(), "the damaged block's bytes");
        assertEquals(UndecodableBlocks.PAGES_PER_CHUNK, d.rp().skippedPages(), "END counts 32 pages, 24 were read");
        assertEquals(32 - UndecodableBlocks.PAGES_PER_CHUNK, d.rp().pages());
        assertFalse(d.rp().complete());
        assertEquals(Boolean.TRUE, d.c().truncated);
        assertNull(d.rp().cutShortReason(), "the END block was read: not cut short");
        assertTrue(d.rp().firstDamage().startsWith("PAGES_ZSTD block at byte " + chunk.offset()
                + " does not decode, though its CRC-32 holds: "), d.rp().firstDamage());
        return d;
    }

    @Test
    void aPageClaimingMoreBytesThanItsBlockHoldsCostsItsBlockOnly() throws Exception {
        byte[] bad = UndecodableBlocks.impossiblePageLength();
        Read d = assertSkippedAlone(bad);
        Block chunk = UndecodableBlocks.chunks(bad).get(1);
        assertEquals("DAMAGED (PAGES_ZSTD block at byte " + chunk.offset() + " does not decode, though its CRC-32"
                + " holds: PAGES_ZSTD block, page 3 of 8, claims 32720 bytes; 24480 are left in the block;"
                + " 1 damaged block skipped)", d.rp().stateLine());
    }

    /** A page entry for a CPU the recording does not have (a corrupt page header inside the block). */
    @Test
    void aPageOfACpuTheRecordingLacksCostsItsBlockOnly() throws Exception {
        byte[] sound = UndecodableBlocks.sound();
        Block chunk = UndecodableBlocks.chunks(sound).get(1);
        byte[] e = UndecodableBlocks.entries(sound, chunk);
        int at = RecordingFormat.CHUNK_ENTRY_HEADER + Le.i32(e, 4); // the second page's entry
        Le.putI32(e, at, 4095);
        Read d = assertSkippedAlone(UndecodableBlocks.withPayload(sound, chunk,
                UndecodableBlocks.chunkPayload(e, UndecodableBlocks.PAGES_PER_CHUNK)));
        assertTrue(d.rp().firstDamage().endsWith("PAGES_ZSTD block, page 2 of 8, for cpu 4095; the recording has 2"),
                d.rp().firstDamage());
    }

    /** A zstd frame that does not decompress, under a CRC-32 computed over it. */
    @Test
    void aFrameThatDoesNotDecompressCostsItsBlockOnly() throws Exception {
        byte[] sound = UndecodableBlocks.sound();
        Block chunk = UndecodableBlocks.chunks(sound).get(1);
        byte[] p = UndecodableBlocks.payload(sound, chunk);
        Arrays.fill(p, RecordingFormat.CHUNK_HEADER, p.length, (byte) 0x5a);
        Read d = assertSkippedAlone(UndecodableBlocks.withPayload(sound, chunk, p));
        assertTrue(d.rp().firstDamage().contains("does not decompress"), d.rp().firstDamage());
    }

    /** Eight pages declared, seven in the bytes: the block's content disagrees with itself. */
    @Test
    void aPageCountTheBlockDoesNotHoldCostsItsBlockOnly() throws Exception {
        byte[] sound = UndecodableBlocks.sound();
        Block chunk = UndecodableBlocks.chunks(sound).get(1);
        byte[] e = UndecodableBlocks.entries(sound, chunk);
        int seven = 0;
        for (int i = 0; i < 7; i++) {
            seven += RecordingFormat.CHUNK_ENTRY_HEADER + Le.i32(e, seven + 4);
        }
        Read d = assertSkippedAlone(UndecodableBlocks.withPayload(sound, chunk,
                UndecodableBlocks.chunkPayload(Arrays.copyOf(e, seven), UndecodableBlocks.PAGES_PER_CHUNK)));
        assertTrue(d.rp().firstDamage().endsWith("PAGES_ZSTD block, page 8 of 8, runs past the block's " + seven
                + " uncompressed bytes"), d.rp().firstDamage());
    }

    /** An END block too short for its stop time: damaged, and with it the end; every page before it is read. */
    @Test
    void anEndBlockThatDoesNotDecodeIsDamageAndTheFileHasNoEnd() throws Exception {
        byte[] sound = UndecodableBlocks.sound();
        List<Block> blocks = UndecodableBlocks.blocks(sound);
        Block end = blocks.get(blocks.size() - 1);
        assertEquals(RecordingFormat.END, end.kind());
        Read d = replay(UndecodableBlocks.withPayload(sound, end, new byte[4]));
        assertEquals(ALL, d.c().events.size(), "every page's events");
        assertEquals(32, d.rp().pages());
        assertEquals(1, d.rp().damagedBlocks());
        assertEquals(RecordingFormat.BLOCK_HEADER_SIZE + 4, d.rp().skippedBytes());
        assertEquals("CUT SHORT (no END block (damaged blocks ran to the end of the file)); DAMAGED (END block at"
                + " byte " + end.offset() + " does not decode, though its CRC-32 holds: END block holds 4 bytes; it"
                + " starts with the u64 stop time; 1 damaged block skipped)", d.rp().stateLine());
    }
}
