package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.linux.ring.Le;

/**
 * A damaged block of a real recording (real-pages.ptrec: version 1, one PAGE block per page, CRC over the payload
 * only) is skipped alone: the replay delivers exactly the events of every other block (the same events, in the same
 * order, as the file with the damaged blocks cut out), counts the damage once, and reads on to the END block.
 * Before the reader resynchronised, one flipped byte at 78,000 threw away the 19 page blocks after it: 1,102 of 2,740
 * events, 77,800 bytes skipped.
 */
class RecordingResyncTest {
    @TempDir
    Path dir;

    // The file's blocks (offset: kind, length), from its own headers:
    //   23824 .. 150768 PAGE blocks (32, cpu 0), 154872 END (24 bytes: stop ns, 32 pages, events)
    //   77112 PAGE, 4084 payload bytes (block of 4100); 81212 PAGE, 4076 (4092); 85304 PAGE, 4104
    static final int DAMAGED = 77112;
    static final int NEXT = 81212;
    static final int AFTER_NEXT = 85304;

    static byte[] real() throws Exception {
        try (InputStream in = RecordingResyncTest.class.getResourceAsStream("/real-pages.ptrec")) {
            return in.readAllBytes();
        }
    }

    record Read(RecordingRoundTripTest.Collect c, RecordingReader.Replay rp) {
    }

    Read replay(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        try (RecordingReader r = RecordingReader.open(f)) {
            RecordingRoundTripTest.Collect c = new RecordingRoundTripTest.Collect();
            return new Read(c, r.replay(c, 0));
        }
    }

    /**
     * A hostile file that alternates, to its end, a damaged empty META block, a plausible header claiming the rest of
     * the file (up to 32 MiB) with a wrong CRC, and a sound one-byte META block: every resync CRC-checked nearly the
     * rest of the file again, each with a budget of its own, so the cost grew with the square of the size (a review
     * measured 2.9 s at 512 KiB, 23.8 s at 2 MiB, over 60 s at 4 MiB). The budget is the file's: the replay ends,
     * its CRC work bounded by RESYNC_CRC_BUDGET, and everything it skipped counted as damaged.
     */
    @Test
    void aFileOfDamageAfterDamageSpendsOneBoundedBudgetNotOnePerResync() throws Exception {
        // the real file's preamble (everything before its first PAGE block, at 23824), then the hostile cycles
        int size = 4 << 20;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size + (1 << 16)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(real(), 0, 23824);
        while (b.position() < size) {
            block(b, RecordingFormat.META, new byte[0], false);                  // damaged
            int rest = Math.max(1, Math.min(32 << 20, size - b.position() - 16));
            b.putInt(RecordingFormat.KALLSYMS_GZ).putInt(-1).putInt(rest).putInt(0); // plausible, wrong CRC
            block(b, RecordingFormat.META, new byte[] {'x'}, true);              // sound
        }
        byte[] bytes = java.util.Arrays.copyOf(b.array(), b.position());
        Path f = dir.resolve("hostile.ptrec");
        Files.write(f, bytes);
        long t0 = System.nanoTime();
        try (RecordingReader r = RecordingReader.open(f)) {
            RecordingRoundTripTest.Collect c = new RecordingRoundTripTest.Collect();
            RecordingReader.Replay rp = r.replay(c, 0);
            assertTrue(rp.damagedBlocks() > 0, "the damage is counted");
            assertFalse(rp.complete());
            assertTrue(r.resyncCrcBytes() <= RecordingReader.RESYNC_CRC_BUDGET, r.resyncCrcBytes() + " bytes");
        }
        // not the measure (the budget is), a guard against a regression back to minutes
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, (System.nanoTime() - t0) / 1e9 + " s");
    }

    /** A block as this version 1 file's writer made it: kind, cpu, length, CRC-32 of the payload, payload. */
    private static void block(java.nio.ByteBuffer b, int kind, byte[] payload, boolean sound) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(payload);
        b.putInt(kind).putInt(-1).putInt(payload.length).putInt((int) c.getValue() ^ (sound ? 0 : 0x5a5a5a5a))
                .put(payload);
    }

    /**
     * Replays {@code bad}: it must deliver exactly the events of the real file with {@code [from, to)} cut out, in
     * order, count that stretch as {@code blocks} damaged blocks holding {@code pages} pages, and read on to the END
     * block (not cut short).
     */
    Read assertSkippedAlone(String name, byte[] bad, int from, int to, int blocks, int pages) throws Exception {
        Read d = replay(name, bad);
        assertEquals(replay("cut.ptrec", without(real(), from, to)).c().events, d.c().events, name);
        assertEquals(blocks, d.rp().damagedBlocks(), name);
        assertEquals(to - from, d.rp().skippedBytes(), name);
        assertEquals(pages, d.rp().skippedPages(), name);
        assertNull(d.rp().cutShortReason(), name);
        return d;
    }

    /** The file with the bytes [from, to) cut out: what a replay that skips exactly those blocks must deliver. */
    static byte[] without(byte[] all, int from, int to) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(all, 0, from);
        o.write(all, to, all.length - to);
        return o.toByteArray();
    }

    @Test
    void theFileIsWhatTheseTestsAssume() throws Exception {
        byte[] all = real();
        assertEquals(1, Le.i32(all, 8), "version 1: the CRC covers the payload only");
        assertEquals(154912, all.length);
        for (int at : new int[]{DAMAGED, NEXT, AFTER_NEXT}) {
            assertEquals(RecordingFormat.PAGE, Le.i32(all, at), "a PAGE block at " + at);
        }
        assertEquals(NEXT, DAMAGED + 16 + Le.i32(all, DAMAGED + 8));
        assertEquals(AFTER_NEXT, NEXT + 16 + Le.i32(all, NEXT + 8));
        Read whole = replay("whole.ptrec", all);
        assertTrue(whole.rp().complete());
        assertEquals(2740, whole.c().events.size());
        assertEquals(32, whole.rp().pages());
    }

    /** The helper's reproduction: byte 78,000 (inside the PAGE block at 77,112) flipped. */
    @Test
    void aDamagedMiddleBlockLosesOnlyItsOwnEvents() throws Exception {
        byte[] all = real();
        byte[] bad = all.clone();
        bad[78000] ^= (byte) 0xff;
        Read d = replay("bad.ptrec", bad);
        Read cut = replay("cut.ptrec", without(all, DAMAGED, NEXT));
        Read whole = replay("whole.ptrec", all);
        int inBlock = whole.c().events.size() - cut.c().events.size();
        assertEquals(145, inBlock, "the damaged block's events (the whole file's 2740 less the file without it)");
        assertEquals(cut.c().events, d.c().events, "every other block's events, in order");
        assertEquals(2740 - 145, d.rp().totalEvents());
        assertEquals(31, d.rp().pages());
        assertFalse(d.rp().complete());
        assertEquals(Boolean.TRUE, d.c().truncated);
        assertNull(d.rp().cutShortReason(), "the END block was read: not cut short");
        assertEquals(1, d.rp().damagedBlocks());
        assertEquals(NEXT - DAMAGED, d.rp().skippedBytes(), "4100: the damaged block's header and payload");
        assertEquals(1, d.rp().skippedPages(), "END counts 32 pages, 31 were read");
        assertEquals("PAGE block at byte 77112 fails its CRC-32", d.rp().firstDamage());
        assertEquals("DAMAGED (PAGE block at byte 77112 fails its CRC-32; 1 damaged block skipped)",
                d.rp().stateLine());
    }

    /**
     * A damaged length (4084 -> 4085: plausible, so the CRC over the wrong bytes fails, and it leads into the next
     * block's header) hides where the next block starts: the reader scans for it, and loses nothing more.
     */
    @Test
    void aDamagedLengthIsReadPastByScanningForTheNextSoundBlock() throws Exception {
        byte[] all = real();
        byte[] bad = all.clone();
        Le.putI32(bad, DAMAGED + 8, Le.i32(all, DAMAGED + 8) + 1);
        // its length no longer leads to the next block: one stretch
        Read d = assertSkippedAlone("len.ptrec", bad, DAMAGED, NEXT, 1, 1);
        assertEquals("PAGE block at byte 77112 fails its CRC-32", d.rp().firstDamage());
    }

    /** Two damaged blocks in a row: both skipped, each counted, the first named. */
    @Test
    void twoAdjacentDamagedBlocksAreEachCounted() throws Exception {
        byte[] all = real();
        byte[] bad = all.clone();
        bad[78000] ^= (byte) 0xff;
        bad[NEXT + 1000] ^= (byte) 0xff;
        Read d = assertSkippedAlone("two.ptrec", bad, DAMAGED, AFTER_NEXT, 2, 2); // 4100 + 4092 bytes
        assertEquals(30, d.rp().pages());
        assertEquals("PAGE block at byte 77112 fails its CRC-32", d.rp().firstDamage());
    }

    /** Damage in the last page block: every page before it, then the END block. */
    @Test
    void aDamagedLastPageBlockLosesOnlyItself() throws Exception {
        byte[] all = real();
        int last = 150768;
        int end = 154872;
        assertEquals(RecordingFormat.END, Le.i32(all, end));
        byte[] bad = all.clone();
        bad[last + 100] ^= 1;
        assertSkippedAlone("last.ptrec", bad, last, end, 1, 1); // the END block after it was read
    }

    /** A file cut inside a page block (a killed recorder) is cut short as before: nothing called damaged. */
    @Test
    void aTruncatedFileIsStillCutShort() throws Exception {
        byte[] all = real();
        Read d = replay("cut-short.ptrec", java.util.Arrays.copyOf(all, 78000));
        assertEquals(replay("head.ptrec", java.util.Arrays.copyOf(all, DAMAGED)).c().events, d.c().events);
        assertFalse(d.rp().complete());
        assertEquals("PAGE block at byte 77112 cut short (872 of 4084 payload bytes)", d.rp().cutShortReason());
        assertEquals(78000 - DAMAGED, d.rp().skippedBytes());
        assertEquals(0, d.rp().damagedBlocks());
        assertNull(d.rp().firstDamage());
    }
}
